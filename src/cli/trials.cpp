// ecopt trials: every trial of a study.
#include "commands.hpp"
#include "common.hpp"

namespace ecopt::cli {

namespace {

struct TrialsFlags {
  StudyFlags study;
  Format format = Format::Json;
};

void run(const TrialsFlags& flags) {
  auto opened = open_study(flags.study);
  print_trials(opened.study->trials(), opened.study->spec(), flags.format);
}

}  // namespace

void add_trials_command(CLI::App& app) {
  auto flags = std::make_shared<TrialsFlags>();
  auto* command = app.add_subcommand("trials", "Print every trial of a study");
  add_study_flags(*command, flags->study);
  add_format_flag(*command, flags->format);
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
