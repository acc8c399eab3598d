#include "ecopt/study/optuna_export.hpp"

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/storage/optuna_sqlite.hpp"
#include "ecopt/study/study.hpp"

namespace ecopt {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:///";

// Each parameter with the distribution the trial was asked with (the
// space Study::ask stored in its system attributes).
std::vector<OptunaParam> optuna_params(const Trial& trial) {
  if (trial.params.empty()) return {};
  const auto stored = trial.system_attrs.find(kSearchSpaceAttr);
  if (stored == trial.system_attrs.end() || !stored->is_string()) {
    throw InputError(fmt::format("trial {} has no stored search space, so Optuna would not know "
                                 "its parameters' distributions; only trials asked through "
                                 "ECOpt can be exported",
                                 trial.number));
  }
  const SearchSpace space = search_space_from_json_text(stored->get<std::string>());
  std::vector<OptunaParam> params;
  for (const auto& [name, value] : trial.params) {
    const Parameter* parameter = space.find(name);
    if (!parameter) {
      throw InputError(fmt::format("trial {} has parameter '{}', which its stored search space "
                                   "does not hold",
                                   trial.number, name));
    }
    try {
      params.push_back({name, optuna_internal_value(parameter->distribution, value),
                        optuna_distribution_json(parameter->distribution).dump()});
    } catch (const InputError& error) {
      throw InputError(fmt::format("trial {}, parameter '{}': {}", trial.number, name,
                                   error.what()));
    }
  }
  return params;
}

// Optuna's trial_intermediate_values holds one float per step: the study's
// quality objective (the first whose role is quality) goes there, and each
// step's whole object into the system attribute "ecopt:intermediate:<step>",
// where ecopt.optuna.report keeps it too.
void export_intermediate(const Trial& trial, const StudySpec& spec, OptunaTrial& out) {
  std::optional<std::string> quality;
  for (const auto& objective : spec.objectives) {
    if (objective_role(objective).role == ObjectiveRole::Quality) {
      quality = objective.name;
      break;
    }
  }
  for (const auto& [step, values] : trial.intermediate) {
    out.system_attrs[fmt::format("ecopt:intermediate:{}", step)] = values;
    const auto value = quality ? values.find(*quality) : values.end();
    if (value != values.end() && value->is_number()) out.intermediate_values[step] = value->get<double>();
  }
}

OptunaTrial optuna_trial(const Trial& trial, const StudySpec& spec) {
  OptunaTrial out;
  out.number = trial.number;
  out.state = trial.state;
  out.started_at = trial.started_at;
  if (trial.state != TrialState::Running) out.finished_at = trial.finished_at;
  out.params = optuna_params(trial);
  if (trial.state == TrialState::Complete || trial.state == TrialState::Pruned) {
    out.values = trial.values;
  }
  out.user_attrs = trial.user_attrs;
  out.system_attrs = trial.system_attrs;
  out.system_attrs.erase(kSearchSpaceAttr);  // now in each parameter's distribution
  if (trial.fail_reason) out.system_attrs["fail_reason"] = *trial.fail_reason;  // Optuna's key
  export_intermediate(trial, spec, out);
  return out;
}

}  // namespace

std::size_t export_to_optuna(Storage& source, std::string_view study_name,
                             std::string_view out_url, std::string_view out_study_name) {
  if (!out_url.starts_with(kSqlitePrefix) || out_url.size() == kSqlitePrefix.size()) {
    throw InputError(fmt::format("--out '{}' is not an SQLite URL; the export writes Optuna's "
                                 "SQLite storage, e.g. sqlite:///optuna.db (Optuna's "
                                 "copy_study moves it to another storage)",
                                 redact_url(out_url)));
  }
  const Study study = Study::load(source, study_name);
  OptunaStudy out;
  out.name = out_study_name.empty() ? study.name() : std::string(out_study_name);
  out.directions = study.spec().directions();
  nlohmann::json names = nlohmann::json::array();
  for (const auto& objective : study.spec().objectives) names.push_back(objective.name);
  out.user_attrs = {{kObjectiveNamesAttr, names},
                    {"exported_from", fmt::format("ECOpt study {}", study.name())}};
  for (const auto& trial : study.trials()) out.trials.push_back(optuna_trial(trial, study.spec()));
  write_optuna_sqlite(std::string(out_url.substr(kSqlitePrefix.size())), out);
  return out.trials.size();
}

}  // namespace ecopt
