// ecopt best-trials: the Pareto-optimal feasible trials.
#include "commands.hpp"
#include "common.hpp"

namespace ecopt::cli {

void add_best_trials_command(CLI::App& app) {
  add_trial_list_command(
      app, "best-trials", "Print the Pareto-optimal COMPLETE trials that satisfy the constraints",
      [](const Study& study) { return study.best_trials(); });
}

}  // namespace ecopt::cli
