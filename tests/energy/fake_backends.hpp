#pragma once
// Fakes of the RAPL backends for the tests of this folder: a powercap
// tree whose counters a test moves, and the perf_event system call behind
// its seam, scripted. Both go through the meters' real code paths.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ecopt/energy/seams.hpp"
#include "read_gate.hpp"
#include "test_support.hpp"

namespace ecopt::testing {

constexpr unsigned long long kRangeUj = 262'143'328'850ULL;  // a common Intel range

struct Zone {
  std::string id;
  std::string name;
  unsigned long long energy_uj = 0;
  unsigned long long range_uj = kRangeUj;
};

// A fake /sys/class/powercap whose counters the test moves.
class FakePowercap {
 public:
  void add(const Zone& zone) {
    zones_[zone.id] = zone;
    dir_.write(zone.id + "/name", zone.name + "\n");
    dir_.write(zone.id + "/max_energy_range_uj", std::to_string(zone.range_uj) + "\n");
    set(zone.id, zone.energy_uj);
  }
  void set(const std::string& id, unsigned long long energy_uj) {
    zones_[id].energy_uj = energy_uj;
    dir_.write(id + "/energy_uj", std::to_string(energy_uj) + "\n");
  }
  void add_uj(const std::string& id, unsigned long long delta) {
    const auto& zone = zones_[id];
    // Values run from 0 to range - 1, the convention the meter unwraps by.
    set(id, (zone.energy_uj + delta) % zone.range_uj);
  }
  std::string root() const { return dir_.path().string(); }
  std::string file(const std::string& id, const std::string& name) const {
    return (dir_.path() / id / name).string();
  }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::map<std::string, Zone> zones_;
};

class ScriptedPerf final : public PerfEventApi {
 public:
  int open(std::uint32_t pmu_type, std::uint64_t config, int cpu) override {
    std::lock_guard lock(mutex);
    if (open_error) return -open_error;
    opened.push_back({pmu_type, config, cpu});
    counts[next_fd] = 0;
    return next_fd++;
  }
  std::optional<std::uint64_t> read(int fd) override {
    std::uint64_t count = 0;
    {
      std::lock_guard lock(mutex);
      count = counts.at(fd);
    }
    gate.pass();
    return count;
  }
  void close(int fd) override {
    std::lock_guard lock(mutex);
    counts.erase(fd);
    ++closed;
  }
  void add_all(std::uint64_t delta) {
    std::lock_guard lock(mutex);
    for (auto& [fd, count] : counts) count += delta;
  }

  struct Open {
    std::uint32_t type;
    std::uint64_t config;
    int cpu;
  };
  std::mutex mutex;
  testing::ReadGate gate;
  int open_error = 0;
  int next_fd = 100;
  int closed = 0;
  std::vector<Open> opened;
  std::map<int, std::uint64_t> counts;
};

}  // namespace ecopt::testing
