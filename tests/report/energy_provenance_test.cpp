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

struct Marks {
  bool shared = false;
  int windows = 1;
  std::optional<EnergySpread> spread;
  double duration_s = 0.5;
};

// What a command trial whose program reports one "inference" phase of 1,000
// samples records (docs/command-protocol.md), with its records marked.
nlohmann::json command_trial_attrs(const Marks& marks = {}, double accuracy = 0.9) {
  nlohmann::json attrs = {{"accuracy", accuracy},
                          {"inference_j", 2.0},
                          {"inference_samples", 1000},
                          {"inference_j_per_sample", 0.002},
                          {"inference_samples_per_j", 500.0}};
  EnergyRecord inference = testing::window_record("inference", EnergySource::RaplPowercap, 2.5);
  inference.net_j = 2.0;
  inference.idle_subtracted = true;
  inference.duration_s = marks.duration_s;
  inference.unit = "sample";
  inference.units_per_window = 1000;
  inference.j_per_unit = 0.002;
  inference.windows = marks.windows;
  inference.spread = marks.spread;
  inference.shared = marks.shared;
  EnergyRecord trial = testing::window_record("trial", EnergySource::RaplPowercap, 40.0);
  trial.shared = marks.shared;
  write_energy_records(attrs, {inference, trial});
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
  // A trial whose records are CPU-time estimates taken on shared devices.
  std::int64_t add_shared_estimate_trial(double accuracy) {
    nlohmann::json estimate = command_trial_attrs({.shared = true}, accuracy);
    auto records = energy_records(estimate);
    for (auto& record : records) record.sources = {EnergySource::EstimateCpuTime};
    write_energy_records(estimate, records);
    return add_trial(estimate);
  }
  // The report page's header cards.
  std::string cards() {
    ReportOptions options;
    options.study_name = study.spec.name;
    const std::string html =
        render_html_report(study, storage->trials(study.id), storage->describe(), options);
    const auto start = html.find("<div class=\"cards\">");
    return html.substr(start, html.find("</div></div>", start) - start);
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
  expect_contains(text, "| Energy per sample (one window, net of idle) | 2 mJ (record `inference`) |");
  expect_contains(text, "| Spread over windows | none: one window was measured |");
  expect_contains(text, "- Method: one measurement window around the whole workload");
  expect_contains(text, "| Meter resolution | ");
  EXPECT_EQ(text.find("not resolved"), std::string::npos) << text;
  EXPECT_EQ(text.find("median"), std::string::npos) << text;
  EXPECT_EQ(text.find("repeated"), std::string::npos) << text;
}

TEST_F(EnergyProvenance, AnUnresolvedPhaseIsFlagged) {
  // 5 ms on a meter that steps every 1 ms: 5 steps, fewer than 10.
  const std::string text = card(add_trial(command_trial_attrs({.duration_s = 0.005})));
  expect_contains(text, "**not resolved**: the window is shorter than 10 meter steps");
}

TEST_F(EnergyProvenance, RepeatedWindowsGiveTheMedianAndItsSpread) {
  // What the image-classification task records: median, spread, window count.
  const std::string text = card(add_trial(
      command_trial_attrs({.windows = 7, .spread = EnergySpread{0.0018, 0.0024, 0.0001}})));
  expect_contains(text, "| Energy per sample (median over 7 windows, net of idle) | 2 mJ");
  expect_contains(text, "| Spread over windows | MAD 100 µJ, min 1.8 mJ, max 2.4 mJ over 7 windows |");
  expect_contains(text, "- Method: the inference workload is repeated inside measurement windows");
  EXPECT_EQ(text.find("one window"), std::string::npos) << text;
}

TEST_F(EnergyProvenance, TheCardWarnsWhenTheDeviceWasShared) {
  const auto clean = add_trial(command_trial_attrs());
  const auto shared = add_trial(command_trial_attrs({.shared = true}));
  const std::string shared_card = card(shared);
  expect_contains(shared_card, "> **Warning:** the measured devices were shared with parallel "
                               "trials while this trial ran");
  expect_contains(shared_card, "- Energy source: rapl-powercap (as reported by the meter; the "
                               "devices were shared with parallel trials)");
  EXPECT_EQ(card(clean).find("shared"), std::string::npos);
}

TEST_F(EnergyProvenance, TheTrialTableMarksSharedEnergy) {
  add_trial(command_trial_attrs());
  add_trial(command_trial_attrs({.shared = true}, 0.8));
  ReportOptions options;
  options.study_name = study.spec.name;
  // The table's energy source cells, as report.js writes them from the page's data.
  const auto rows = trial_rows(
      render_report_page(study, storage->trials(study.id), storage->describe(), options).data);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at(0)["energy"],
            nlohmann::json({{"source", "rapl-powercap"}, {"estimate", false}, {"shared", false},
                            {"flags", nlohmann::json::array()}}));
  EXPECT_EQ(rows.at(1)["energy"],
            nlohmann::json({{"source", "rapl-powercap"}, {"estimate", false}, {"shared", true},
                            {"flags", nlohmann::json::array()}}));
}

TEST_F(EnergyProvenance, HeadlineCardsCarryTheEstimateAndSharedMarks) {
  add_shared_estimate_trial(0.9);
  expect_contains(cards(), "spent on tuning (gross) · <span class=\"badge estimate\">estimate</span> · "
                         "<span class=\"badge shared\">shared devices</span>");
}

// Issue 23: the chosen trial's per-inference card carries the marks of the
// chosen trial's own records, not those any trial's tuning record sets; the
// tuning and break-even cards, which add up every trial, carry those.
TEST_F(EnergyProvenance, TheChosenTrialsCardCarriesOnlyItsOwnMarks) {
  add_trial(command_trial_attrs({}, 0.9));  // chosen: a clean sensor reading
  add_shared_estimate_trial(0.5);
  const std::string page_cards = cards();
  const auto card_with = [&](const std::string& text) {
    const auto at = page_cards.find(text);
    return page_cards.substr(at, page_cards.find("</div>", at) - at);
  };
  const std::string chosen = card_with("chosen trial 0");
  EXPECT_EQ(chosen.find("estimate"), std::string::npos) << chosen;
  EXPECT_EQ(chosen.find("shared"), std::string::npos) << chosen;
  expect_contains(page_cards, "spent on tuning (gross) · <span class=\"badge estimate\">estimate</span>");
  expect_contains(card_with("inferences to break even"), "badge estimate");
}

}  // namespace
}  // namespace ecopt::report
