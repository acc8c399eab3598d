// ecopt delete-study --study-name NAME: the study, its trials and logs.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/study/manage_study.hpp"

namespace ecopt::cli {

void add_delete_study_command(CLI::App& app) {
  auto flags = std::make_shared<StudyFlags>();
  auto* command = app.add_subcommand("delete-study", "Delete a study, its trials and their logs");
  add_study_flags(*command, *flags);
  command->callback([flags] {
    delete_study(flags->storage, flags->study_name);
    std::cout << fmt::format("deleted study '{}' from {}\n", printable(flags->study_name),
                             redact_url(flags->storage));
  });
}

}  // namespace ecopt::cli
