// ecopt best-trials: the Pareto-optimal feasible trials; with --noisy,
// judged by the models' posterior means instead of the observed values.
#include "commands.hpp"
#include "common.hpp"

#include <memory>

#include <fmt/format.h>

#include "ecopt/optim/posterior_front.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt::cli {
namespace {

TrialList posterior_mean_front_of(const Study& study) {
  const nlohmann::json& attrs = study.record().user_attrs;
  if (!attrs.contains(kSearchSpaceAttr) || !attrs.at(kSearchSpaceAttr).is_string()) {
    throw InputError(fmt::format("study '{}' has no stored search space (no trial was asked through ECOpt), "
                                 "so --noisy has nothing to model; leave --noisy out",
                                 study.name()));
  }
  const SearchSpace space = search_space_from_json_text(attrs.at(kSearchSpaceAttr).get<std::string>());
  const std::vector<Trial>& trials = study.trials();
  std::vector<Trial> members;
  for (std::size_t i : posterior_mean_front(study.spec(), space, trials)) members.push_back(trials[i]);
  return TrialList{members, fmt::format("front of {} trials by the models' posterior means (noisy objectives)",
                                        members.size())};
}

}  // namespace

void add_best_trials_command(CLI::App& app) {
  auto noisy = std::make_shared<bool>(false);
  add_trial_list_command(
      app, "best-trials", "Print the Pareto-optimal COMPLETE trials that satisfy the constraints",
      [noisy](const Study& study) {
        if (*noisy) return posterior_mean_front_of(study);
        const StudyFront front = study.front();
        return TrialList{front.members(), fmt::format("front of {} trials, {}", front.size(),
                                                      front.describe_hypervolume())};
      });
  app.get_subcommand("best-trials")
      ->add_flag("--noisy", *noisy,
                 "Objectives are noisy: judge each trial by the posterior means of one GP per objective "
                 "(the models mobo suggests with), not by its observed values");
}

}  // namespace ecopt::cli
