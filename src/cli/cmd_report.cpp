// ecopt report: the HTML report, model card and exports of one study.
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/report/report.hpp"

namespace ecopt::cli {

namespace {

struct ReportFlags {
  StudyFlags study;
  std::string out_dir = "report";
  std::optional<std::int64_t> baseline;
  std::optional<std::int64_t> trial;
  std::optional<double> carbon_intensity;
  std::string region = "world";
  double pue = 1.0;
};

void run(const ReportFlags& flags) {
  auto storage = open_storage(flags.study.storage);
  report::ReportOptions options;
  options.study_name = flags.study.study_name;
  options.out_dir = flags.out_dir;
  options.baseline_trial = flags.baseline;
  options.chosen_trial = flags.trial;
  options.carbon = report::resolve_carbon(flags.carbon_intensity, flags.region, flags.pue);
  const report::ReportFiles files = report::write_report(*storage, options);
  std::cout << "wrote " << files.html.string() << '\n';
  if (!files.model_card.empty()) std::cout << "wrote " << files.model_card.string() << '\n';
  std::cout << "wrote " << files.csv.string() << '\n' << "wrote " << files.json.string() << '\n';
  for (const auto& note : files.notes) std::cout << "note: " << note << '\n';
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto flags = std::make_shared<ReportFlags>();
  auto* command = app.add_subcommand(
      "report", "Write report.html, model-card.md, trials.csv and trials.json for a study");
  add_study_flags(*command, flags->study);
  command->add_option("--out", flags->out_dir, "Folder to write into (created if missing)")
      ->capture_default_str();
  command->add_option("--baseline", flags->baseline,
                      "Trial number to compare against (default: the most accurate trial)");
  command->add_option("--trial", flags->trial,
                      "Trial number of the model card (default: least inference energy within "
                      "0.01 of the best accuracy)");
  auto* intensity = command->add_option("--carbon-intensity", flags->carbon_intensity,
                                        "Grid carbon intensity in gCO2e/kWh");
  auto* region = command->add_option("--region", flags->region,
                                     "Region of the grid-intensity table (world, FR, DE, ...)")
                     ->capture_default_str();
  intensity->excludes(region);
  command->add_option("--pue", flags->pue, "Data-centre power usage effectiveness (>= 1)")
      ->capture_default_str();
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
