// ecopt copy-study --study-name NAME --storage FROM --to-storage TO
// [--to-study-name NEW]: the safe copy of a study, open or not, between
// any two storages (docs/storage.md).
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/study/manage_study.hpp"

namespace ecopt::cli {

void add_copy_study_command(CLI::App& app) {
  struct Flags {
    StudyFlags study;
    std::string to_storage;
    std::string to_name;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = app.add_subcommand(
      "copy-study", "Copy a study with its trials and logs into another storage (or under another name)");
  add_study_flags(*command, flags->study);
  command->add_option("--to-storage", flags->to_storage, "Storage URL to copy into (created if missing)")
      ->required();
  command->add_option("--to-study-name", flags->to_name, "Name of the copy (default: the same)");
  command->callback([flags] {
    const std::string to_name = flags->to_name.empty() ? flags->study.study_name : flags->to_name;
    const auto copied = copy_study(flags->study.storage, flags->study.study_name, flags->to_storage, to_name);
    std::cout << fmt::format("copied study '{}' ({} trials, {} logs) to '{}' in {}\n",
                             printable(flags->study.study_name), copied.trials, copied.logs,
                             printable(to_name), redact_url(flags->to_storage));
  });
}

}  // namespace ecopt::cli
