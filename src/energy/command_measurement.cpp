#include "ecopt/energy/command_measurement.hpp"

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "ecopt/core/signal_scope.hpp"
#include "ecopt/energy/monitor.hpp"

namespace ecopt {
namespace {

// The measured command, shared with the CPU-time estimate, which discovery
// creates before the command exists: until then its tree used nothing.
class MeasuredCommand {
 public:
  void start(const ProcessOptions& options) {
    auto process = std::make_unique<Process>(options);
    std::lock_guard lock(mutex_);
    process_ = std::move(process);
  }
  Process& process() { return *process_; }
  ProcessTreeUsage usage() const {
    std::lock_guard lock(mutex_);
    return process_ ? process_->usage() : ProcessTreeUsage{};
  }

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<Process> process_;
};

// --- Ctrl-C ------------------------------------------------------------------
// The command runs in a process group of its own, so the terminal's Ctrl-C
// reaches only ecopt: pass it (and SIGTERM, SIGHUP, SIGQUIT) on to the
// command's group and keep measuring until the command ends.

std::atomic<pid_t> g_command_group{0};
std::atomic<int> g_forwarded_signal{0};  // last signal received, 0: none

void forward_signal(int number) {
  g_forwarded_signal = number;
  const pid_t group = g_command_group.load();
  if (group > 0) ::kill(-group, number);
}

// Cleared before the handlers go in, so a signal never finds an old group.
bool reset_forwarding() {
  g_command_group = 0;
  g_forwarded_signal = 0;
  return true;
}

class SignalForwarding {
 public:
  SignalForwarding()
      : reset_(reset_forwarding()), scope_({SIGINT, SIGTERM, SIGHUP, SIGQUIT}, forward_signal) {}
  ~SignalForwarding() { g_command_group = 0; }

  // A signal that came while the command was starting is passed on now.
  void forward_to(pid_t group) {
    g_command_group = group;
    if (const int pending = g_forwarded_signal.load()) ::kill(-group, pending);
  }
  void stop() { g_command_group = 0; }
  std::optional<int> received() const {
    const int number = g_forwarded_signal.load();
    return number ? std::optional<int>(number) : std::nullopt;
  }

 private:
  bool reset_;
  SignalScope scope_;
};


// One window around the command, from just before it starts to just after
// it has been reaped (the estimate then reads wait4's CPU time of the tree).
void run_command(const CommandMeasurementOptions& settings, EnergyMonitor& monitor,
                 MeasuredCommand& command, CommandMeasurement& measurement) {
  ProcessOptions options;
  options.argv = settings.argv;
  options.inherit_stdio = true;
  SignalForwarding forwarding;
  ScopedWindow window(monitor, "command");
  try {
    command.start(options);
  } catch (const Error& error) {
    throw CommandNotStarted(error.what());
  }
  forwarding.forward_to(command.process().pid());
  measurement.status = command.process().wait();
  forwarding.stop();
  measurement.window = window.end();
  measurement.forwarded_signal = forwarding.received();
}

}  // namespace

CommandMeasurement measure_command(const CommandMeasurementOptions& settings) {
  auto command = std::make_shared<MeasuredCommand>();
  DiscoveryOptions options;
  options.devices = settings.devices;
  options.cpu_watts_per_core = settings.cpu_watts_per_core;
  options.estimate_usage = [command] { return command->usage(); };
  Discovery discovery = discover_meters(options);
  CommandMeasurement measurement;
  measurement.unavailable = std::move(discovery.unavailable);
  measurement.warnings = std::move(discovery.warnings);
  EnergyMonitor monitor(std::move(discovery.meters));
  if (settings.idle_baseline_s > 0)
    monitor.measure_idle_baseline(std::chrono::milliseconds(
        static_cast<std::int64_t>(settings.idle_baseline_s * 1000.0 + 0.5)));
  run_command(settings, monitor, *command, measurement);
  return measurement;
}

}  // namespace ecopt
