// CSV quoting (read back with an RFC 4180 reader), JSON export and the
// terminal table.
#include <gtest/gtest.h>

#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/report/export.hpp"
#include "csv_reader.hpp"
#include "known_study.hpp"

namespace ecopt::report {
namespace {

using ecopt::testing::read_csv;

TEST(TrialsCsv, RoundTripsAwkwardValues) {
  auto storage = open_storage("memory");
  const std::string awkward = "a,b \"c\"\r\nd";
  const StudyRecord study = testing::make_known_study(*storage, "csv", awkward);
  const auto trials = storage->trials(study.id);
  const auto rows = read_csv(trials_to_csv(study.spec, trials));
  ASSERT_EQ(rows.size(), 6u);  // header + 5 trials
  const auto& header = rows[0];
  const auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return static_cast<std::size_t>(it - header.begin());
  };
  for (const auto& row : rows) ASSERT_EQ(row.size(), header.size());
  EXPECT_EQ(rows[1][column("params_optimizer")], awkward);
  EXPECT_EQ(rows[2][column("values_accuracy")], "0.9");
  EXPECT_EQ(rows[1][column("user_attrs_inference_j_per_sample")], "0.00390625");
  EXPECT_EQ(rows[5][column("state")], "FAIL");
  EXPECT_EQ(rows[5][column("fail_reason")], "out of memory at epoch 2");
  EXPECT_EQ(rows[5][column("values_accuracy")], "");
  // Front membership, as the study's one front says.
  const StudyFront front = front_of(trials, study.spec);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(rows[i + 1][column("pareto_front")], front.contains(trials[i].number) ? "true" : "false") << i;
  }
}

TEST(TrialsJson, HoldsTheSpecAndEveryTrial) {
  auto storage = open_storage("memory");
  const StudyRecord study = testing::make_known_study(*storage);
  const auto trials = storage->trials(study.id);
  const std::string text = trials_to_json(study.spec, trials);
  const auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["study"]["name"], "known");
  ASSERT_EQ(json["trials"].size(), 5u);
  EXPECT_EQ(trial_from_json(json["trials"][2]).params.at("width"), ParamValue(std::int64_t{32}));
  // The study's one front, as tune and best-trials state it.
  const StudyFront front = front_of(trials, study.spec);
  ASSERT_GE(front.size(), 1u);
  EXPECT_EQ(json["front"]["trials"], front.member_numbers());
  EXPECT_DOUBLE_EQ(json["front"]["hypervolume"].get<double>(), front.hypervolume());
  EXPECT_EQ(json["front"]["reference"], front.reference().values(study.spec));
  // Written trial by trial, the text is what one tree of it dumps: each
  // trial as stored, with its tuning energy and front membership.
  nlohmann::json tree = {{"front", json["front"]}, {"study", to_json(study.spec)}, {"trials", nlohmann::json::array()}};
  for (const auto& trial : trials) {
    auto object = to_json(trial);
    const auto tuning_j = trial_tuning_energy_j(trial);
    object["tuning_energy_j"] = tuning_j ? nlohmann::json(*tuning_j) : nlohmann::json(nullptr);
    object["pareto_front"] = front.contains(trial.number);
    tree["trials"].push_back(object);
  }
  EXPECT_EQ(text, tree.dump(2));
  EXPECT_EQ(nlohmann::json::parse(trials_to_json(study.spec, {}))["trials"], nlohmann::json::array());
}

TEST(TrialsTable, ShowsEnergyWithItsSourceAndMarksSharedDevices) {
  StudySpec spec;
  spec.name = "t";
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt}};
  Trial first;
  first.number = 0;
  first.state = TrialState::Complete;
  first.values = {0.912345};
  first.params = {{"lr", 0.001}, {"opt", std::string("adam")}};
  EnergyRecord inference = testing::window_record("inference", EnergySource::RaplPowercap, 1.23456);
  inference.unit = "sample";
  inference.units_per_window = 100;
  inference.j_per_unit = 0.0123456;
  write_energy_records(first.user_attrs,
                       {inference, testing::window_record("trial", EnergySource::RaplPowercap, 42.5)});
  Trial failed;
  failed.number = 12;
  failed.state = TrialState::Failed;
  failed.params = {{"opt", std::string("sgd-with-a-very-long-name-indeed")}};
  failed.fail_reason = "out of memory";
  // A command trial with only a training phase, estimated, on a shared
  // device: both marks survive truncation.
  Trial shared;
  shared.number = 3;
  shared.state = TrialState::Complete;
  shared.values = {0.5};
  shared.params = {{"opt", std::string("sgd")}};
  EnergyRecord training = testing::window_record("training", EnergySource::EstimateCpuTime, 50.0);
  EnergyRecord whole = testing::window_record("trial", EnergySource::EstimateCpuTime, 50.0);
  training.shared = whole.shared = true;
  write_energy_records(shared.user_attrs, {training, whole});
  const std::string expected =
      " #  state     accuracy     lr  opt                       J/inference  tuning J  energy source             reason\n"
      "--  --------  --------  -----  ------------------------  -----------  --------  ------------------------  -------------\n"
      " 0  COMPLETE    0.9123  0.001  adam                          0.01235      42.5  rapl-powercap             -\n"
      "12  FAIL             -      -  sgd-with-a-very-long-na…            -         -  -                         out of memory\n"
      " 3  COMPLETE       0.5      -  sgd                                 -        50  est… (estimate) (shared)  -\n";
  EXPECT_EQ(format_trials_table(spec, {first, failed, shared}), expected);
}

}  // namespace
}  // namespace ecopt::report
