// For bench/report_scale.sh: writes a study of N finished trials straight
// through the storage API, much faster than `ecopt tune` could run them.
//   zdt1: what `ecopt tune` stores for the test problem of
//         docs/benchmarks/scaling.md (6 uniform parameters, 2 objectives,
//         an estimated "trial" energy record, the search space copied into
//         every trial's system attributes);
//   demo: the report tests' CNN study (inference, training and trial
//         energy records, parameter and FLOP counts, failed and pruned trials).
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "ecopt/energy/record.hpp"
#include "ecopt/storage/storage.hpp"
#include "report/demo_study.hpp"

namespace {

constexpr int kVariables = 6;

std::string zdt1_search_space() {
  nlohmann::json space = nlohmann::json::object();
  for (int i = 0; i < kVariables; ++i) {
    space["x" + std::to_string(i)] = {
        {"name", "FloatDistribution"},
        {"attributes", {{"low", 0.0}, {"high", 1.0}, {"log", false}, {"step", nullptr}}}};
  }
  return space.dump();
}

ecopt::EnergyRecord estimated_trial_record(double seconds) {
  ecopt::EnergyRecord record;
  record.name = ecopt::kTrialRecord;
  record.sources = {ecopt::EnergySource::EstimateCpuTime};
  record.devices = {"cpu (estimate)"};
  record.duration_s = seconds;
  record.gross_j = 12.5 * seconds;
  record.resolution_s = 0.01;
  record.resolution_j = 0.1124;
  return record;
}

void make_zdt1_study(ecopt::Storage& storage, const std::string& name, int trial_count) {
  ecopt::StudySpec spec;
  spec.name = name;
  spec.objectives = {{"f0", ecopt::Direction::Minimize, 1.1}, {"f1", ecopt::Direction::Minimize, 1.1}};
  const std::string space = zdt1_search_space();
  const ecopt::StudyRecord study = storage.create_study(spec, {{"search_space", space}});
  const nlohmann::json system_attrs = {{"host", "bench"}, {"pid", 1}, {"sampler", "random"},
                                       {"search_space", space}};
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < trial_count; ++i) {
    ecopt::ParamMap params;
    double sum = 0.0;
    double x0 = 0.0;
    for (int v = 0; v < kVariables; ++v) {
      const double x = unit(random);
      params["x" + std::to_string(v)] = x;
      if (v == 0) x0 = x;
      else sum += x;
    }
    const double g = 1.0 + 9.0 * sum / (kVariables - 1);
    const double f1 = g * (1.0 - std::sqrt(x0 / g));
    const ecopt::Trial trial = storage.create_trial(study.id, system_attrs, params);
    ecopt::TrialResult result;
    result.values = {x0, f1};
    result.user_attrs = {{"f0", x0}, {"f1", f1}, {"problem", "zdt1"}};
    ecopt::write_energy_records(result.user_attrs, {estimated_trial_record(4e-5 + 1e-5 * unit(random))});
    storage.finish_trial(trial.id, result);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string kind = argc == 5 ? argv[2] : "";
  if (kind != "zdt1" && kind != "demo") {
    std::cerr << "usage: ecopt_bench_report_study STORAGE_URL zdt1|demo STUDY TRIALS\n";
    return 2;
  }
  auto storage = ecopt::open_storage(argv[1]);
  const int trials = std::atoi(argv[4]);
  if (kind == "zdt1") {
    make_zdt1_study(*storage, argv[3], trials);
  } else {
    ecopt::report::testing::make_demo_study(*storage, argv[3], trials);
  }
  std::cout << "study " << argv[3] << ": " << trials << " trials\n";
  return 0;
}
