// Proxies, hypervolume, importance, default choices and net impact on the
// known study (tests/report/known_study.hpp), against hand-computed values.
#include <cmath>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/carbon.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/report/analysis.hpp"
#include "ecopt/report/metrics.hpp"
#include "known_study.hpp"

namespace ecopt::report {
namespace {

class KnownStudy : public ::testing::Test {
 protected:
  void SetUp() override {
    storage = open_storage("memory");
    study = testing::make_known_study(*storage);
    trials = storage->trials(study.id);
  }
  std::unique_ptr<Storage> storage;
  StudyRecord study;
  std::vector<Trial> trials;
  const CarbonSettings carbon{400.0, 1.5, "test"};
};

TEST_F(KnownStudy, ReadsInferenceEnergyFromTheInferenceRecord) {
  const auto energy = inference_energy(trials[1]);
  ASSERT_TRUE(energy);
  EXPECT_DOUBLE_EQ(energy->j_per_unit, 1.0 / 64);
  EXPECT_EQ(energy->record.name, "inference");
  EXPECT_EQ(energy->unit, "sample");
  EXPECT_FALSE(inference_energy(trials[4]));  // the failed trial measured nothing
}

TEST(InferenceEnergy, TextGenerationUsesThePerGeneratedTokenRecord) {
  Trial generation;
  EnergyRecord decode = testing::inference_record(EnergySource::RaplPowercap, 0.5);
  decode.name = "decode";
  decode.unit = "token";
  EnergyRecord total = decode;
  total.name = "generation";
  total.j_per_unit = 0.7;
  write_energy_records(generation.user_attrs, {decode, total});
  const auto per_token = inference_energy(generation);
  ASSERT_TRUE(per_token);
  EXPECT_EQ(per_token->record.name, "generation");
  EXPECT_DOUBLE_EQ(per_token->j_per_unit, 0.7);
  EXPECT_EQ(per_token->unit, "token");
}

TEST(InferenceEnergy, ATrainingPhaseOrAnEfficiencyKeyIsNotAnInference) {
  // A command trial with a "training" phase only, and keys that look like
  // energies: no record named inference or generation, no inference energy.
  Trial training_only;
  training_only.user_attrs = {{"training_j_per_sample", 0.5}, {"inference_samples_per_j", 2.0},
                              {"generation_tokens_per_j", 4.0}};
  EnergyRecord training = testing::inference_record(EnergySource::RaplPowercap, 0.5);
  training.name = "training";
  write_energy_records(training_only.user_attrs, {training});
  EXPECT_FALSE(inference_energy(training_only));
}

TEST_F(KnownStudy, TuningEnergyIsTheTrialRecord) {
  EXPECT_EQ(trial_tuning_energy_j(trials[0]), 100.0);
  const TuningEnergy first = tuning_energy(std::span(trials).first(1));
  EXPECT_EQ(first.measured, 1u);
  EXPECT_TRUE(first.estimate);
  EXPECT_TRUE(energy_is_estimate(trials[0]));
  EXPECT_FALSE(energy_is_estimate(trials[1]));
  Trial told_from_outside;
  told_from_outside.user_attrs = {{"training_j", 9.0}, {"command_j", 11.0}};
  EXPECT_FALSE(trial_tuning_energy_j(told_from_outside));
  const TuningEnergy with_it = tuning_energy(std::vector<Trial>{trials[0], told_from_outside});
  EXPECT_EQ(with_it.unmeasured, 1u);
  EXPECT_THAT(with_it.labelled_source(), ::testing::HasSubstr("lower bound: 1 trial unmeasured"));
}

TEST_F(KnownStudy, DefaultChoicesFollowTheDocumentedRules) {
  EXPECT_EQ(study.spec.quality_objective(), 0u);
  EXPECT_EQ(best_quality_trial(study.spec, trials), 1);
  const auto chosen = default_chosen_trial(study.spec, trials);
  ASSERT_TRUE(chosen);
  // Trials 1 (0.90) and 2 (0.895) are within 0.01 of the best; 2 uses less.
  EXPECT_EQ(chosen->number, 2);
  // Scaled to [0, 1] with the ideal point at the origin: trial 0 at
  // (0.5, 0), squared distance 0.25; trial 2 at (0.025, 0.667), 0.445;
  // trial 1 at (0, 1), 1.
  EXPECT_EQ(knee_trial(study.spec, trials), 0);
}

TEST(DefaultChoices, TheQualityObjectiveIsTheNonEnergyOneWhateverItsDirection) {
  StudySpec text;
  text.name = "text";
  text.objectives = {{"generation_tokens_per_j", Direction::Maximize, std::nullopt},
                     {"heldout_loss", Direction::Minimize, std::nullopt}};
  EXPECT_EQ(text.quality_objective(), 1u);
  std::vector<Trial> trials;
  for (const auto& [loss, j] : std::vector<std::pair<double, double>>{{2.0, 0.001}, {1.5, 0.004}, {1.505, 0.002}}) {
    Trial trial;
    trial.number = static_cast<std::int64_t>(trials.size());
    trial.state = TrialState::Complete;
    trial.values = {1.0 / j, loss};
    EnergyRecord record = testing::inference_record(EnergySource::RaplPowercap, j);
    record.name = "generation";
    record.unit = "token";
    write_energy_records(trial.user_attrs, {record});
    trials.push_back(trial);
  }
  // The baseline is the lowest loss, the chosen the cheapest within 0.01 of it.
  EXPECT_EQ(best_quality_trial(text, trials), 1);
  EXPECT_EQ(default_chosen_trial(text, trials)->number, 2);
  StudySpec energy_only;
  energy_only.objectives = {{"energy_j", Direction::Minimize, std::nullopt},
                            {"inference_samples_per_j", Direction::Maximize, std::nullopt}};
  EXPECT_FALSE(energy_only.quality_objective());
}

TEST_F(KnownStudy, NetImpactAndBreakEven) {
  const NetImpact impact = net_impact(trials, 2, 1, carbon);
  EXPECT_DOUBLE_EQ(impact.chosen_j_per_inference, 1.0 / 128);
  EXPECT_DOUBLE_EQ(impact.baseline_j_per_inference, 1.0 / 64);
  EXPECT_DOUBLE_EQ(impact.saved_j_per_inference, 1.0 / 128);
  EXPECT_DOUBLE_EQ(impact.tuning_j, 640.0);  // 100 + 300 + 150 + 60 + 30 (failed)
  EXPECT_EQ(impact.basis, "gross (idle included)");  // the trial records have no net figure
  EXPECT_TRUE(impact.tuning.estimate);  // trial 0's
  EXPECT_FALSE(impact.tuning.shared);
  EXPECT_EQ(impact.tuning.measured, 5u);
  EXPECT_EQ(impact.tuning.unmeasured, 0u);
  ASSERT_TRUE(impact.break_even_inferences);
  EXPECT_DOUBLE_EQ(*impact.break_even_inferences, 81920.0);  // 640 J / (1/128 J)
  // 640 J = 1/5625 kWh; × 1.5 × 400 g/kWh.
  EXPECT_NEAR(impact.tuning_g_co2e, 640.0 / 3.6e6 * 600.0, 1e-15);
  EXPECT_NEAR(impact.tuning_g_co2e, 0.1066666666, 1e-9);
  EXPECT_NEAR(impact.chosen_g_co2e_per_1000, 0.00130208333, 1e-11);
  EXPECT_NEAR(impact.baseline_g_co2e_per_1000, 0.00260416667, 1e-11);
}

TEST(NetImpactBasis, BothSidesAreNetOnlyWhenEveryFigureHadIdleSubtracted) {
  std::vector<Trial> trials(2);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const double gross_per_sample = i == 0 ? 0.3 : 0.5;  // net: 0.1 and 0.3
    EnergyRecord inference = testing::inference_record(EnergySource::RaplPowercap, gross_per_sample - 0.2);
    inference.gross_j = 100 * gross_per_sample;
    EnergyRecord trial = testing::window_record("trial", EnergySource::RaplPowercap, 50.0);
    trial.net_j = 20.0;
    trial.idle_subtracted = true;
    trials[i].number = static_cast<std::int64_t>(i);
    write_energy_records(trials[i].user_attrs, {inference, trial});
  }
  const CarbonSettings carbon{400.0, 1.0, "test"};
  NetImpact impact = net_impact(trials, 0, 1, carbon);
  EXPECT_EQ(impact.basis, "net of idle");
  EXPECT_DOUBLE_EQ(impact.tuning_j, 40.0);
  EXPECT_NEAR(impact.saved_j_per_inference, 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(*impact.break_even_inferences, 200.0);
  // One trial without a net figure: everything goes gross, tuning and savings alike.
  auto gross_only = find_energy_record(trials[1].user_attrs, "trial");
  gross_only->net_j.reset();
  gross_only->idle_subtracted = false;
  write_energy_records(trials[1].user_attrs, {*gross_only});
  impact = net_impact(trials, 0, 1, carbon);
  EXPECT_EQ(impact.basis, "gross (idle included)");
  EXPECT_DOUBLE_EQ(impact.tuning_j, 100.0);
  EXPECT_NEAR(impact.saved_j_per_inference, 0.2, 1e-12);  // 0.5 - 0.3 gross
  EXPECT_DOUBLE_EQ(*impact.break_even_inferences, 500.0);
}

TEST_F(KnownStudy, NoBreakEvenWhenTheChosenModelSavesNothing) {
  const NetImpact impact = net_impact(trials, 1, 2, carbon);
  EXPECT_LT(impact.saved_j_per_inference, 0.0);
  EXPECT_FALSE(impact.break_even_inferences);
  EXPECT_THROW(net_impact(trials, 4, 1, carbon), InputError);
  EXPECT_THROW(net_impact(trials, 99, 1, carbon), NotFoundError);
}

TEST_F(KnownStudy, ProxyCorrelationsMatchHandComputedRanks) {
  const ProxyCorrelation params = proxy_correlation(trials, "params");
  ASSERT_EQ(params.proxy.size(), 4u);  // the failed trial has no energy
  // Ranks (params, energy): 0 (2,1), 1 (3,4), 2 (4,3), 3 (1,2): Σd² = 4,
  // ρ = 1 − 6·4 / (4·15) = 0.6.
  EXPECT_NEAR(params.spearman, 0.6, 1e-12);
  EXPECT_NEAR(params.pearson, 0.1743844885736452, 1e-12);
  ASSERT_TRUE(params.worst_pair);
  EXPECT_EQ(params.worst_pair->more_proxy_trial, 2);  // 4× the parameters of 1,
  EXPECT_EQ(params.worst_pair->less_proxy_trial, 1);  // half its energy
  EXPECT_DOUBLE_EQ(params.worst_pair->proxy_ratio, 4.0);
  EXPECT_DOUBLE_EQ(params.worst_pair->energy_ratio, 0.5);
  const std::string sentence = explain_proxy(params);
  EXPECT_NE(sentence.find("Trial 2 has 4× the parameter count of trial 1 yet uses 0.5× its energy"),
            std::string::npos)
      << sentence;

  const ProxyCorrelation flops = proxy_correlation(trials, "flops_per_sample");
  // Ranks: 0 (2,1), 1 (4,4), 2 (3,3), 3 (1,2): Σd² = 2, ρ = 0.8.
  EXPECT_NEAR(flops.spearman, 0.8, 1e-12);
  EXPECT_NEAR(flops.pearson, 0.9759566098065985, 1e-12);
}

// The sweep that finds the most misleading pair against every pair tried,
// on values drawn from a few levels so that proxies and energies tie often.
TEST(ProxyCorrelation, TheMostMisleadingPairIsTheOneEveryPairWouldGive) {
  std::mt19937 random(3);
  for (int round = 0; round < 20; ++round) {
    std::vector<Trial> trials;
    for (int i = 0; i < 60; ++i) {
      Trial trial;
      trial.number = i;
      trial.state = TrialState::Complete;
      trial.user_attrs = {{"params", 1000.0 * (1 + random() % 8)}};
      write_energy_records(trial.user_attrs,
                           {testing::inference_record(EnergySource::RaplPowercap, 0.001 * (1 + random() % 6))});
      trials.push_back(trial);
    }
    const ProxyCorrelation proxy = proxy_correlation(trials, "params");
    double worst = 1.0;
    for (std::size_t i = 0; i < proxy.proxy.size(); ++i) {
      for (std::size_t j = 0; j < proxy.proxy.size(); ++j) {
        if (proxy.proxy[i] <= proxy.proxy[j] || proxy.energy_j[i] > proxy.energy_j[j]) continue;
        worst = std::max(worst, (proxy.proxy[i] / proxy.proxy[j]) / (proxy.energy_j[i] / proxy.energy_j[j]));
      }
    }
    if (worst == 1.0) {
      EXPECT_FALSE(proxy.worst_pair);
      continue;
    }
    ASSERT_TRUE(proxy.worst_pair);
    const auto& pair = *proxy.worst_pair;
    EXPECT_NEAR(pair.proxy_ratio / pair.energy_ratio, worst, 1e-9 * worst);
    const auto& more = trials[static_cast<std::size_t>(pair.more_proxy_trial)];
    const auto& less = trials[static_cast<std::size_t>(pair.less_proxy_trial)];
    EXPECT_GT(*more.metric("params"), *less.metric("params"));
    EXPECT_LE(inference_energy(more)->j_per_unit, inference_energy(less)->j_per_unit);
  }
}

TEST_F(KnownStudy, ProxyWithTooFewTrialsSaysSo) {
  const ProxyCorrelation none = proxy_correlation(trials, "no_such_metric");
  EXPECT_TRUE(std::isnan(none.spearman));
  EXPECT_NE(explain_proxy(none).find("Too few trials (0)"), std::string::npos);
}

TEST_F(KnownStudy, HypervolumeHistoryByHand) {
  const HypervolumeHistory history = hypervolume_history(trials, study.spec);
  // Reference: worst value minus 10% of the range: accuracy 0.70 − 0.02,
  // samples per joule 64 − 19.2.
  const auto reference = history.reference.values(study.spec);
  ASSERT_EQ(reference.size(), 2u);
  EXPECT_NEAR(reference[0], 0.68, 1e-12);
  EXPECT_NEAR(reference[1], 44.8, 1e-12);
  EXPECT_EQ(history.reference.from_threshold, (std::vector<bool>{false, false}));
  ASSERT_EQ(history.hypervolume.size(), 4u);
  EXPECT_NEAR(history.hypervolume[0], 0.12 * 211.2, 1e-9);                // trial 0
  EXPECT_NEAR(history.hypervolume[1], 25.344 + 0.1 * 19.2, 1e-9);         // + trial 1
  EXPECT_NEAR(history.hypervolume[2], 25.344 + 0.095 * 83.2 + 0.005 * 19.2, 1e-9);  // + 2
  EXPECT_NEAR(history.hypervolume[3], history.hypervolume[2], 1e-12);    // 3 is dominated
  EXPECT_DOUBLE_EQ(front_of(trials, study.spec).hypervolume(), history.hypervolume.back());
}

TEST_F(KnownStudy, ParetoFrontLeavesOutDominatedAndFailedTrials) {
  EXPECT_EQ(front_of(trials, study.spec).member_numbers(), (std::vector<std::int64_t>{0, 1, 2}));
}

TEST_F(KnownStudy, ImportanceUsesSpearmanForNumbersAndEtaForCategories) {
  const auto importance = parameter_importance(study.spec, trials);
  ASSERT_EQ(importance.size(), 2u);
  const auto find = [&](std::size_t objective, const std::string& name) {
    for (const auto& item : importance[objective]) {
      if (item.param == name) return item;
    }
    ADD_FAILURE() << name;
    return ParamImportance{};
  };
  // width ranks 2,3,4,1 against accuracy ranks 2,4,3,1: Σd² = 2, ρ = 0.8.
  EXPECT_EQ(find(0, "width").method, "spearman");
  EXPECT_NEAR(find(0, "width").score, 0.8, 1e-12);
  EXPECT_NEAR(find(0, "width").rho, 0.8, 1e-12);
  // n = 4: Fisher's z gives almost the whole range.
  EXPECT_NEAR(find(0, "width").rho_95.low, -0.7255633, 1e-6);
  EXPECT_NEAR(find(0, "width").rho_95.high, 0.9960807, 1e-6);
  // width ranks 2,3,4,1 against samples/J ranks 4,1,2,3: Σd² = 16, ρ = -0.6.
  EXPECT_NEAR(find(1, "width").rho, -0.6, 1e-12);
  EXPECT_NEAR(find(1, "width").score, 0.6, 1e-12);
  // optimizer: adam {0.80, 0.895}, sgd {0.90, 0.70}; between-group sum of
  // squares 0.00225625 of 0.02676875 in total, η = sqrt(0.0842872...).
  EXPECT_EQ(find(0, "optimizer").method, "eta");
  EXPECT_NEAR(find(0, "optimizer").score, 0.29032174379375875, 1e-12);
  EXPECT_TRUE(std::isnan(find(0, "optimizer").rho)) << "η has no sign";
  EXPECT_EQ(importance[0].front().param, "width");  // sorted, largest first
}

// Issue 30: a variance-based importance beside the rank correlation. A
// learning rate with an optimum in the middle (accuracy rises, then falls)
// has ρ near 0 yet explains most of the variance; a parameter that does
// nothing explains none of it, beyond what chance gives its bins.
TEST(Importance, VarianceShareSeesAnEffectThatRisesAndFalls) {
  StudySpec spec;
  spec.name = "u";
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt}};
  std::mt19937 random(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Trial> trials;
  for (int i = 0; i < 60; ++i) {
    const double lr = unit(random);
    Trial trial;
    trial.number = i;
    trial.state = TrialState::Complete;
    trial.params = {{"lr", lr}, {"seed_noise", unit(random)}};
    trial.values = {0.9 - 2.0 * (lr - 0.5) * (lr - 0.5) + 0.005 * unit(random)};
    trials.push_back(trial);
  }
  const auto importance = parameter_importance(spec, trials)[0];
  const auto find = [&](const std::string& name) {
    return *std::find_if(importance.begin(), importance.end(), [&](const auto& item) { return item.param == name; });
  };
  EXPECT_LT(std::abs(find("lr").rho), 0.3) << "a rise-and-fall has no monotone trend";
  EXPECT_GT(find("lr").variance_share, 0.8);
  EXPECT_LT(find("seed_noise").variance_share, 0.1);
}

TEST(CarbonSettings, ResolvesARegionThroughTheEnergyTable) {
  const CarbonSettings france = resolve_carbon({std::nullopt, "FR", 1.2}, {});
  EXPECT_GT(france.intensity_g_per_kwh, 0.0);
  EXPECT_DOUBLE_EQ(france.pue, 1.2);
  EXPECT_NE(france.intensity_source.find("FR"), std::string::npos);
  EXPECT_EQ(france.pue_source, "from --pue");
  EXPECT_DOUBLE_EQ(resolve_carbon({123.0, std::nullopt, std::nullopt}, {}).intensity_g_per_kwh, 123.0);
  EXPECT_THROW(resolve_carbon({std::nullopt, "atlantis", std::nullopt}, {}), InputError);
  EXPECT_THROW(resolve_carbon({100.0, std::nullopt, 0.5}, {}), InputError);
}

nlohmann::json stored_energy(const nlohmann::json& energy) {
  return {{"study_file", {{"study", {{"name", "s"}}}, {"energy", energy}}}};
}

TEST(CarbonSettings, DefaultsToTheStoredStudyFile) {
  const auto stored = stored_energy({{"carbon_region", "FR"}, {"pue", 1.25}});
  const CarbonSettings settings = resolve_carbon({}, stored);
  EXPECT_DOUBLE_EQ(settings.intensity_g_per_kwh, grid_intensity("FR").g_per_kwh);
  EXPECT_DOUBLE_EQ(settings.pue, 1.25);
  EXPECT_NE(settings.intensity_source.find("FR"), std::string::npos);
  EXPECT_NE(settings.intensity_source.find("from the study file's [energy]"), std::string::npos);
  EXPECT_EQ(settings.pue_source, "from the study file's [energy]");
  // A stored intensity beats the stored region, as in the study file.
  const auto with_value = stored_energy({{"carbon_region", "FR"}, {"intensity_g_per_kwh", 250}});
  EXPECT_DOUBLE_EQ(resolve_carbon({}, with_value).intensity_g_per_kwh, 250.0);
}

TEST(CarbonSettings, FlagsOverrideTheStudyFile) {
  const auto stored = stored_energy({{"intensity_g_per_kwh", 250}, {"pue", 1.25}});
  const CarbonSettings by_region = resolve_carbon({std::nullopt, "DE", std::nullopt}, stored);
  EXPECT_DOUBLE_EQ(by_region.intensity_g_per_kwh, grid_intensity("DE").g_per_kwh);
  EXPECT_NE(by_region.intensity_source.find("from --region"), std::string::npos);
  EXPECT_DOUBLE_EQ(by_region.pue, 1.25);  // not on the command line: still the file's
  const CarbonSettings by_value = resolve_carbon({400.0, std::nullopt, 1.0}, stored);
  EXPECT_DOUBLE_EQ(by_value.intensity_g_per_kwh, 400.0);
  EXPECT_EQ(by_value.intensity_source, "user value, from --carbon-intensity");
  EXPECT_DOUBLE_EQ(by_value.pue, 1.0);
  EXPECT_EQ(by_value.pue_source, "from --pue");
}

TEST(CarbonSettings, WithoutAStoredFileSaysItUsedTheDefaults) {
  const CarbonSettings settings = resolve_carbon({}, nlohmann::json::object());
  EXPECT_DOUBLE_EQ(settings.intensity_g_per_kwh, grid_intensity("world").g_per_kwh);
  EXPECT_DOUBLE_EQ(settings.pue, 1.0);
  EXPECT_NE(settings.intensity_source.find("default"), std::string::npos);
  EXPECT_NE(settings.pue_source.find("default"), std::string::npos);
}

}  // namespace
}  // namespace ecopt::report
