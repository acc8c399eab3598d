// ecopt best-trials: the Pareto-optimal feasible trials.
#include "commands.hpp"
#include "common.hpp"

#include <fmt/format.h>

namespace ecopt::cli {

void add_best_trials_command(CLI::App& app) {
  add_trial_list_command(
      app, "best-trials", "Print the Pareto-optimal COMPLETE trials that satisfy the constraints",
      [](const Study& study) {
        const StudyFront front = study.front();
        return TrialList{front.members(), fmt::format("front of {} trials, {}", front.size(),
                                                      front.describe_hypervolume())};
      });
}

}  // namespace ecopt::cli
