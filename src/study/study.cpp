#include "ecopt/study/study.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "ecopt/energy/record.hpp"
#include "ecopt/core/stated_noise.hpp"
#include "ecopt/study/noisy_front.hpp"

namespace ecopt {

namespace {

bool all_finite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

std::string values_text(const std::vector<double>& values) {
  return fmt::format("{}", fmt::join(values, ","));
}

void check_values(const StudySpec& spec, std::int64_t number, const TrialResult& result) {
  const std::size_t expected = spec.objectives.size();
  if (result.state == TrialState::Running) {
    throw InputError(fmt::format(
        "cannot tell trial {} with state RUNNING; use --state complete, fail or pruned", number));
  }
  // A failure or a pruned trial may carry no values; values it carries
  // must still be one per objective.
  if (result.values.empty() && result.state != TrialState::Complete) return;
  if (result.values.size() != expected) {
    throw InputError(fmt::format(
        "trial {} needs {} value{} ({}), got {} ({}); give one value per objective", number,
        expected, expected == 1 ? "" : "s", describe_objectives(spec), result.values.size(),
        values_text(result.values)));
  }
  if (result.state != TrialState::Failed && !all_finite(result.values)) {
    throw InputError(fmt::format(
        "trial {} has a non-finite value ({}); NaN and infinity are only accepted with --state fail",
        number, values_text(result.values)));
  }
}

}  // namespace

Study Study::create(Storage& storage, const StudySpec& spec, const nlohmann::json& user_attrs) {
  spec.validate();
  return Study(storage, storage.create_study(spec, user_attrs));
}

Study Study::load(Storage& storage, std::string_view name) {
  auto record = storage.find_study(name);
  if (!record) {
    throw NotFoundError(fmt::format(
        "study '{}' not found in {}; create it with 'ecopt create-study --study-name {}' or list "
        "studies with 'ecopt studies'",
        name, storage.describe(), name));
  }
  return Study(storage, std::move(*record));
}

Study Study::load_or_create(Storage& storage, const StudySpec& spec,
                            const nlohmann::json& user_attrs) {
  spec.validate();
  if (auto record = storage.find_study(spec.name)) {
    if (const auto change = definition_change(record->spec, spec); !change.empty()) {
      throw InputError(fmt::format("study '{}' already exists and {}; use another study name, or give it "
                                   "back what it was created with",
                                   spec.name, change));
    }
    Study study(storage, std::move(*record));
    study.declare(spec);
    return study;
  }
  try {
    return Study(storage, storage.create_study(spec, user_attrs));
  } catch (const InputError&) {
    // Another process created it between find and create: load theirs.
    return load(storage, spec.name);
  }
}

nlohmann::json sampler_options_attrs(const SamplerOptions& options) {
  if (!options.extra.is_object() || options.extra.empty()) return nlohmann::json::object();
  return {{kSamplerOptionsAttr, options.extra}};
}

AskResult Study::ask(const SearchSpace& space, Sampler& sampler,
                     const nlohmann::json& system_attrs) {
  return *ask_within(INT64_MAX, space, sampler, system_attrs);
}

void Study::declare(const StudySpec& declared) {
  if (with_declarations(record_.spec, declared) == record_.spec) return;
  record_.spec = storage_->update_study_spec(
      record_.id, [&](StudySpec stored) { return with_declarations(std::move(stored), declared); });
}

void Study::declare_space(const SearchSpace& space) {
  if (const auto stored = declared_search_space(record_.spec)) {
    if (const auto change = space_change(*stored, space); !change.empty()) {
      throw InputError(fmt::format("study '{}' was created with another search space: {}; use another study "
                                   "name, or give it back the space it was created with",
                                   name(), change));
    }
    return;
  }
  StudySpec declared = record_.spec;
  declared.search_space = to_ordered_json(space);
  declare(declared);
}

// What an ask tells about the study: the space of its first ask (later asks
// may search others, define-by-run), and the noise its sampler options
// state ({"noisy": true}); the latest statement wins.
void Study::declare_asked_with(const SearchSpace& space, const nlohmann::json& system_attrs) {
  StudySpec declared = record_.spec;
  declared.search_space = to_ordered_json(space);  // kept only where none is declared
  const auto options = system_attrs.find(kSamplerOptionsAttr);
  if (options != system_attrs.end() && options->contains("noisy") && (*options)["noisy"].is_boolean()) {
    for (auto& objective : declared.objectives) objective.noisy = (*options)["noisy"].get<bool>();
  }
  declare(declared);
}

SearchSpace Study::declared_space() const {
  if (auto declared = declared_search_space(record_.spec)) return *declared;
  throw InputError(fmt::format("study '{}' declares no search space yet; give one with --search-space "
                               "(search_space= in Python)",
                               name()));
}

Study::Enqueued Study::enqueue(const ParamMap& params, const std::optional<SearchSpace>& space,
                               bool skip_if_queued) {
  Enqueued enqueued{0, false, (space ? *space : declared_space()).configuration(params)};
  if (space) declare_space(*space);
  const ParamMap& configuration = enqueued.configuration;
  record_.spec = storage_->update_study_spec(record_.id, [&](StudySpec stored) {
    const auto queued = std::find(stored.enqueued.begin(), stored.enqueued.end(), configuration);
    enqueued.index = static_cast<std::size_t>(queued - stored.enqueued.begin());
    enqueued.added = !(skip_if_queued && queued != stored.enqueued.end());
    if (!enqueued.added) return stored;
    enqueued.index = stored.enqueued.size();
    stored.enqueued.push_back(configuration);
    return stored;
  });
  return enqueued;
}

namespace {

// The queue indices the trials hold: handed out already.
std::set<std::int64_t> claimed_indices(const std::vector<Trial>& trials) {
  std::set<std::int64_t> claimed;
  for (const auto& trial : trials) {
    const auto index = trial.system_attrs.find(kEnqueuedAttr);
    if (index != trial.system_attrs.end() && index->is_number_integer()) claimed.insert(index->get<std::int64_t>());
  }
  return claimed;
}

bool fits(const SearchSpace& space, const ParamMap& params) {
  try {
    space.check(params);
    return true;
  } catch (const InputError&) {
    return false;  // queued for another space (an ask may search any)
  }
}

}  // namespace

std::optional<AskResult> Study::claim_enqueued(std::int64_t max_trials, const SearchSpace& space,
                                               nlohmann::json attrs) {
  // Another process may have queued since this Study read its definition.
  if (auto current = storage_->find_study(name())) record_ = std::move(*current);
  const auto& queue = record_.spec.enqueued;
  if (queue.empty()) return std::nullopt;
  for (;;) {
    const auto held = static_cast<std::int64_t>(trials().size());
    const auto claimed = claimed_indices(trials());
    std::size_t index = 0;
    while (index < queue.size() && (claimed.contains(static_cast<std::int64_t>(index)) || !fits(space, queue[index])))
      ++index;
    if (index == queue.size() || held >= max_trials) return std::nullopt;
    attrs[kEnqueuedAttr] = index;
    // Only while the study holds what was read: of asks racing for one
    // configuration exactly one stores it, the others read again.
    if (const auto created = storage_->create_trial_within(record_.id, attrs, held + 1, queue[index])) {
      declare_asked_with(space, attrs);
      return AskResult{created->number, created->params};
    }
  }
}

std::optional<AskResult> Study::ask_within(std::int64_t max_trials, const SearchSpace& space,
                                           Sampler& sampler, const nlohmann::json& system_attrs) {
  auto attrs = system_attrs.is_object() ? system_attrs : nlohmann::json::object();
  attrs[kSamplerAttr] = sampler.name();
  attrs[kSearchSpaceAttr] = to_ordered_json(space).dump();
  if (auto enqueued = claim_enqueued(max_trials, space, attrs)) return enqueued;
  // Suggest first, then store the trial with its params in one transaction:
  // a failure in between (a full disk, a sampler error) stores nothing,
  // rather than a RUNNING trial without params that uses up the budget.
  // The number is the one the trial will get unless another worker creates
  // one first.
  const auto expected_number = static_cast<std::int64_t>(trials().size());
  if (expected_number >= max_trials) return std::nullopt;
  ParamMap params = suggest(space, sampler, expected_number);
  const auto created = storage_->create_trial_within(record_.id, attrs, max_trials, params);
  if (!created) return std::nullopt;
  declare_asked_with(space, attrs);
  if (created->number != expected_number) {
    // Another worker took that number: suggest again for ours, as seeded
    // samplers would otherwise repeat its point. The trial already holds
    // valid params should this second write fail.
    params = suggest(space, sampler, created->number);
    storage_->set_trial_params(created->id, params);
  }
  return AskResult{created->number, std::move(params)};
}

ParamMap Study::suggest(const SearchSpace& space, Sampler& sampler, std::int64_t number) const {
  std::span<const Trial> history;
  if (sampler.history_need() == HistoryNeed::Trials) history = trials();
  SamplingContext context{record_.spec, space, history, number, warm_start_ ? &*warm_start_ : nullptr};
  return space.decode(sampler.suggest(context));
}

Trial Study::tell(std::int64_t number, const TrialResult& result) {
  auto trial = storage_->find_trial(record_.id, number);
  if (!trial) {
    throw NotFoundError(fmt::format(
        "trial {} not found in study '{}'; list its trials with 'ecopt trials'", number, name()));
  }
  if (is_finished(trial->state)) {
    throw InputError(fmt::format(
        "trial {} of study '{}' is already {}; a finished trial cannot be told again", number,
        name(), to_string(trial->state)));
  }
  check_values(record_.spec, number, result);
  TrialResult checked = result;
  if (checked.user_attrs.is_null()) checked.user_attrs = nlohmann::json::object();
  if (!checked.user_attrs.is_object()) {
    throw InputError(fmt::format("user attributes for trial {} must be a JSON object, got {}",
                                 number, checked.user_attrs.dump()));
  }
  // Told records are stored as the one writer writes them (InputError
  // naming a malformed one): what a report shows is what C++ derived.
  checked.user_attrs = with_normalised_energy(checked.user_attrs);
  stated_standard_errors(record_.spec, checked.user_attrs);  // InputError when malformed
  storage_->finish_trial(trial->id, checked);
  return *storage_->find_trial(record_.id, number);
}

void Study::read_changes() const {
  auto changes = storage_->trials_changed_since(record_.id, read_version_);
  read_version_ = changes.version;
  for (auto& trial : changes.trials) {
    change_log_.push_back(trial.number);
    // New trials almost always come last: numbers grow with creation.
    auto at = std::lower_bound(trials_.begin(), trials_.end(), trial.number,
                               [](const Trial& t, std::int64_t number) { return t.number < number; });
    if (at != trials_.end() && at->number == trial.number) {
      *at = std::move(trial);
    } else {
      trials_.insert(at, std::move(trial));
    }
  }
}

const std::vector<Trial>& Study::trials() const {
  read_changes();
  return trials_;
}

std::vector<const Trial*> Study::changed_trials(std::size_t& position) const {
  read_changes();
  std::vector<std::int64_t> numbers(change_log_.begin() + static_cast<std::ptrdiff_t>(position),
                                    change_log_.end());
  position = change_log_.size();
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::vector<const Trial*> changed;
  for (const std::int64_t number : numbers) {
    changed.push_back(&*std::lower_bound(
        trials_.begin(), trials_.end(), number,
        [](const Trial& t, std::int64_t n) { return t.number < n; }));
  }
  return changed;
}

StudyFront Study::front() const { return front_of(trials(), record_.spec); }

std::vector<Trial> Study::best_trials() const { return front().members(); }

std::vector<Trial> Study::best_trials_by_posterior_mean() const {
  const std::vector<Trial>& all = trials();
  // Another process's first ask may have declared the space since this
  // Study read its definition.
  if (record_.spec.search_space.is_null()) {
    if (auto current = storage_->find_study(name())) record_ = std::move(*current);
  }
  std::vector<Trial> members;
  for (const std::int64_t number : posterior_mean_front_numbers(record_, all)) {
    members.push_back(*std::lower_bound(all.begin(), all.end(), number,
                                        [](const Trial& t, std::int64_t n) { return t.number < n; }));
  }
  return members;
}

RelatedHistory related_history(const Study& related, const StudySpec& spec, const SearchSpace& space) {
  RelatedHistory warm{related.spec(), {}};
  for (const Trial& trial : related.trials()) {
    if (trial.state == TrialState::Complete) warm.trials.push_back(trial);
  }
  if (warm.trials.empty()) {
    throw InputError(fmt::format("study '{}' has no COMPLETE trial to warm-start '{}' from; finish some first",
                                 related.name(), spec.name));
  }
  if (related.spec().objectives.size() != spec.objectives.size()) {
    throw InputError(fmt::format("study '{}' has {} objectives and '{}' {}: a warm start needs the same objectives "
                                 "(their values may be shifted or scaled)",
                                 related.name(), related.spec().objectives.size(), spec.name, spec.objectives.size()));
  }
  std::set<std::string> seen;
  for (const Trial& trial : warm.trials) {
    for (const auto& [parameter, value] : trial.params) {
      if (!space.find(parameter)) {
        throw InputError(fmt::format("study '{}' has parameter '{}', which '{}' does not search: a warm start "
                                     "needs the same parameter names",
                                     related.name(), parameter, spec.name));
      }
      seen.insert(parameter);
    }
  }
  for (const Parameter& parameter : space.parameters()) {
    if (!seen.contains(parameter.name)) {
      throw InputError(fmt::format("study '{}' never tried parameter '{}', which '{}' searches: a warm start needs "
                                   "the same parameter names",
                                   related.name(), parameter.name, spec.name));
    }
  }
  return warm;
}

}  // namespace ecopt
