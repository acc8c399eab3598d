// The model card of the known study's trials, with hand-computed figures.
#include <gtest/gtest.h>

#include "ecopt/report/analysis.hpp"
#include "ecopt/report/model_card.hpp"
#include "known_study.hpp"

namespace ecopt::report {
namespace {

class ModelCard : public ::testing::Test {
 protected:
  void SetUp() override {
    storage = open_storage("memory");
    study = testing::make_known_study(*storage);
    trials = storage->trials(study.id);
  }
  std::string card(std::int64_t number, std::optional<NetImpact> impact = std::nullopt) {
    return render_model_card({study.spec, trials, number, "named with --trial", carbon, impact});
  }
  std::unique_ptr<Storage> storage;
  StudyRecord study;
  std::vector<Trial> trials;
  const CarbonSettings carbon{400.0, 1.5, "user value, from --carbon-intensity", "from --pue"};
};

void expect_contains(const std::string& text, const std::string& needle) {
  EXPECT_NE(text.find(needle), std::string::npos) << "missing: " << needle << "\nin:\n" << text;
}

TEST_F(ModelCard, HasTheFiguresARegulatorAsksFor) {
  const std::string text = card(2, net_impact(trials, 2, 1, carbon));
  expect_contains(text, "# Model card: trial 2 of study \"known\"");
  // 1/128 J = 7.8125 mJ per sample; 7.8125 J per 1,000 (4 significant digits).
  expect_contains(text, "| Energy per sample (median over 5 windows, net of idle) | 7.812 mJ (record `inference`) |");
  expect_contains(text, "| Energy per 1,000 samples | 7.812 J |");
  // 1e6 × 1/128 J = 7812.5 J = 0.00217 kWh.
  expect_contains(text, "| Energy per 1,000,000 samples | 0.00217 kWh |");
  // 7.8125 J / 3.6e6 × 1.5 × 400 g/kWh = 1.30 mg.
  expect_contains(text, "| Carbon per 1,000 samples | 1.302 mg CO2e |");
  // MAD = j/40, min = 0.96 j, max = 1.04 j.
  expect_contains(text, "| Spread over windows | MAD 195.3 µJ, min 7.5 mJ, max 8.125 mJ over 5 windows |");
  expect_contains(text, "| Inference batch size | 64 |");
  expect_contains(text, "| Training energy | 150 J (gross) |");
  expect_contains(text, "- Hardware (measured devices): cpu:0");
  expect_contains(text, "- Energy source: rapl-powercap (as reported by the meter)");
  expect_contains(text, "- Idle handling: net of idle");
  expect_contains(text, "intensity 400 gCO2e/kWh (user value, from --carbon-intensity) and PUE 1.5 (from --pue).");
  expect_contains(text, "Every figure below is gross (idle included). Some of it is an **estimate**");
  expect_contains(text, "| Tuning energy (all trials, training and measuring) | 640 J (106.7 mg CO2e) |");
  expect_contains(text, "| Break-even | after 81,920 samples |");
  expect_contains(text, "| Parameter optimizer | adam |");
  EXPECT_EQ(text.find("Warning"), std::string::npos);
}

TEST_F(ModelCard, WarnsWhenFiguresAreEstimates) {
  const std::string text = card(0);
  expect_contains(text, "> **Warning:** these energy figures are estimates (energy source: estimate-cpu-time)");
  expect_contains(text, "(an estimate, not a sensor)");
  EXPECT_EQ(text.find("Net impact"), std::string::npos);  // no impact given
}

TEST_F(ModelCard, SaysWhatIsNotRecorded) {
  const std::string text = card(4);  // the failed trial measured nothing
  expect_contains(text, "| Energy per inference | not recorded |");
  expect_contains(text, "- Method: not recorded: this trial records no inference energy.");
  // Its whole-trial window is what labels it.
  expect_contains(text, "- Energy source: rapl-powercap (as reported by the meter)");
}

}  // namespace
}  // namespace ecopt::report
