// ecopt rename-study --study-name OLD --new-name NEW.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/study/manage_study.hpp"

namespace ecopt::cli {

void add_rename_study_command(CLI::App& app) {
  struct Flags {
    StudyFlags study;
    std::string new_name;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = app.add_subcommand("rename-study", "Give a study (and its trial logs) another name");
  add_study_flags(*command, flags->study);
  command->add_option("--new-name", flags->new_name, "The study's new name")->required();
  command->callback([flags] {
    rename_study(flags->study.storage, flags->study.study_name, flags->new_name);
    std::cout << fmt::format("renamed study '{}' to '{}'\n", printable(flags->study.study_name),
                             printable(flags->new_name));
  });
}

}  // namespace ecopt::cli
