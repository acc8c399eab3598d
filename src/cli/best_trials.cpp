// ecopt best-trials: the Pareto-optimal feasible trials; with --noisy,
// judged by the models' posterior means instead of the observed values.
#include "commands.hpp"
#include "common.hpp"

#include <memory>

#include <fmt/format.h>

#include "ecopt/energy/front_flags.hpp"

namespace ecopt::cli {
namespace {

// The footer's line on members whose order the meters could not resolve.
std::string flag_lines(const std::vector<Trial>& members) {
  const std::string note = front_flag_note(members);
  return note.empty() ? note : "\n" + note;
}

}  // namespace


void add_best_trials_command(CLI::App& app) {
  auto noisy = std::make_shared<bool>(false);
  add_trial_list_command(
      app, "best-trials", "Print the Pareto-optimal COMPLETE trials that satisfy the constraints",
      [noisy](const Study& study) {
        if (*noisy) {
          const std::vector<Trial> members = study.best_trials_by_posterior_mean();
          return TrialList{members, fmt::format("front of {} trials by the models' posterior means "
                                                "(noisy objectives){}",
                                                members.size(), flag_lines(members))};
        }
        const StudyFront front = study.front();
        const std::vector<Trial> members = front.members();
        return TrialList{members, fmt::format("front of {} trials, {}{}", front.size(),
                                              front.describe_hypervolume(), flag_lines(members))};
      });
  app.get_subcommand("best-trials")
      ->add_flag("--noisy", *noisy,
                 "Objectives are noisy: judge each trial by the posterior means of one GP per objective "
                 "(the models mobo suggests with), not by its observed values");
}

}  // namespace ecopt::cli
