#pragma once
// One function per subcommand, each in its own file; main.cpp calls them
// all. To add a subcommand: declare add_<verb>_command here, define it in
// <verb>.cpp, call it in main.cpp. Errors are thrown, never printed: main
// turns them into one line and an exit code.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ecopt/study/runner.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt::cli {

// The most trials a study may ask for, as [study] n_trials allows.
inline constexpr std::int64_t kMaxTrials = 10'000'000;

// Flags of `ecopt worker`, also passed on by `ecopt tune --workers N`.
struct WorkerFlags {
  std::string study_file;
  std::int64_t n_trials = 0;
  std::int64_t max_trials = 0;
  std::string storage;
  std::vector<std::string> devices;
  bool allow_shared = false;
  int cpus_per_trial = 0;  // 0: [study] cpus_per_trial, else as the meters allow
  // The budget flags as given (kBudgetFlagKeys, study/budget.hpp), by flag;
  // empty: not given.
  std::map<std::string, std::string> budget;
  std::int64_t max_failed_trials = 0;
  bool stream_output = false;
  std::string pruner;  // overrides [pruning] rule
};
void add_worker_flags(CLI::App& command, WorkerFlags& flags);
// The budget and failure limit the flags give, read through the input
// boundary (InputError naming the flag).
void apply_budget_flags(const WorkerFlags& flags, RunOptions& options);
// The study file the flags name, with their overrides of it applied.
StudyFile study_file_of(const WorkerFlags& flags);
// The argv that starts one worker with these flags (this executable, no
// shell). The storage URL is not in it, since any local user can read a
// process's argv: tune --workers passes it in kWorkerStorageEnv instead.
std::vector<std::string> worker_argv(const WorkerFlags& flags);
inline constexpr const char* kWorkerStorageEnv = "ECOPT_WORKER_STORAGE";

void add_create_study_command(CLI::App& app);
void add_ask_command(CLI::App& app);
void add_tell_command(CLI::App& app);
void add_intermediate_command(CLI::App& app);
void add_best_trials_command(CLI::App& app);
void add_trials_command(CLI::App& app);
void add_importance_command(CLI::App& app);
void add_studies_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_tune_command(CLI::App& app);
void add_worker_command(CLI::App& app);
void add_measure_command(CLI::App& app);
void add_devices_command(CLI::App& app);
void add_generation_bench_command(CLI::App&);
void add_report_command(CLI::App& app);
void add_dashboard_command(CLI::App& app);
void add_submit_command(CLI::App& app);
void add_logs_command(CLI::App& app);
void add_delete_study_command(CLI::App& app);
void add_rename_study_command(CLI::App& app);
void add_copy_study_command(CLI::App& app);
void add_enqueue_command(CLI::App& app);

// Thrown to end ecopt with `status` rather than 0 or 1 (`measure` passes its
// command's status through); main prints a non-empty message as an error.
struct ExitWithStatus {
  int status = 1;
  std::string message;
};

}  // namespace ecopt::cli
