// For the dashboard load test (bench/dashboard_load.sh): writes the
// 1,000-trial demo study into a storage, then, for `write_s` seconds, tells
// one more trial per second (a copy of an earlier one), as a running worker
// would, so that the dashboard re-renders while it is loaded. With RUNNING
// above 0, that many trials also run meanwhile, each reporting a point of
// its learning curve and writing a line to its log every 250 ms, and
// finishing after 20 points, as the trials of a pruned study stream.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "ecopt/storage/storage.hpp"
#include "ecopt/study/trial_log.hpp"
#include "report/demo_study.hpp"

namespace {

constexpr auto kTick = std::chrono::milliseconds(250);
constexpr int kTicksPerSecond = 4;
constexpr int kCurvePoints = 20;

// A trial as a worker runs it: a point and a log line each tick.
class StreamingTrial {
 public:
  StreamingTrial(ecopt::Storage& storage, const ecopt::StudyRecord& study, const std::string& url,
                 const ecopt::Trial& model)
      : storage_(storage), study_(study), url_(url), model_(model) {
    start();
  }
  void tick() {
    ++step_;
    storage_.report_intermediate(trial_.id, step_,
                                 {{"accuracy", 0.5 + 0.02 * step_}, {"training_j_so_far", 30.0 * step_}});
    log_->add(fmt::format("epoch {}/{} loss {:.4f}", step_, kCurvePoints, 1.0 / step_));
    if (step_ < kCurvePoints) return;
    ecopt::TrialResult result;
    result.values = model_.values;
    result.user_attrs = model_.user_attrs;
    storage_.finish_trial(trial_.id, result);
    start();
  }

 private:
  void start() {
    log_.reset();  // the finished trial's log first: its tail is written on close
    trial_ = storage_.create_trial(study_.id, nlohmann::json::object());
    storage_.set_trial_params(trial_.id, model_.params);
    log_ = std::make_unique<ecopt::TrialLog>(
        ecopt::trial_log_path(*ecopt::trial_log_dir(url_, study_.spec.name), trial_.number), nullptr);
    step_ = 0;
  }

  ecopt::Storage& storage_;
  const ecopt::StudyRecord& study_;
  const std::string& url_;
  const ecopt::Trial& model_;
  ecopt::Trial trial_;
  std::unique_ptr<ecopt::TrialLog> log_;
  int step_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::cerr << "usage: ecopt_bench_dashboard_study STORAGE_URL STUDY TRIALS WRITE_S [RUNNING]\n";
    return 2;
  }
  const std::string url = argv[1];
  auto storage = ecopt::open_storage(url);
  const int trials = std::atoi(argv[3]);
  const int write_s = std::atoi(argv[4]);
  const int running = argc == 6 ? std::atoi(argv[5]) : 0;
  auto study = storage->find_study(argv[2]);
  if (!study) study = ecopt::report::testing::make_demo_study(*storage, argv[2], trials);
  const auto stored = storage->trials(study->id);
  std::vector<std::unique_ptr<StreamingTrial>> streaming;
  for (int i = 0; i < running; ++i) {
    streaming.push_back(std::make_unique<StreamingTrial>(*storage, *study, url, stored[static_cast<std::size_t>(i)]));
  }
  for (int tick = 1; tick <= write_s * kTicksPerSecond; ++tick) {
    std::this_thread::sleep_for(kTick);
    for (auto& trial : streaming) trial->tick();
    if (tick % kTicksPerSecond != 0) continue;
    const ecopt::Trial& model = stored[static_cast<std::size_t>(tick / kTicksPerSecond - 1) % stored.size()];
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
