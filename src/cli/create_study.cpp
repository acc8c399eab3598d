// ecopt create-study: Optuna's create-study, with objective names added.
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"

namespace ecopt::cli {

namespace {

struct CreateStudyFlags {
  StudyFlags study;
  std::string direction;
  std::vector<std::string> directions;
  std::vector<std::string> objective_names;
  std::vector<std::string> roles;
  std::vector<std::string> units;
  bool skip_if_exists = false;
};

// Optuna names unnamed studies too; ours say where they came from.
std::string generated_study_name() {
  std::random_device device;
  return fmt::format("no-name-{:08x}{:08x}", device(), device());
}

std::vector<std::string> split_commas(const std::vector<std::string>& tokens) {
  std::vector<std::string> parts;
  for (const auto& token : tokens) {
    std::size_t start = 0;
    while (true) {
      const auto comma = token.find(',', start);
      parts.push_back(token.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return parts;
}

// A comma list with one entry per objective, or none.
std::vector<std::string> per_objective(const std::vector<std::string>& tokens, const char* flag,
                                       std::size_t objectives) {
  auto parts = split_commas(tokens);
  if (!parts.empty() && parts.size() != objectives) {
    throw InputError(fmt::format("{} lists {} entries for {} objectives; give one per objective", flag,
                                 parts.size(), objectives));
  }
  return parts;
}

StudySpec spec_from_flags(const CreateStudyFlags& flags) {
  auto directions = split_commas(flags.directions);
  if (!flags.direction.empty()) {
    if (!directions.empty()) throw InputError("give either --direction or --directions, not both");
    directions.push_back(flags.direction);
  }
  if (directions.empty()) directions.emplace_back("minimize");  // Optuna's default
  const auto names = split_commas(flags.objective_names);
  if (!names.empty() && names.size() != directions.size()) {
    throw InputError(fmt::format(
        "--objective-names lists {} names for {} directions; give one name per direction",
        names.size(), directions.size()));
  }
  const auto roles = per_objective(flags.roles, "--roles", directions.size());
  const auto units = per_objective(flags.units, "--units", directions.size());
  StudySpec spec;
  spec.name = flags.study.study_name.empty() ? generated_study_name() : flags.study.study_name;
  for (std::size_t i = 0; i < directions.size(); ++i) {
    Objective objective;
    objective.name = names.empty() ? fmt::format("objective_{}", i) : names[i];
    objective.direction = parse_direction(directions[i]);
    if (!roles.empty()) objective.role = parse_objective_role(roles[i]);
    if (!units.empty() && !units[i].empty()) objective.unit = units[i];
    spec.objectives.push_back(objective);
  }
  return spec;
}

void run(const CreateStudyFlags& flags) {
  const StudySpec spec = spec_from_flags(flags);
  auto storage = open_storage(flags.study.storage);
  const Study study = flags.skip_if_exists ? Study::load_or_create(*storage, spec)
                                           : Study::create(*storage, spec);
  std::cout << printable(study.name()) << '\n';
}

}  // namespace

void add_create_study_command(CLI::App& app) {
  auto flags = std::make_shared<CreateStudyFlags>();
  auto* command = app.add_subcommand("create-study", "Create a study in a storage");
  add_storage_flag(*command, flags->study.storage);
  command->add_option("--study-name,--study", flags->study.study_name,
                      "Name of the study (generated when omitted)");
  command->add_option("--direction", flags->direction, "minimize or maximize (one objective)");
  command->add_option("--directions", flags->directions,
                      "One direction per objective: maximize,minimize or maximize minimize");
  command->add_option("--objective-names", flags->objective_names,
                      "Objective names, one per direction (default objective_0, objective_1, ...)");
  command->add_option("--roles", flags->roles,
                      "One role per objective: quality, energy, cost or other (default: inferred from "
                      "the names, docs/report.md)");
  command->add_option("--units", flags->units, "One unit per objective, e.g. fraction,J/sample");
  command->add_flag("--skip-if-exists", flags->skip_if_exists,
                    "Reuse the study if it exists with the same objectives");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
