#pragma once
// A machine-wide RAPL package for tests of the real binary: a powercap
// folder (name ECOPT_POWERCAP_ROOT at root()) whose counter a thread of the
// test moves at a power the test sets, so that every `ecopt` process it
// starts reads one package, as workers on one machine do. Zones of several
// packages made in one `dir` share the folder: a machine of several packages.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace ecopt::testing {

class FakePowercapZone {
 public:
  explicit FakePowercapZone(const std::filesystem::path& dir, int package = 0)
      : root_(dir / "powercap"),
        zone_(root_ / ("intel-rapl:" + std::to_string(package))),
        suffix_(package == 0 ? "" : "-" + std::to_string(package)) {
    std::filesystem::create_directories(zone_);
    std::ofstream(zone_ / "name") << "package-" << package << "\n";
    std::ofstream(zone_ / "max_energy_range_uj") << "262143328850\n";
    write_energy(1'000'000);
  }
  ~FakePowercapZone() { stop(); }
  FakePowercapZone(const FakePowercapZone&) = delete;
  FakePowercapZone& operator=(const FakePowercapZone&) = delete;

  // Moves the counter every millisecond by power × the time that passed.
  // The power is set_power_w()'s, or the number in power_file() while that
  // file exists, so that a trial's program can draw more or less.
  void start_moving(double watts) {
    set_power_w(watts);
    thread_ = std::thread([this] {
      double uj = 1'000'000;
      auto last = std::chrono::steady_clock::now();
      while (!stopping_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const auto now = std::chrono::steady_clock::now();
        uj += power_w() * 1e6 * std::chrono::duration<double>(now - last).count();
        last = now;
        write_energy(static_cast<unsigned long long>(uj));
      }
    });
  }
  void set_power_w(double watts) { power_w_ = watts; }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string root() const { return root_.string(); }
  std::filesystem::path power_file() const { return root_ / ("power_w" + suffix_); }

 private:
  double power_w() const {
    double watts = 0.0;
    if (std::ifstream(power_file()) >> watts) return watts;
    return power_w_.load();
  }

  // Write then rename: a reader sees the old or the new value, never half.
  void write_energy(unsigned long long uj) {
    const auto staging = root_ / ("energy_uj.writing" + suffix_);
    std::ofstream(staging) << uj << "\n";
    std::filesystem::rename(staging, zone_ / "energy_uj");
  }

  std::filesystem::path root_;
  std::filesystem::path zone_;
  std::string suffix_;  // of this package's files in root_: "" for package 0
  std::atomic<double> power_w_{0.0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ecopt::testing
