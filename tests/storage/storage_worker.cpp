// A separate process acting on one study, so tests can prove that several
// processes share a database safely. Prints one number; exits 1 on error.
//   storage_worker create-finish URL STUDY COUNT   creates and completes COUNT trials
//   storage_worker finish-running URL STUDY        completes every RUNNING trial it can
//   storage_worker reap URL STUDY                  fails stale trials (timeout 0 s)
#include <cstdio>
#include <string>

#include "ecopt/core/error.hpp"
#include "ecopt/storage/storage.hpp"

namespace {

using namespace ecopt;

int create_finish(Storage& storage, std::int64_t study_id, int count) {
  for (int i = 0; i < count; ++i) {
    const Trial trial = storage.create_trial(study_id, {{"worker", "create-finish"}});
    storage.set_trial_params(trial.id, {{"i", std::int64_t{i}}});
    storage.finish_trial(trial.id, {TrialState::Complete, {static_cast<double>(trial.number)}});
  }
  return count;
}

int finish_running(Storage& storage, std::int64_t study_id) {
  int finished = 0;
  for (const Trial& trial : storage.trials(study_id)) {
    if (trial.state != TrialState::Running) continue;
    try {
      storage.finish_trial(trial.id, {TrialState::Complete, {1.0}});
      ++finished;
    } catch (const InputError&) {
      // A reaper failed it first: exactly the race under test.
    }
  }
  return finished;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: storage_worker MODE URL STUDY [COUNT]\n");
    return 2;
  }
  try {
    const std::string mode = argv[1];
    auto storage = open_storage(argv[2]);
    const auto study = storage->find_study(argv[3]);
    if (!study) throw NotFoundError(std::string("no study ") + argv[3]);
    int result = 0;
    if (mode == "create-finish" && argc == 5) {
      result = create_finish(*storage, study->id, std::stoi(argv[4]));
    } else if (mode == "finish-running") {
      result = finish_running(*storage, study->id);
    } else if (mode == "reap") {
      result = static_cast<int>(storage->fail_stale_trials(study->id, std::chrono::seconds(0)).size());
    } else {
      std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
      return 2;
    }
    std::printf("%d\n", result);
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "storage_worker: %s\n", error.what());
    return 1;
  }
}
