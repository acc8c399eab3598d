// For the dashboard load test (bench/dashboard_load.sh): writes the
// 1,000-trial demo study into a storage, then, for `write_s` seconds, tells
// one more trial per second (a copy of an earlier one), as a running worker
// would, so that the dashboard re-renders while it is loaded.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "ecopt/storage/storage.hpp"
#include "report/demo_study.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: ecopt_bench_dashboard_study STORAGE_URL STUDY TRIALS WRITE_S\n";
    return 2;
  }
  auto storage = ecopt::open_storage(argv[1]);
  const int trials = std::atoi(argv[3]);
  const int write_s = std::atoi(argv[4]);
  auto study = storage->find_study(argv[2]);
  if (!study) study = ecopt::report::testing::make_demo_study(*storage, argv[2], trials);
  const auto stored = storage->trials(study->id);
  for (int second = 0; second < write_s; ++second) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const ecopt::Trial& model = stored[static_cast<std::size_t>(second) % stored.size()];
    const ecopt::Trial trial = storage->create_trial(study->id, nlohmann::json::object());
    storage->set_trial_params(trial.id, model.params);
    ecopt::TrialResult result;
    result.state = model.state == ecopt::TrialState::Running ? ecopt::TrialState::Failed : model.state;
    result.values = model.values;
    result.user_attrs = model.user_attrs;
    result.fail_reason = model.fail_reason;
    storage->finish_trial(trial.id, result);
  }
  std::cout << "study " << argv[2] << ": " << storage->trials(study->id).size() << " trials\n";
  return 0;
}
