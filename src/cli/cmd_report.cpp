// ecopt report: the HTML report, model card and exports of one study.
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/report/report.hpp"
#include "ecopt/study/trial_log.hpp"

namespace ecopt::cli {

namespace {

struct ReportFlags {
  StudyFlags study;
  std::string out_dir = "report";
  std::optional<std::int64_t> baseline;
  std::optional<std::int64_t> trial;
  report::CarbonFlags carbon;  // unset: the study file's [energy], else world and PUE 1
  bool noisy = false;
};

void run(const ReportFlags& flags) {
  auto storage = open_storage(flags.study.storage, {.access = StorageAccess::ReadOnly});
  report::ReportOptions options;
  options.study_name = flags.study.study_name;
  options.out_dir = flags.out_dir;
  options.baseline_trial = flags.baseline;
  options.chosen_trial = flags.trial;
  options.carbon = flags.carbon;
  options.noisy = flags.noisy;
  options.trial_log_dir = trial_log_dir(flags.study.storage, flags.study.study_name);
  const report::ReportFiles files = report::write_report(*storage, options);
  std::cout << "wrote " << files.html.string() << '\n';
  if (!files.model_card.empty()) std::cout << "wrote " << files.model_card.string() << '\n';
  std::cout << "wrote " << files.csv.string() << '\n' << "wrote " << files.json.string() << '\n';
  std::cout << fmt::format("carbon: {:g} gCO2e/kWh ({}), PUE {:g} ({})\n",
                           files.carbon.intensity_g_per_kwh, files.carbon.intensity_source,
                           files.carbon.pue, files.carbon.pue_source);
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
  auto* intensity =
      command->add_option("--carbon-intensity", flags->carbon.g_per_kwh,
                          "Grid carbon intensity in gCO2e/kWh (default: the study file's [energy])");
  auto* region = command->add_option(
      "--region", flags->carbon.region,
      "Region of the grid-intensity table: world, FR, DE, ... (default: the study file's "
      "carbon_region, else world)");
  intensity->excludes(region);
  command->add_option("--pue", flags->carbon.pue,
                      "Data-centre power usage effectiveness, >= 1 (default: the study file's "
                      "pue, else 1)");
  command->add_flag("--noisy", flags->noisy,
                    "Objectives are noisy: also show the front judged by the posterior means of one GP "
                    "per objective (shown anyway when the study file says noisy = true)");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
