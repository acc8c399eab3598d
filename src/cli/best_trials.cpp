// ecopt best-trials: the Pareto-optimal feasible trials.
#include "commands.hpp"
#include "common.hpp"

namespace ecopt::cli {

namespace {

struct BestTrialsFlags {
  StudyFlags study;
  Format format = Format::Json;
};

void run(const BestTrialsFlags& flags) {
  auto opened = open_study(flags.study);
  print_trials(opened.study->best_trials(), opened.study->spec(), flags.format);
}

}  // namespace

void add_best_trials_command(CLI::App& app) {
  auto flags = std::make_shared<BestTrialsFlags>();
  auto* command = app.add_subcommand(
      "best-trials", "Print the Pareto-optimal COMPLETE trials that satisfy the constraints");
  add_study_flags(*command, flags->study);
  add_format_flag(*command, flags->format);
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
