// ecopt export --to optuna: a study as an Optuna 3.1 SQLite storage.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/study/optuna_export.hpp"

namespace ecopt::cli {

namespace {

struct ExportFlags {
  StudyFlags study;
  std::string format;
  std::string out;
  std::string out_study_name;
};

void run(const ExportFlags& flags) {
  auto storage = open_storage(flags.study.storage, {.access = StorageAccess::ReadOnly});
  const auto trials =
      export_to_optuna(*storage, flags.study.study_name, flags.out, flags.out_study_name);
  std::cout << fmt::format("{} trials of {} written to {}\n", trials,
                           printable(flags.study.study_name), printable(redact_url(flags.out)));
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto flags = std::make_shared<ExportFlags>();
  auto* command = app.add_subcommand(
      "export", "Write a study into another tool's storage: Optuna's, for optuna.load_study, "
                "optuna.visualization and optuna-dashboard");
  add_study_flags(*command, flags->study);
  command->add_option("--to", flags->format, "The format: optuna (Optuna 3.1's SQLite storage)")
      ->required()
      ->check(CLI::IsMember({"optuna"}));
  command->add_option("--out", flags->out, "Where to write it: sqlite:///optuna.db")->required();
  command->add_option("--out-study-name", flags->out_study_name,
                      "The study's name there (default: the same)");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
