// ecopt importance: which parameters move each objective, ranked as the
// report's importance section ranks them (report/analysis.hpp), for a
// terminal or a program, as Optuna users call optuna.importance.
#include <unistd.h>

#include <cmath>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/report/analysis.hpp"
#include "ecopt/study/text_table.hpp"

namespace ecopt::cli {
namespace {

using Ranking = std::vector<std::vector<report::ParamImportance>>;

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

std::string number_text(double value) { return std::isfinite(value) ? fmt::format("{:.3f}", value) : "-"; }

nlohmann::json ranking_json(const StudySpec& spec, const Ranking& ranking) {
  nlohmann::json objectives = nlohmann::json::array();
  for (std::size_t o = 0; o < ranking.size(); ++o) {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& item : ranking[o]) {
      params.push_back({{"param", item.param},
                        {"method", item.method},
                        {"score", number_or_null(item.score)},
                        {"rho", number_or_null(item.rho)},
                        {"rho_95", {number_or_null(item.rho_95.low), number_or_null(item.rho_95.high)}},
                        {"variance_share", number_or_null(item.variance_share)},
                        {"trials_used", item.trials_used}});
    }
    objectives.push_back({{"name", spec.objectives[o].name},
                          {"direction", to_string(spec.objectives[o].direction)},
                          {"parameters", params}});
  }
  return {{"objectives", objectives}};
}

std::string ranking_table(const StudySpec& spec, const Ranking& ranking) {
  std::string out;
  for (std::size_t o = 0; o < ranking.size(); ++o) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : ranking[o]) {
      rows.push_back({item.param, item.method, number_text(item.score), number_text(item.rho),
                      number_text(item.variance_share), std::to_string(item.trials_used)});
    }
    out += fmt::format("{}{} ({}):\n", o ? "\n" : "", spec.objectives[o].name, to_string(spec.objectives[o].direction));
    out += format_table({"param", "method", "score", "rho", "variance share", "trials"}, rows);
  }
  return out +
         "\nscore: |Spearman rho| (numeric) or eta (categorical); variance share: the share of the "
         "objective's variance the parameter explains alone (epsilon squared). docs/report.md, "
         "\"Parameter importance\".\n";
}

}  // namespace

void add_importance_command(CLI::App& app) {
  struct Flags {
    StudyFlags study;
    Format format = ::isatty(STDOUT_FILENO) ? Format::Table : Format::Json;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = app.add_subcommand(
      "importance", "Print how strongly each parameter moves each objective, as the report ranks them");
  add_study_flags(*command, flags->study);
  command
      ->add_option("--format,-f", flags->format, "Output format: table on a terminal, json when piped (the default)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, Format>{{"json", Format::Json}, {"table", Format::Table}},
                                          CLI::ignore_case));
  command->callback([flags] {
    auto opened = open_study(flags->study, StorageAccess::ReadOnly);
    const StudySpec& spec = opened.study->spec();
    const Ranking ranking = report::parameter_importance(spec, opened.study->trials());
    if (flags->format == Format::Json) {
      std::cout << ranking_json(spec, ranking).dump(2) << '\n';
    } else {
      std::cout << ranking_table(spec, ranking);
    }
  });
}

}  // namespace ecopt::cli
