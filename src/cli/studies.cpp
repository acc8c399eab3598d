// ecopt studies: the studies in a storage with their trial counts.
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/escape.hpp"
#include "ecopt/study/text_table.hpp"

namespace ecopt::cli {

namespace {

struct StudiesFlags {
  std::string storage;
  Format format = Format::Json;
};

std::string directions_text(const StudySpec& spec) {
  std::string text;
  for (const auto& objective : spec.objectives) {
    text += (text.empty() ? "" : ",") + std::string(to_string(objective.direction));
  }
  return text;
}

nlohmann::json study_json(const StudyRecord& record, const std::vector<Trial>& trials) {
  std::map<std::string, int> counts;
  for (const auto& trial : trials) ++counts[std::string(to_string(trial.state))];
  nlohmann::json objectives = nlohmann::json::array();
  for (const auto& objective : record.spec.objectives) {
    objectives.push_back({{"name", objective.name}, {"direction", to_string(objective.direction)}});
  }
  return {{"name", record.spec.name},
          {"directions", directions_text(record.spec)},
          {"objectives", objectives},
          {"n_trials", trials.size()},
          {"states", counts}};
}

// "accuracy (maximize), energy_j (minimize)"
std::string objectives_text(const nlohmann::json& study) {
  std::string text;
  for (const auto& objective : study["objectives"]) {
    text += fmt::format("{}{} ({})", text.empty() ? "" : ", ",
                        objective["name"].get<std::string>(),
                        objective["direction"].get<std::string>());
  }
  return text;
}

constexpr const char* kStates[] = {"COMPLETE", "RUNNING", "PRUNED", "FAIL"};

void print(const std::vector<nlohmann::json>& studies, Format format) {
  if (format == Format::Json) {
    std::cout << nlohmann::json(studies).dump(2) << '\n';
    return;
  }
  std::vector<std::string> header{"name", "objectives", "n_trials"};
  for (const char* state : kStates) header.push_back(state);
  std::vector<std::vector<std::string>> rows;
  for (const auto& study : studies) {
    std::vector<std::string> row{study["name"].get<std::string>(), objectives_text(study),
                                 std::to_string(study["n_trials"].get<std::size_t>())};
    for (const char* state : kStates) row.push_back(std::to_string(study["states"].value(state, 0)));
    rows.push_back(std::move(row));
  }
  if (format == Format::Table) {
    std::cout << format_table(header, rows);
    return;
  }
  // CSV: the first columns as before, so that scripts reading them keep
  // working; fields quoted and formulas neutralised as in trials.csv.
  std::cout << csv_row({"name", "directions", "n_trials", "objectives", "complete", "running",
                        "pruned", "fail"});
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::cout << csv_row({rows[i][0], studies[i]["directions"].get<std::string>(), rows[i][2],
                          rows[i][1], rows[i][3], rows[i][4], rows[i][5], rows[i][6]});
  }
}

void run(const StudiesFlags& flags) {
  auto storage = open_storage(flags.storage, {.access = StorageAccess::ReadOnly});
  std::vector<nlohmann::json> studies;
  for (const auto& record : storage->studies()) {
    studies.push_back(study_json(record, storage->trials(record.id)));
  }
  print(studies, flags.format);
}

}  // namespace

void add_studies_command(CLI::App& app) {
  auto flags = std::make_shared<StudiesFlags>();
  auto* command = app.add_subcommand("studies", "List the studies in a storage");
  add_storage_flag(*command, flags->storage);
  add_format_flag(*command, flags->format);
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
