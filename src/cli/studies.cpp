// ecopt studies: the studies in a storage with their trial counts.
#include <iostream>
#include <map>

#include "commands.hpp"
#include "common.hpp"
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

void print(const std::vector<nlohmann::json>& studies, Format format) {
  if (format == Format::Json) {
    std::cout << nlohmann::json(studies).dump(2) << '\n';
    return;
  }
  const std::vector<std::string> header{"name", "directions", "n_trials"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& study : studies) {
    rows.push_back({study["name"].get<std::string>(), study["directions"].get<std::string>(),
                    std::to_string(study["n_trials"].get<std::size_t>())});
  }
  if (format == Format::Table) {
    std::cout << format_table(header, rows);
    return;
  }
  std::cout << "name,directions,n_trials\n";
  for (const auto& row : rows) std::cout << row[0] << ",\"" << row[1] << "\"," << row[2] << '\n';
}

void run(const StudiesFlags& flags) {
  auto storage = open_storage(flags.storage, existing_storage());
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
