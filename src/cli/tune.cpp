// ecopt tune STUDY.toml: run (or resume) a study file's tune loop.
#include <cstdlib>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/study/cpu_plan.hpp"
#include "ecopt/study/device_lease.hpp"
#include "ecopt/study/runner.hpp"
#include "ecopt/study/study_file.hpp"
#include "ecopt/study/worker.hpp"

namespace ecopt::cli {

namespace {

struct TuneFlags : WorkerFlags {
  int workers = 0;
  std::string warm_start_from;
};

// --workers N: N `ecopt worker` processes share the study (docs/scaling.md),
// at once or in turns on the CPU as its meters allow.
void run_workers(const StudyFile& file, TuneFlags flags, const std::atomic<bool>& stop) {
  if (!flags.storage.empty()) ::setenv(kWorkerStorageEnv, flags.storage.c_str(), 1);
  const CpuPlan plan = plan_cpu_sharing(file, flags.workers, flags.cpus_per_trial);
  std::cout << plan.line << '\n' << std::flush;
  flags.cpus_per_trial = plan.cpus_per_trial;
  flags.allow_shared = flags.allow_shared || plan.unpinned_beside;
  const int code = run_local_workers(worker_argv(flags), flags.workers, stop, std::cout);
  if (stop) throw StudyInterrupted("interrupted; rerun the same command to resume");
  if (code != 0) {
    throw Error(fmt::format("a worker failed (exit code {}); its error is above", code));
  }
}

void run(const TuneFlags& flags) {
  const StudyFile file = study_file_of(flags);
  RunOptions options;
  apply_budget_flags(flags, options);  // a bad value fails before any worker starts
  const StopSignals signals;
  if (flags.workers > 0) {
    if (!flags.warm_start_from.empty()) {
      throw InputError("--warm-start-from does not reach --workers; give it as [study] warm_start_from in the study file");
    }
    return run_workers(file, flags, signals.flag());
  }
  if (!flags.warm_start_from.empty()) options.warm_start_from = flags.warm_start_from;
  if (flags.n_trials > 0) options.n_trials = flags.n_trials;
  if (!flags.storage.empty()) options.storage_url = flags.storage;
  options.stop = &signals.flag();
  options.stream_output = flags.stream_output;
  // Device leases only when asked for: a lone tune owns the machine.
  std::optional<DeviceLeases> leases;
  LeaseOptions lease_options;
  lease_options.cpus_per_trial = flags.cpus_per_trial > 0 ? flags.cpus_per_trial : file.cpus_per_trial;
  if (!flags.devices.empty() || flags.allow_shared || lease_options.cpus_per_trial > 0) {
    options.leases = &leases.emplace(flags.devices, flags.allow_shared, lease_options);
  }
  run_study(file, options);
}

}  // namespace

void add_tune_command(CLI::App& app) {
  auto flags = std::make_shared<TuneFlags>();
  auto* command = app.add_subcommand(
      "tune", "Run or resume the study a TOML file describes; Ctrl-C stops cleanly");
  command->add_option("study_file", flags->study_file, "Study file, e.g. studies/zdt1-quick.toml")
      ->required();
  command->add_option("--n-trials", flags->n_trials,
                      "COMPLETE and PRUNED trials to reach; failed ones do not count (overrides [study] n_trials)")
      ->check(whole_number())
      ->check(CLI::Range(std::int64_t{1}, kMaxTrials));
  command->add_option("--storage", flags->storage, "Storage URL (overrides [study] storage)");
  command->add_option("--workers", flags->workers,
                      "Run the study in this many local worker processes ('ecopt worker')")
      ->check(CLI::Range(1, 1024));
  command->add_option("--warm-start-from", flags->warm_start_from,
                      "A finished related study (same storage, same parameter names) whose COMPLETE trials "
                      "inform the models; overrides [study] warm_start_from");
  add_worker_flags(*command, *flags);
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
