// ecopt trials: every trial of a study.
#include "commands.hpp"
#include "common.hpp"

namespace ecopt::cli {

void add_trials_command(CLI::App& app) {
  add_trial_list_command(app, "trials", "Print every trial of a study",
                         [](const Study& study) { return TrialList{study.trials(), ""}; });
}

}  // namespace ecopt::cli
