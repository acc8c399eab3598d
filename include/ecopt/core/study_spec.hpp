#pragma once
// The study definition: what a study optimises (its objectives, with
// direction, threshold, role, unit and noise; outcome constraints on
// recorded metrics) and over which search space. One writer (Storage:
// create_study and update_study_spec) and one reader (the StudyRecord it
// gives back): every module reads a study's objectives, roles, units, noise
// and declared space from here, never from names or attributes of its own.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/param.hpp"

namespace ecopt {

enum class Direction { Minimize, Maximize };

std::string_view to_string(Direction direction);
// Accepts "minimize"/"maximize" (and "min"/"max"); throws InputError otherwise.
Direction parse_direction(std::string_view text);

// What an objective measures, for the report's cards, break-even and
// chosen model: the model's quality, its energy (J, J/sample, samples/J),
// another cost (latency, memory, money), or something else.
enum class ObjectiveRole { Quality, Energy, Cost, Other };

std::string_view to_string(ObjectiveRole role);
// Accepts quality, energy, cost, other; throws InputError otherwise.
ObjectiveRole parse_objective_role(std::string_view text);

struct Objective {
  std::string name;  // e.g. "accuracy", "samples_per_j"; "objective_0" by default
  Direction direction = Direction::Minimize;
  // A value the user would not accept beyond (Ax's objective threshold);
  // also the hypervolume reference coordinate when given.
  std::optional<double> threshold;
  // As declared (study file, create-study, Python); nullopt: inferred from
  // the name by objective_role() / the report's unit convention.
  std::optional<ObjectiveRole> role;
  std::optional<std::string> unit;  // "J/sample", "%", "nats"
  // Whether its readings scatter around a true value (a measured energy):
  // true, false, or nullopt for "let the models' fitted noise decide".
  std::optional<bool> noisy;

  friend bool operator==(const Objective&, const Objective&) = default;
};

// An objective's role and whether it was inferred from its name (where
// none was declared): a name with an energy unit token (j, mj, uj, kj,
// wh, mwh, kwh, joules) or the word "energy" is an energy objective, a
// time, power or memory unit (s, ms, w, mb, gb) a cost, and any other name
// quality, as the first such objective of a study.
struct ResolvedRole {
  ObjectiveRole role = ObjectiveRole::Other;
  bool inferred = false;
};
ResolvedRole objective_role(const Objective& objective);
// A name's "_"-separated words, the unit convention reads them:
// "inference_samples_per_j" -> inference, samples, per, j.
std::vector<std::string_view> name_tokens(std::string_view name);

enum class Comparison { LessEqual, GreaterEqual };

// metric <= bound or metric >= bound, where metric is a key of the trial's
// user attributes (for example "inference_j_per_sample <= 0.01").
struct OutcomeConstraint {
  std::string metric;
  Comparison comparison = Comparison::LessEqual;
  double bound = 0.0;

  // Signed slack: <= 0 means satisfied (Optuna's convention).
  double violation(double metric_value) const;

  friend bool operator==(const OutcomeConstraint&, const OutcomeConstraint&) = default;
};

// "latency_s <= 0.1"
std::string describe(const OutcomeConstraint& constraint);

// The model the study's tuning is judged against (the report's net impact
// and break-even): what one would deploy without tuning. Stated as a trial
// number, as the study's first complete trial, or by its parameters (the
// first complete trial that ran with all of them).
struct StatedBaseline {
  enum class Kind { FirstTrial, Trial, Params } kind = Kind::FirstTrial;
  std::int64_t trial = -1;  // Kind::Trial
  ParamMap params;          // Kind::Params

  friend bool operator==(const StatedBaseline&, const StatedBaseline&) = default;
};
// "the study's first complete trial", "trial 3", "the trial with lr = 0.01, width = 8"
std::string describe(const StatedBaseline& baseline);

// Limits that end a study's runs between trials (study/budget.hpp applies
// them), stored with the definition so that a resumed study keeps them.
// Unset: no limit. Stored under "budget" only when one is set, so
// definitions without one read and write as before.
struct StudyBudget {
  std::optional<double> energy_kwh;   // the study's gross tuning energy
  std::optional<double> carbon_kg;    // its tuning carbon
  std::optional<double> wall_time_s;  // the union of its trials' windows
  // Hypervolume gained per kWh of tuning energy over the last
  // hypervolume_window finished trials (diminishing returns).
  std::optional<double> min_hypervolume_per_kwh;
  std::optional<int> hypervolume_window;

  bool any() const;
  friend bool operator==(const StudyBudget&, const StudyBudget&) = default;
};

// `base` with each limit `over` sets put in its place.
StudyBudget overlay(StudyBudget base, const StudyBudget& over);

// The version of the stored definition this code writes. Version 1 (no
// "version" key) kept the search space as text in the study's user
// attribute "search_space"; storage reads it into search_space.
inline constexpr int kStudyDefinitionVersion = 2;

struct StudySpec {
  std::string name;
  std::vector<Objective> objectives;
  std::vector<OutcomeConstraint> constraints;
  // The declared search space in Optuna's distribution JSON, in declared
  // order (space/search_space.hpp's declared_search_space reads it); null
  // until a study file or the first ask declares it.
  nlohmann::ordered_json search_space;
  std::optional<StatedBaseline> baseline;  // nullopt: none stated
  StudyBudget budget;
  // Known configurations to run before any sampled one (Optuna's
  // enqueue_trial), in the order they were queued; each stays listed once
  // handed out, the trial holding it names its index (system attribute
  // "enqueued"). Stored under "enqueued" only when there is one.
  std::vector<ParamMap> enqueued;

  std::vector<Direction> directions() const;
  // The objective that measures the model's quality: the first declared
  // quality objective, else the first whose role is inferred as quality;
  // nullopt when there is none.
  std::optional<std::size_t> quality_objective() const;
  std::optional<std::size_t> energy_objective() const;  // likewise
  // Whether any objective is declared noisy (true), declared exact by every
  // objective (false), or left to the models (nullopt).
  std::optional<bool> noisy() const;
  friend bool operator==(const StudySpec&, const StudySpec&) = default;

  // Throws InputError when the spec is unusable (no objectives, empty name,
  // duplicate objective names, non-finite thresholds).
  void validate() const;
};

nlohmann::json to_json(const StudySpec& spec);
// Reads every definition version; throws InputError when malformed.
StudySpec study_spec_from_json(const nlohmann::json& json);

// Objective names and directions as "accuracy (maximize), energy (minimize)".
std::string describe_objectives(const StudySpec& spec);

// One line naming what a given definition changes in a stored one that
// would make the stored trials answer another question: objectives, their
// directions or thresholds, constraints. Empty when nothing does. (The
// search space is compared by the study module, which knows its types.)
std::string definition_change(const StudySpec& stored, const StudySpec& given);
// The stored definition with the roles, units, noise, baseline and budget
// limits the given one declares (they change how figures are read or when
// a run stops, not what was measured), and its search space where the
// stored one declares none.
StudySpec with_declarations(StudySpec stored, const StudySpec& given);

// Builds objectives objective_0..n-1 from a comma list such as
// "maximize,minimize".
std::vector<Objective> objectives_from_directions(std::string_view comma_list);

}  // namespace ecopt
