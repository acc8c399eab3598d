#pragma once
// Which trials ran on this machine at the same time, so that energy read
// from a machine-wide meter (a CPU package's RAPL counter) is neither passed
// off as one trial's own nor counted once per worker.
//
// Every measured trial registers in the machine's lease folder, shared by
// all workers on the machine: while it runs it holds an flock on a marker
// file naming its start; when it ends it appends its interval to a log.
// At its end a trial overlapped another when some other marker is still
// held or the log holds an interval that meets its own, so both trials of
// an overlap see it: the later through the earlier's marker, the earlier
// through the later's log line. Times are CLOCK_MONOTONIC, which every
// process of a machine shares; lines from an earlier boot are ignored.
// Each registration names the machine-wide meters its window reads (its
// scope: "cpu:0" for a trial pinned to package 0 where RAPL measures each
// package); trials overlap only where their scopes meet, so trials on
// packages of their own are not shared.
//
// The idle baseline needs the machine to itself: exclusively() keeps new
// trials from starting and waits for the running ones to end.
//
// Lock order on a node, the same for every worker so that none waits on
// another in a cycle: device leases (device_lease.hpp), then the gate, then
// machine.lock. A trial takes its lease before begin(); the baseline takes
// every lease of the node before exclusively().
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ecopt/energy/seams.hpp"

namespace ecopt {

struct Overlap {
  bool shared = false;  // another trial ran during some of the window
  // This trial's fair share of machine-wide energy over its window:
  // (1 / duration) ∫ 1 / (trials running at t) dt, in (0, 1], counting
  // the trials whose scope meets its own.
  double share = 1.0;
  // The same for each meter of its scope, counting the trials that read
  // that meter: each meter's energy is then split among its readers only,
  // so it is counted once where scopes differ (a window over every
  // package beside trials on one).
  std::map<std::string, double> share_by_device;
  std::vector<std::string> others;  // labels of the overlapping trials

  // share_by_device's figure for `device`, else `share`.
  double share_of(const std::string& device) const;
};

class MachineActivity {
 public:
  // `dir`: the machine's lease folder (default_lease_dir()); created when
  // missing. clock: null for the steady clock (shared by the machine's
  // processes); tests pass a fake.
  explicit MachineActivity(std::filesystem::path dir,
                           std::shared_ptr<const MonotonicClock> clock = nullptr);

  // A trial running from now until end(); ends itself when destroyed.
  class Registration {
   public:
    Registration() = default;
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();

   private:
    friend class MachineActivity;
    void release();

    int marker_fd_ = -1;
    int machine_fd_ = -1;
    std::filesystem::path marker;
    std::string label;
    std::vector<std::string> scope;
    double start_s = 0.0;
  };

  // `label` names the trial in other trials' overlap lists
  // ("cnn trial 12, pid 4242"); `scope`: the devices of the machine-wide
  // meters its window reads ("cpu:0"); empty: the whole machine. Waits
  // while an idle baseline is measured.
  Registration begin(const std::string& label, const std::vector<std::string>& scope = {});
  // The registered work's window opened now (after begin() published its
  // marker): the interval it logs and splits starts here, so that overlapping
  // windows are split over the time each one measured.
  void opened(Registration& registration) const;
  // Ends the registration (logging its interval) and says what overlapped it.
  Overlap end(Registration& registration);

  // Runs `measure` with no registered trial running on the machine and none
  // starting; `waiting` is called once, with the number of running trials,
  // when it has to wait for them.
  void exclusively(const std::function<void()>& measure,
                   const std::function<void(std::size_t)>& waiting = {});

 private:
  struct Interval {
    double start_s;
    double end_s;
    std::string label;
    std::vector<std::string> scope;  // empty: the whole machine
  };
  std::vector<Interval> running_others(const std::filesystem::path& own_marker) const;
  std::vector<Interval> logged_and_pruned(double keep_after_s) const;

  std::filesystem::path dir_;
  std::shared_ptr<const MonotonicClock> clock_;
  std::string boot_id_;
};

// (1 / (end - start)) ∫ 1 / (1 + others running at t) dt over [start, end].
double fair_share(double start_s, double end_s, const std::vector<std::pair<double, double>>& others);

}  // namespace ecopt
