#pragma once
// One energy window around one command, as `ecopt measure` takes it: the
// command runs as an argv (never through a shell) with this process's
// stdin, stdout and stderr, in a process group of its own; Ctrl-C, SIGTERM,
// SIGHUP and SIGQUIT are passed on to that group while measuring goes on
// until the command has been reaped, so the window holds all of its work.
#include <optional>
#include <string>
#include <vector>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/process.hpp"

namespace ecopt {

struct CommandMeasurementOptions {
  std::vector<std::string> argv;
  std::vector<std::string> devices;  // discovery's device selection; empty: every meter found
  double idle_baseline_s = 0.0;      // > 0: measure idle first and subtract it
  double cpu_watts_per_core = 0.0;  // 0: the CPU model's TDP / cores, else kDefaultCpuWattsPerCore
};

struct CommandMeasurement {
  ExitStatus status;
  std::optional<int> forwarded_signal;  // the last signal passed on to the command
  WindowResult window;
  std::vector<std::string> unavailable;  // discovery's notes on meters it could not use
  std::vector<std::string> warnings;
};

// The program could not be started (not found, not executable).
class CommandNotStarted : public Error {
 public:
  using Error::Error;
};

CommandMeasurement measure_command(const CommandMeasurementOptions& options);

}  // namespace ecopt
