// ecopt intermediate: report a point of a trial's learning curve (ask/tell
// from any language) and print whether it should go on, by the study's
// pruning rules (docs/pruning.md).
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/study/pruning.hpp"
#include "ecopt/study/study.hpp"

namespace ecopt::cli {

namespace {

struct IntermediateFlags {
  StudyFlags study;
  std::int64_t trial_number = -1;
  std::int64_t step = -1;
  std::optional<std::int64_t> last_step;
  std::string values;
  std::string pruner;
};

void run(const IntermediateFlags& flags) {
  IntermediateReport report{flags.step, parse_json_object(flags.values, "--values"), flags.last_step};
  auto opened = open_study(flags.study, StorageAccess::Existing);
  PruningConfig config = stored_pruning_config(opened.study->record());
  if (!flags.pruner.empty()) config.rule = parse_pruning_rule(flags.pruner);
  const auto reason = report_intermediate(*opened.study, config, flags.trial_number, report);
  std::cout << (reason ? "prune: " + printable(*reason) : std::string("continue")) << '\n';
}

}  // namespace

void add_intermediate_command(CLI::App& app) {
  auto flags = std::make_shared<IntermediateFlags>();
  auto* command = app.add_subcommand(
      "intermediate",
      "Report a trial's intermediate values at a step; prints 'continue' or 'prune: REASON'");
  add_study_flags(*command, flags->study);
  command->add_option("--trial-number", flags->trial_number, "Number printed by ask")
      ->check(whole_number())
      ->required();
  command->add_option("--step", flags->step, "Step of the learning curve (0: before training)")
      ->check(whole_number())
      ->required();
  command->add_option("--values", flags->values,
                      "Metrics at this step as a JSON object, e.g. '{\"accuracy\": 0.81}'")
      ->required();
  command->add_option("--last-step", flags->last_step,
                      "The schedule's last step, for front-reach's extrapolation")
      ->check(whole_number());
  command->add_option("--pruner", flags->pruner,
                      "front-reach, pareto-halving or none (default: the study file's [pruning] rule)")
      ->check(CLI::IsMember({"front-reach", "pareto-halving", "none"}));
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
