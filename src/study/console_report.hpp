// The terminal's view of a run (ecopt tune, ecopt worker): the banner and
// the space searched, one progress line per told trial, and the closing
// front, noise and tuning-energy summary. run_study's loop keeps the
// rules; this says what happened.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "ecopt/energy/carbon.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/runner.hpp"
#include "ecopt/study/study.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt {

// The space a run searches, each parameter with where it came from: a
// task's default space is merged in, so the file does not show it all
// (issue 29: the demo also searched `pool`).
std::string space_table(const SearchSpace& space, const StudyFile& file, const SearchSpace& task_default,
                        const std::string& task_kind);

class ConsoleReport final : public RunObserver {
 public:
  ConsoleReport(std::ostream& out, const Study& study, std::int64_t n_trials, const SearchSpace& space,
                const CarbonOptions& carbon)
      : out_(out), study_(study), n_trials_(n_trials), space_(space), carbon_(carbon) {}

  void started(const Storage& storage, const Sampler& sampler, std::int64_t max_failed_trials);
  void stopped(const StopReason& reason) override;
  void trial_told(const Trial& told, const RunProgress& progress) override;
  void finished(const RunSummary& summary, const std::vector<Trial>& trials) override;

 private:
  std::ostream& out_;
  const Study& study_;
  std::int64_t n_trials_;
  const SearchSpace& space_;
  const CarbonOptions& carbon_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace ecopt
