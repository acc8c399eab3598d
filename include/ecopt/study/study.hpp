#pragma once
// A study over a Storage: ask for a trial's parameters, tell its result.
// Like Optuna's Study, it keeps no sampler state, so any number of
// processes can ask and tell one study. It keeps a copy of the stored
// trials, brought up to date by reading only the trials written since the
// last read (by any process), so a read costs what changed, not the study's
// size. Not thread-safe: one Study per thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/attributes.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/param.hpp"
#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/storage/storage.hpp"

namespace ecopt {


// System attributes that record a sampler's own options (SamplerOptions::
// extra) with the trial asked with them, nothing when there are none: what
// they state (noisy = true) then reaches the report (noisy_front.hpp).
nlohmann::json sampler_options_attrs(const SamplerOptions& options);

struct AskResult {
  std::int64_t number = -1;
  ParamMap params;
};

class Study {
 public:
  // Throws InputError when a study of that name exists (or the spec is invalid).
  static Study create(Storage& storage, const StudySpec& spec,
                      const nlohmann::json& user_attrs = nlohmann::json::object());
  // Throws NotFoundError naming the study and how to create it.
  static Study load(Storage& storage, std::string_view name);
  // Optuna's load_if_exists: an existing study must ask the same question
  // (objectives, directions, thresholds, constraints: definition_change),
  // else InputError says in one line what differs; roles, units, noise and
  // a space the spec declares are added to the stored definition.
  static Study load_or_create(Storage& storage, const StudySpec& spec,
                              const nlohmann::json& user_attrs = nlohmann::json::object());

  // Stores the roles, units, noise and (when none is stored) search space
  // that `declared` states into the study's definition.
  void declare(const StudySpec& declared);
  // The space a run searches: stored as the study's when it has none;
  // InputError naming the changed parameter when it has another.
  void declare_space(const SearchSpace& space);

  const StudyRecord& record() const { return record_; }
  const StudySpec& spec() const { return record_.spec; }
  const std::string& name() const { return record_.spec.name; }
  Storage& storage() const { return *storage_; }

  // Takes the next trial number first (atomic in storage), then gives the
  // sampler the stored trials if its history_need() asks for them,
  // suggests, decodes and stores the params. The space goes into the trial's system_attrs (and
  // the study's user_attrs on first use), so tell and reports know it. If
  // the sampler fails, the new trial is marked FAILED with the reason.
  AskResult ask(const SearchSpace& space, Sampler& sampler,
                const nlohmann::json& system_attrs = nlohmann::json::object());
  // Like ask, but only while the study holds fewer than `max_trials`
  // trials (checked atomically in storage, so concurrent workers never
  // overshoot); nullopt when it is full.
  std::optional<AskResult> ask_within(std::int64_t max_trials, const SearchSpace& space,
                                      Sampler& sampler,
                                      const nlohmann::json& system_attrs = nlohmann::json::object());

  // The space the study's definition declares; InputError saying how to
  // give one when it declares none.
  SearchSpace declared_space() const;

  // Queues a known configuration (Optuna's enqueue_trial): the next asks,
  // in any process, hand out the queued configurations, in order, before
  // any sampled one, each to exactly one ask (a trial is created only while
  // the study holds the trials last read, so a racing ask reads again).
  // `params` is checked against `space` (declared as the study's, which
  // must not have another) or, when none is given, the declared one
  // (SearchSpace::configuration: every active parameter, fixed ones filled
  // in); InputError, nothing queued, otherwise. With `skip_if_queued`, a configuration queued before is not
  // queued again. Returns its index in the queue, whether it was added and
  // the configuration as queued.
  struct Enqueued {
    std::size_t index = 0;
    bool added = false;
    ParamMap configuration;
  };
  Enqueued enqueue(const ParamMap& params, const std::optional<SearchSpace>& space, bool skip_if_queued);

  // Later asks let the sampler learn from `warm` (related_history below):
  // it informs the models, its trials are not trials of this study.
  void warm_start_from(RelatedHistory warm) { warm_start_ = std::move(warm); }
  std::size_t warm_start_trials() const { return warm_start_ ? warm_start_->trials.size() : 0; }

  // Validates everything before anything is written: the trial exists and
  // is RUNNING, the state is finished, COMPLETE has one finite value per
  // objective, PRUNED has none or one finite value per objective, FAILED
  // has none or one value per objective (NaN and infinity allowed).
  // Returns the stored trial.
  Trial tell(std::int64_t number, const TrialResult& result);

  // Every stored trial in number order, as of now. The reference stays
  // valid until the next call on this Study.
  const std::vector<Trial>& trials() const;
  // The trials this Study's reads found changed since `position` in its
  // change log (0: since it was opened), each once, in number order; sets
  // `position` past them. Reads first. Pointers stay valid until the
  // next call on this Study.
  std::vector<const Trial*> changed_trials(std::size_t& position) const;
  // The study's feasible Pareto front (math/front.hpp), from every stored trial.
  StudyFront front() const;
  // Its members, in trial-number order.
  std::vector<Trial> best_trials() const;
  // The front judged by the posterior means of one GP per objective, for
  // noisy objectives (noisy_front.hpp), in trial-number order. InputError
  // when no trial was asked through ECOpt (no search space to model).
  std::vector<Trial> best_trials_by_posterior_mean() const;

 private:
  Study(Storage& storage, StudyRecord record) : storage_(&storage), record_(std::move(record)) {}
  void read_changes() const;
  void declare_asked_with(const SearchSpace& space, const nlohmann::json& system_attrs);
  // The first queued configuration that no trial holds and that fits
  // `space`, stored as a new trial while the study holds fewer than
  // `max_trials`; nullopt when none is left (or the study is full).
  std::optional<AskResult> claim_enqueued(std::int64_t max_trials, const SearchSpace& space,
                                          nlohmann::json attrs);
  // The sampler's point for trial `number`, decoded.
  ParamMap suggest(const SearchSpace& space, Sampler& sampler, std::int64_t number) const;

  Storage* storage_;
  mutable StudyRecord record_;  // reread when another process declared what it lacks
  // The stored trials as last read, the storage version they reflect, and
  // the numbers of the trials each read changed, in order.
  mutable std::vector<Trial> trials_;
  mutable std::int64_t read_version_ = 0;
  mutable std::vector<std::int64_t> change_log_;
  std::optional<RelatedHistory> warm_start_;
};

// The COMPLETE trials of a finished `related` study, checked to inform a
// study of `spec` over `space` (same parameter names, as many objectives;
// values may be shifted or scaled) before that study is created or changed.
// InputError when it has no complete trial or asks another question.
RelatedHistory related_history(const Study& related, const StudySpec& spec, const SearchSpace& space);

}  // namespace ecopt
