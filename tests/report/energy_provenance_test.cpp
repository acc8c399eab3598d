// The report says how each energy figure was measured: repeated windows or
// one window (a command trial's phase), and a device shared with parallel
// trials.
#include <gtest/gtest.h>

#include "ecopt/report/model_card.hpp"
#include "ecopt/report/report.hpp"
#include "known_study.hpp"

namespace ecopt::report {
namespace {

void expect_contains(const std::string& text, const std::string& needle) {
  EXPECT_NE(text.find(needle), std::string::npos) << "missing: " << needle << "\nin:\n" << text;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// What a command trial whose program reports one "inference" phase of 1,000
// samples records (docs/command-protocol.md), with `extra` merged in.
nlohmann::json command_trial_attrs(const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json attrs = {{"accuracy", 0.9},
                          {"inference_j", 2.0},
                          {"inference_gross_j", 2.5},
                          {"inference_s", 0.5},
                          {"inference_samples", 1000},
                          {"inference_j_per_sample", 0.002},
                          {"inference_samples_per_j", 500.0},
                          {"inference_energy_source", "rapl-powercap"},
                          {"energy_source", "rapl-powercap"},
                          {"energy_device", "cpu:0"},
                          {"idle_subtracted", true},
                          {"tuning_energy_j", 40.0}};
  attrs.update(extra);
  return attrs;
}

class EnergyProvenance : public ::testing::Test {
 protected:
  void SetUp() override {
    storage = open_storage("memory");
    study = storage->create_study(testing::known_spec("provenance"), nlohmann::json::object());
  }
  // Adds a complete trial with these attributes; returns its number.
  std::int64_t add_trial(const nlohmann::json& attrs) {
    const Trial trial = storage->create_trial(study.id, nlohmann::json::object());
    storage->set_trial_params(trial.id, {{"width", std::int64_t{8}}});
    TrialResult result;
    result.values = {attrs.at("accuracy").get<double>(), 500.0};
    result.user_attrs = attrs;
    storage->finish_trial(trial.id, result);
    return trial.number;
  }
  std::string card(std::int64_t number) {
    trials = storage->trials(study.id);
    return render_model_card({study.spec, trials, number, "named with --trial", carbon, {}});
  }
  std::unique_ptr<Storage> storage;
  StudyRecord study;
  std::vector<Trial> trials;
  const CarbonSettings carbon{400.0, 1.5, "user value, from --carbon-intensity", "from --pue"};
};

TEST_F(EnergyProvenance, ACommandPhaseIsOneWindowWithoutSpread) {
  const std::string text = card(add_trial(command_trial_attrs()));
  expect_contains(text, "| Energy per sample (one window) | 2 mJ (0.002 J, from `inference_j_per_sample`) |");
  expect_contains(text, "| Spread over windows | none: one window was measured (no "
                        "`inference_j_per_sample_mad`, `_min`, `_max`) |");
  expect_contains(text, "- Method: one measurement window around the whole workload");
  EXPECT_EQ(text.find("median"), std::string::npos) << text;
  EXPECT_EQ(text.find("repeated"), std::string::npos) << text;
}

TEST_F(EnergyProvenance, RepeatedWindowsGiveTheMedianAndItsSpread) {
  // What the image-classification task records: median, spread, window count.
  const std::string text = card(add_trial(command_trial_attrs({{"inference_j_per_sample_mad", 0.0001},
                                                               {"inference_j_per_sample_min", 0.0018},
                                                               {"inference_j_per_sample_max", 0.0024},
                                                               {"inference_windows", 7}})));
  expect_contains(text, "| Energy per sample (median over 7 windows) | 2 mJ");
  expect_contains(text, "| Spread over windows | MAD 100 µJ, min 1.8 mJ, max 2.4 mJ over 7 windows |");
  expect_contains(text, "- Method: the inference workload is repeated inside measurement windows");
  EXPECT_EQ(text.find("one window"), std::string::npos) << text;
}

TEST_F(EnergyProvenance, TheCardWarnsWhenTheDeviceWasShared) {
  const auto clean = add_trial(command_trial_attrs({{"energy_shared", false}}));
  // Marked in its source too, as the runner does: the card says it once.
  const auto shared = add_trial(command_trial_attrs(
      {{"energy_shared", true}, {"energy_source", "rapl-powercap (shared)"}}));
  const std::string shared_card = card(shared);
  expect_contains(shared_card, "> **Warning:** the measured device was shared with parallel trials "
                               "while this trial ran (energy_shared)");
  expect_contains(shared_card, "- Energy source: rapl-powercap (as reported by the meter; the "
                               "device was shared with parallel trials)");
  EXPECT_EQ(card(clean).find("shared"), std::string::npos);
}

TEST_F(EnergyProvenance, TheTrialTableMarksSharedEnergy) {
  add_trial(command_trial_attrs({{"energy_shared", false}}));
  // Marked in its source too, as the runner does: the badge replaces the mark.
  add_trial(command_trial_attrs(
      {{"energy_shared", true}, {"accuracy", 0.8}, {"energy_source", "rapl-powercap (shared)"}}));
  ReportOptions options;
  options.study_name = study.spec.name;
  const std::string html =
      render_html_report(study, storage->trials(study.id), storage->describe(), options);
  EXPECT_EQ(count(html, "<td>rapl-powercap <span class=\"badge shared\""), 1u);
  EXPECT_EQ(count(html, "<td>rapl-powercap</td>"), 1u);
}

}  // namespace
}  // namespace ecopt::report
