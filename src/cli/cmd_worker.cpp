// ecopt worker STUDY.toml: one of many processes running one study's
// trials (docs/scaling.md); `ecopt tune --workers N` starts N of them.
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/study/device_lease.hpp"
#include "ecopt/study/runner.hpp"
#include "ecopt/study/study_file.hpp"
#include "ecopt/study/worker.hpp"

namespace ecopt::cli {

namespace {

void run_worker(const WorkerFlags& flags) {
  // Already parsed into flags.storage: trial programs inherit this process's
  // environment and must not see a database password.
  ::unsetenv(kWorkerStorageEnv);
  const StudyFile file = study_file_of(flags);
  LeaseOptions lease_options;
  lease_options.cpus_per_trial = flags.cpus_per_trial > 0 ? flags.cpus_per_trial : file.cpus_per_trial;
  DeviceLeases leases(flags.devices, flags.allow_shared, lease_options);
  const StopSignals signals;
  RunOptions options;
  if (flags.n_trials > 0) options.n_trials = flags.n_trials;
  if (flags.max_trials > 0) options.max_trials_run = flags.max_trials;
  if (!flags.storage.empty()) options.storage_url = flags.storage;
  apply_budget_flags(flags, options);
  options.stop = &signals.flag();
  options.wait_for_others = true;
  options.stream_output = flags.stream_output;
  options.leases = &leases;
  run_study(file, options);
}

}  // namespace

namespace {

// A flag's text as the JSON value the budget reader checks: an integer or
// a number when the whole text is one, else the text ("2h").
nlohmann::json flag_value(const std::string& text) {
  std::int64_t integer = 0;
  const auto [integer_end, integer_error] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (integer_error == std::errc() && integer_end == text.data() + text.size()) return integer;
  double number = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error == std::errc() && end == text.data() + text.size()) return number;
  return text;
}

}  // namespace

void add_worker_flags(CLI::App& command, WorkerFlags& flags) {
  command.add_option("--devices", flags.devices,
                     "Measured devices this worker may lease, e.g. cuda:0,cuda:1 (default: cpu)")
      ->delimiter(',');
  command.add_flag("--allow-shared", flags.allow_shared,
                   "Run when every device is leased, marking the trial's energy as shared");
  command.add_option("--cpus-per-trial", flags.cpus_per_trial,
                     "Run trials at once on this node, each pinned to its own set of N CPUs of one "
                     "package (overrides [study] cpus_per_trial)")
      ->check(CLI::Range(1, kMaxCpusPerTrial));
  const BudgetKeys& keys = kBudgetFlagKeys;
  const std::pair<const char*, const char*> budget_flags[] = {
      {keys.energy_kwh, "Stop once the study's tuning energy reaches this many kWh ([budget] energy_kwh)"},
      {keys.carbon_kg, "Stop once its tuning carbon reaches this many kg CO2e ([budget] carbon_kg)"},
      {keys.wall_time, "Stop once its trials have run this long: seconds, or 90m, 2h, 1h30m ([budget] wall_time)"},
      {keys.min_hypervolume_per_kwh,
       "Stop when the last trials gained less hypervolume per kWh than this ([budget] min_hypervolume_per_kwh)"},
      {keys.hypervolume_window, "How many last trials that rule looks at ([budget] hypervolume_window, default 10)"},
  };
  for (const auto& [flag, help] : budget_flags) command.add_option(flag, flags.budget[flag], help);
  command.add_option("--max-failed-trials", flags.max_failed_trials,
                     "Stop after this many failed trials of this run ([study] max_failed_trials, default n_trials)")
      ->check(whole_number())
      ->check(CLI::Range(std::int64_t{1}, kMaxTrials));
  command.add_flag("--stream-output", flags.stream_output,
                   "Print each line of a trial's output as it comes, after \"[trial N]\" (it is kept "
                   "in the trial's log either way: 'ecopt logs')");
  command.add_option("--pruner", flags.pruner,
                     "Pruning rule during training: front-reach, pareto-halving or none "
                     "(overrides [pruning] rule; docs/pruning.md)")
      ->check(CLI::IsMember({"front-reach", "pareto-halving", "none"}));
}

void apply_budget_flags(const WorkerFlags& flags, RunOptions& options) {
  nlohmann::json given = nlohmann::json::object();
  for (const auto& [flag, text] : flags.budget) {
    if (!text.empty()) given[flag] = flag_value(text);
  }
  options.budget = read_budget(given, "option", kBudgetFlagKeys);
  if (flags.max_failed_trials > 0) options.max_failed_trials = flags.max_failed_trials;
}

StudyFile study_file_of(const WorkerFlags& flags) {
  StudyFile file = load_study_file(flags.study_file);
  if (!flags.pruner.empty()) file.pruning.rule = parse_pruning_rule(flags.pruner);
  return file;
}

std::vector<std::string> worker_argv(const WorkerFlags& flags) {
  std::vector<std::string> argv{current_executable(), "worker", flags.study_file};
  if (flags.n_trials > 0) argv.insert(argv.end(), {"--n-trials", std::to_string(flags.n_trials)});
  if (!flags.devices.empty()) {
    argv.insert(argv.end(), {"--devices", fmt::format("{}", fmt::join(flags.devices, ","))});
  }
  if (flags.allow_shared) argv.emplace_back("--allow-shared");
  if (flags.cpus_per_trial > 0) argv.insert(argv.end(), {"--cpus-per-trial", std::to_string(flags.cpus_per_trial)});
  for (const auto& [flag, text] : flags.budget) {
    if (!text.empty()) argv.insert(argv.end(), {flag, text});
  }
  if (flags.max_failed_trials > 0) {
    argv.insert(argv.end(), {"--max-failed-trials", std::to_string(flags.max_failed_trials)});
  }
  if (flags.stream_output) argv.emplace_back("--stream-output");
  if (!flags.pruner.empty()) argv.insert(argv.end(), {"--pruner", flags.pruner});
  return argv;
}

void add_worker_command(CLI::App& app) {
  auto flags = std::make_shared<WorkerFlags>();
  auto* command = app.add_subcommand(
      "worker",
      "Run trials of a study file's study until it has n_trials; start one per device or node");
  command->add_option("study_file", flags->study_file, "Study file, e.g. studies/zdt1-quick.toml")
      ->required();
  command->add_option("--n-trials", flags->n_trials,
                      "COMPLETE and PRUNED trials of the study to reach (overrides [study] n_trials)")
      ->check(whole_number())
      ->check(CLI::Range(std::int64_t{1}, kMaxTrials));
  command->add_option("--max-trials", flags->max_trials, "Stop after running this many trials")
      ->check(whole_number())
      ->check(CLI::Range(std::int64_t{1}, kMaxTrials));
  command->add_option("--storage", flags->storage, "Storage URL (overrides [study] storage)")
      ->envname(kWorkerStorageEnv);
  add_worker_flags(*command, *flags);
  command->callback([flags] { run_worker(*flags); });
}

}  // namespace ecopt::cli
