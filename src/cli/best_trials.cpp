// ecopt best-trials: the Pareto-optimal feasible trials; with --noisy,
// judged by the models' posterior means instead of the observed values.
#include "commands.hpp"
#include "common.hpp"

#include <memory>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ecopt/core/error.hpp"
#include "ecopt/core/replace_file.hpp"
#include "ecopt/energy/front_flags.hpp"
#include "ecopt/study/trial_selection.hpp"

namespace ecopt::cli {
namespace {

// The footer's line on members whose order the meters could not resolve.
std::string flag_lines(const std::vector<Trial>& members) {
  const std::string note = front_flag_note(members);
  return note.empty() ? note : "\n" + note;
}

// --where and --pick, and where to write the picked trial's parameters.
struct Choice {
  std::string where;
  std::string pick;
  std::string params_out;
};

// {"trial": 3, "rule": "...", "params": {...}}: what a deployment script,
// or a study file's baseline, reads back.
void write_params(const std::string& path, const Trial& picked, const std::string& rule) {
  replace_file(path,
               nlohmann::json{{"trial", picked.number}, {"rule", rule}, {"params", to_json(picked.params)}}.dump(2) + "\n",
               0644);
}

TrialList chosen_trials(const Study& study, const Choice& choice) {
  const std::vector<Limit> limits = parse_limits(choice.where);
  const PickRule pick = choice.pick.empty() ? PickRule{} : parse_pick(choice.pick);
  const Selection selection = select_trials(study.trials(), study.spec(), limits, pick);
  const std::string among = fmt::format("{} trial{} on the front of those {}", selection.candidates.size(),
                                        selection.candidates.size() == 1 ? "" : "s",
                                        choice.where.empty() ? "feasible" : "with " + choice.where);
  if (choice.pick.empty()) return TrialList{selection.candidates, among};
  if (!selection.picked) {
    if (!choice.params_out.empty()) {
      throw InputError(fmt::format("--params-out: no trial satisfies {}, so nothing was written", choice.where));
    }
    return TrialList{{}, among};
  }
  if (!choice.params_out.empty()) write_params(choice.params_out, *selection.picked, selection.rule);
  return TrialList{{*selection.picked},
                   fmt::format("trial {} picked from {} by the {}", selection.picked->number, among, selection.rule)};
}

}  // namespace

void add_best_trials_command(CLI::App& app) {
  auto noisy = std::make_shared<bool>(false);
  auto choice = std::make_shared<Choice>();
  add_trial_list_command(
      app, "best-trials", "Print the Pareto-optimal COMPLETE trials that satisfy the constraints",
      [noisy, choice](const Study& study) {
        if (!choice->params_out.empty() && choice->pick.empty()) {
          throw InputError("--params-out writes the trial --pick chooses: give --pick too (e.g. --pick knee)");
        }
        if (!choice->where.empty() || !choice->pick.empty()) {
          if (*noisy) throw InputError("--noisy cannot be combined with --where or --pick");
          return chosen_trials(study, *choice);
        }
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
  auto* command = app.get_subcommand("best-trials");
  command->add_flag("--noisy", *noisy,
                    "Objectives are noisy: judge each trial by the posterior means of one GP per objective "
                    "(the models mobo suggests with), not by its observed values");
  command->add_option("--where", choice->where,
                      "Keep the trials within these limits, then take their front: "
                      "\"accuracy>=0.9,inference_j<0.002\" (objectives or trial metrics; >=, >, <=, <)");
  command->add_option("--pick", choice->pick,
                      "Print the one trial this rule picks from that front: min:METRIC, max:METRIC, knee "
                      "(nearest the ideal point, objectives scaled to [0, 1]) or weighted:W1,W2 (one weight "
                      "per objective)");
  command->add_option("--params-out", choice->params_out,
                      "Write the picked trial's parameters as JSON to this file: {\"trial\", \"rule\", \"params\"}");
}

}  // namespace ecopt::cli
