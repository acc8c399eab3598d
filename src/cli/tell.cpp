// ecopt tell: finish a trial with its objective values, as Optuna's tell.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/core/printable.hpp"

namespace ecopt::cli {

namespace {

struct TellFlags {
  StudyFlags study;
  std::int64_t trial_number = -1;
  std::vector<std::string> values;
  std::string state = "complete";
  std::string user_attrs = "{}";
  std::string fail_reason;
  bool skip_if_finished = false;
};

// "told trial 3: COMPLETE, accuracy 0.9100, inference_samples_per_j 1234"
std::string told_line(std::int64_t number, const TrialResult& result, const StudySpec& spec) {
  std::string line = fmt::format("told trial {}: {}", number, to_string(result.state));
  for (std::size_t i = 0; i < result.values.size() && i < spec.objectives.size(); ++i) {
    line += fmt::format(", {} {}", spec.objectives[i].name, format_number(result.values[i]));
  }
  if (result.fail_reason) line += " (" + *result.fail_reason + ")";
  return line;
}

void run(const TellFlags& flags) {
  TrialResult result;
  result.state = parse_trial_state(flags.state);
  result.values = parse_values(flags.values);
  result.user_attrs = parse_json_object(flags.user_attrs, "--user-attrs");
  if (!flags.fail_reason.empty()) result.fail_reason = flags.fail_reason;
  auto opened = open_study(flags.study, StorageAccess::Existing);
  if (flags.skip_if_finished) {
    const auto trial = opened.storage->find_trial(opened.study->record().id, flags.trial_number);
    if (trial && is_finished(trial->state)) {
      std::cout << fmt::format("trial {} was already {}: left as it is\n", flags.trial_number,
                               to_string(trial->state));
      return;
    }
  }
  opened.study->tell(flags.trial_number, result);
  std::cout << printable(told_line(flags.trial_number, result, opened.study->spec())) << '\n';
}

}  // namespace

void add_tell_command(CLI::App& app) {
  auto flags = std::make_shared<TellFlags>();
  auto* command = app.add_subcommand("tell", "Finish a trial with its objective values");
  add_study_flags(*command, flags->study);
  command->add_option("--trial-number", flags->trial_number, "Number printed by ask")
      ->check(whole_number())
      ->required();
  command->add_option("--values", flags->values,
                      "One value per objective: 0.91,0.012 or 0.91 0.012");
  command->add_option("--state", flags->state, "complete (default), fail or pruned");
  command->add_option("--user-attrs", flags->user_attrs,
                      "Metrics to record with the trial, as a JSON object");
  command->add_option("--fail-reason", flags->fail_reason, "Why the trial failed or was pruned");
  command->add_flag("--skip-if-finished", flags->skip_if_finished,
                    "Do nothing if the trial is already finished");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
