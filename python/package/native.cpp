// ecopt._native: the C++ core behind the Python package. JSON text crosses
// the boundary and the Python side (python/package/ecopt) turns it into
// objects, so this file adapts types and never decides anything itself.
#include <pybind11/iostream.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/optuna_export.hpp"
#include "ecopt/study/pruning.hpp"
#include "ecopt/study/runner.hpp"
#include "ecopt/study/study.hpp"
#include "ecopt/study/study_file.hpp"
#include "ecopt/study/trial_selection.hpp"
#include "ecopt/tasks/phases.hpp"
#include "ecopt/tasks/task.hpp"

namespace py = pybind11;

namespace ecopt {
namespace {

std::string trials_text(const std::vector<Trial>& trials) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& trial : trials) list.push_back(to_json(trial));
  return list.dump();
}

SamplerOptions sampler_options(std::uint64_t seed, std::int64_t initial_trials,
                               const std::string& extra_text) {
  return SamplerOptions{seed, initial_trials, parse_json_input(extra_text, "the sampler options")};
}

// A study and the storage it lives in (Study keeps a pointer to it).
class StudyHandle {
 public:
  static StudyHandle create(const std::string& url, const std::string& spec_text,
                            bool load_if_exists) {
    auto storage = open_storage(url);
    const StudySpec spec = study_spec_from_json(parse_json_input(spec_text, "the study spec"));
    Study study = load_if_exists ? Study::load_or_create(*storage, spec)
                                 : Study::create(*storage, spec);
    return StudyHandle(std::move(storage), std::move(study));
  }
  static StudyHandle load(const std::string& url, const std::string& name) {
    auto storage = open_storage(url, {.access = StorageAccess::Existing});
    Study study = Study::load(*storage, name);
    return StudyHandle(std::move(storage), std::move(study));
  }

  std::string spec() const { return to_json(study_.spec()).dump(); }

  std::string ask(const std::string& space_text, const std::string& sampler_name,
                  std::uint64_t seed, std::int64_t initial_trials, const std::string& extra_text) {
    const SearchSpace space = space_text.empty() ? study_.declared_space() : search_space_from_json_text(space_text);
    const SamplerOptions options = sampler_options(seed, initial_trials, extra_text);
    auto sampler = make_sampler(sampler_name, options);
    const AskResult asked = study_.ask(space, *sampler, sampler_options_attrs(options));
    return nlohmann::json{{"number", asked.number}, {"params", to_json(asked.params)}}.dump();
  }

  // {"index": i, "added": bool, "params": {...}}: Study::enqueue; an empty
  // space text checks against the declared space.
  std::string enqueue(const std::string& params_text, const std::string& space_text, bool skip_if_queued) {
    const ParamMap params = param_map_from_json(parse_json_input(params_text, "the enqueued params"));
    const auto queued = study_.enqueue(
        params, space_text.empty() ? std::nullopt : std::optional(search_space_from_json_text(space_text)),
        skip_if_queued);
    return nlohmann::json{{"index", queued.index}, {"added", queued.added}, {"params", to_json(queued.configuration)}}
        .dump();
  }

  std::string tell(std::int64_t number, const std::string& state, const std::vector<double>& values,
                   const std::string& user_attrs_text, const std::optional<std::string>& fail_reason) {
    const TrialResult result{parse_trial_state(state), values,
                             parse_json_input(user_attrs_text, "user_attrs"), fail_reason};
    return to_json(study_.tell(number, result)).dump();
  }

  // Stores a point of trial `number`'s learning curve; the reason it should
  // stop by the study's pruning rules (docs/pruning.md), or None.
  std::optional<std::string> report(std::int64_t number, std::int64_t step,
                                    const std::string& values_text,
                                    std::optional<std::int64_t> last_step, const std::string& pruner) {
    const IntermediateReport report{step, parse_json_input(values_text, "the intermediate values"),
                                    last_step};
    PruningConfig config = stored_pruning_config(study_.record());
    if (!pruner.empty()) config.rule = parse_pruning_rule(pruner);
    return report_intermediate(study_, config, number, report);
  }

  std::string trials() const { return trials_text(study_.trials()); }
  std::string best_trials() const { return trials_text(study_.best_trials()); }
  std::string best_trials_by_posterior_mean() const {
    return trials_text(study_.best_trials_by_posterior_mean());
  }
  // {"candidates": [...], "picked": trial or null, "rule": "..."}, as
  // `ecopt best-trials --where --pick` decides it.
  std::string select(const std::string& where, const std::string& pick) const {
    const Selection selection = select_trials(study_.trials(), study_.spec(), parse_limits(where),
                                              pick.empty() ? PickRule{} : parse_pick(pick));
    return nlohmann::json{{"candidates", nlohmann::json::parse(trials_text(selection.candidates))},
                          {"picked", selection.picked ? to_json(*selection.picked) : nlohmann::json()},
                          {"rule", selection.rule}}
        .dump();
  }

 private:
  StudyHandle(std::unique_ptr<Storage> storage, Study study)
      : storage_(std::move(storage)), study_(std::move(study)) {}

  std::unique_ptr<Storage> storage_;
  Study study_;
};

// One suggestion from a history held elsewhere (Optuna's storage, for
// EcoptSampler): trials as {number, state, params, values, user_attrs}.
std::string suggest(const std::string& spec_text, const std::string& space_text,
                    const std::string& trials_json, std::int64_t trial_number,
                    const std::string& sampler_name, std::uint64_t seed,
                    std::int64_t initial_trials, const std::string& extra_text) {
  const StudySpec spec = study_spec_from_json(parse_json_input(spec_text, "the study spec"));
  const SearchSpace space = search_space_from_json_text(space_text);
  std::vector<Trial> history;
  for (const auto& entry : parse_json_input(trials_json, "the trial history")) {
    Trial& trial = history.emplace_back();
    trial.number = entry.at("number").get<std::int64_t>();
    trial.state = parse_trial_state(entry.at("state").get<std::string>());
    trial.params = param_map_from_json(entry.value("params", nlohmann::json::object()));
    trial.values = entry.value("values", std::vector<double>{});
    trial.user_attrs = entry.value("user_attrs", nlohmann::json::object());
  }
  auto sampler = make_sampler(sampler_name, sampler_options(seed, initial_trials, extra_text));
  const auto point = sampler->suggest({spec, space, history, trial_number});
  return to_json(space.decode(point)).dump();
}

// `ecopt export --to optuna` from Python; returns the number of trials.
std::size_t export_study_to_optuna(const std::string& url, const std::string& study_name,
                                   const std::string& out_url, const std::string& out_study_name) {
  auto storage = open_storage(url, {.access = StorageAccess::ReadOnly});
  return export_to_optuna(*storage, study_name, out_url, out_study_name);
}

// The meters this machine has, behind named windows.
class MonitorHandle {
 public:
  MonitorHandle(const std::vector<std::string>& devices, const std::string& nvml_library) {
    DiscoveryOptions options;
    options.devices = devices;
    if (!nvml_library.empty()) options.nvml_library = nvml_library;
    Discovery found = discover_meters(options);
    unavailable_ = std::move(found.unavailable);
    warnings_ = std::move(found.warnings);
    if (found.meters.empty()) {
      std::string reasons;
      for (const auto& line : unavailable_) reasons += (reasons.empty() ? "" : "; ") + line;
      throw UnavailableError("no energy meter found (" + reasons + ")");
    }
    monitor_ = std::make_unique<EnergyMonitor>(std::move(found.meters));
  }

  std::vector<std::string> meters() const {
    std::vector<std::string> lines;
    for (const auto& meter : monitor_->meters()) lines.push_back(meter->description());
    return lines;
  }
  const std::vector<std::string>& unavailable() const { return unavailable_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

  void measure_idle(double seconds) {
    monitor_->measure_idle_baseline(
        std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0)));
  }
  void begin_window(const std::string& name) { monitor_->begin_window(name); }
  // The window with the marks its record would carry (resolution, shared,
  // flags), derived by the record's own rules.
  std::string end_window(const std::string& name) {
    const WindowResult window = monitor_->end_window(name);
    const EnergyRecord record = energy_record(name, window);
    auto json = to_json(window);
    json["resolution_j"] = record.resolution_j;
    json["resolved"] = record.resolved();
    json["shared"] = record.shared;
    json["flags"] = record.flags();
    return json.dump();
  }
  EnergyMonitor& monitor() { return *monitor_; }

 private:
  std::unique_ptr<EnergyMonitor> monitor_;
  std::vector<std::string> unavailable_;
  std::vector<std::string> warnings_;
};

// The pruning decision for a history held elsewhere (Optuna's storage,
// for ecopt.optuna.EcoptPruner): trials as {number, state, values,
// intermediate: {step: {metric: value}}}, the config as to_json(PruningConfig).
std::optional<std::string> prune_reason_for(const std::string& spec_text, const std::string& config_text,
                                            const std::string& trials_json, std::int64_t number,
                                            const std::string& report_text) {
  const StudySpec spec = study_spec_from_json(parse_json_input(spec_text, "the study spec"));
  auto config_json = parse_json_input(config_text, "the pruner settings");
  PruningConfig config;
  for (const auto& bound : config_json.value("best_plausible", nlohmann::json::array())) {
    config.best_plausible.push_back(bound.is_number() ? std::optional(bound.get<double>()) : std::nullopt);
  }
  config.energy_first = config_json.value("energy_first", true);
  config_json.erase("best_plausible");
  config_json.erase("energy_first");
  config = read_pruning_table(config_json, config, "ecopt.optuna.EcoptPruner");
  std::vector<Trial> history;
  for (const auto& entry : parse_json_input(trials_json, "the trial history")) {
    Trial& trial = history.emplace_back();
    trial.number = entry.at("number").get<std::int64_t>();
    trial.state = parse_trial_state(entry.at("state").get<std::string>());
    trial.values = entry.value("values", std::vector<double>{});
    trial.intermediate = intermediate_from_json(entry.value("intermediate", nlohmann::json::object()));
  }
  const auto report_json = parse_json_input(report_text, "the report");
  IntermediateReport report{report_json.at("step").get<std::int64_t>(),
                            report_json.value("values", nlohmann::json::object()), std::nullopt};
  if (report_json.contains("last_step") && !report_json["last_step"].is_null()) {
    report.last_step = report_json["last_step"].get<std::int64_t>();
  }
  return prune_reason(spec, config, history, number, report);
}

// One trial of ecopt.optimize as its objective sees it: the parameters
// the runner asked for, and phases measured in the runner's monitor by the
// same PhaseWindows as a command's protocol lines. Usable only while the
// trial runs; Python may keep the object longer.
class TrialHandle {
 public:
  TrialHandle(TaskContext& context, std::vector<std::string> objective_names)
      : context_(&context), phases_(context.monitor), objective_names_(std::move(objective_names)) {}

  std::int64_t number() const { return open().trial_number; }
  const std::vector<std::string>& objective_names() const { return objective_names_; }
  std::string params() const { return to_json(open().params).dump(); }

  // The trial's value of `name`, whose distribution (Optuna's JSON, from
  // suggest_*) must be the one the study's space declares.
  std::string suggest(const std::string& name, const std::string& distribution_text) const {
    const TaskContext& context = open();
    const Parameter* declared = context.space ? context.space->find(name) : nullptr;
    if (!declared) {
      throw InputError(fmt::format("parameter '{}' is not in the study's search space; declare it "
                                   "in [space.{}] (settings[\"space\"] from Python)",
                                   name, name));
    }
    const auto asked = search_space_from_json(
        nlohmann::json{{name, parse_json_input(distribution_text, "the distribution")}});
    if (asked.parameters().front().distribution != declared->distribution) {
      throw InputError(fmt::format(
          "the objective suggests '{}' as {} but the study's space declares {}; make them the same",
          name, optuna_distribution_json(asked.parameters().front().distribution).dump(),
          optuna_distribution_json(declared->distribution).dump()));
    }
    const auto value = context.params.find(name);
    if (value == context.params.end()) {
      throw InputError(fmt::format("parameter '{}' is inactive in trial {} (its condition on '{}' "
                                   "does not hold); suggest it only when it does",
                                   name, context.trial_number,
                                   declared->condition ? declared->condition->parent : ""));
    }
    return to_json(value->second).dump();
  }

  void begin_phase(const std::string& phase) {
    open();
    phases_.begin(phase);
  }
  // The metrics the phase added and its energy record, as JSON.
  std::string end_phase(const std::string& phase, std::int64_t samples) {
    open();
    nlohmann::json added = nlohmann::json::object();
    phases_.end(phase, samples, added);
    metrics_.update(added);
    return nlohmann::json{{"metrics", added}, {"record", to_json(phases_.records().back())}}.dump();
  }
  std::string metrics() const { return metrics_.dump(); }

  // A point of the learning curve, through the runner's pruning path; its
  // answer is kept for should_prune.
  void report(std::int64_t step, const std::string& values_text,
              std::optional<std::int64_t> last_step) {
    const TaskContext& context = open();
    const IntermediateReport report{step, parse_json_input(values_text, "the intermediate values"),
                                    last_step};
    if (context.report) prune_reason_ = context.report(report);
    metrics_.update(report.values);  // a stopped trial keeps what it reported
  }
  std::optional<std::string> prune_reason() const { return prune_reason_; }

  // What the trial measured; the handle refuses use from now on. `pruned`:
  // the objective stopped on should_prune (raised ecopt.TrialPruned).
  TaskOutcome finish(const nlohmann::json& returned, bool pruned) {
    phases_.abandon_open();
    context_ = nullptr;
    TaskOutcome outcome;
    outcome.metrics = metrics_;
    outcome.metrics.update(returned);
    outcome.energy = phases_.records();
    if (pruned) outcome.pruned_reason = prune_reason_.value_or("pruned by the objective");
    return outcome;
  }
  void abandon() {
    phases_.abandon_open();
    context_ = nullptr;
  }

 private:
  const TaskContext& open() const {
    if (!context_) {
      throw InputError("this trial has ended; use a trial only inside the objective call it was "
                       "given to");
    }
    return *context_;
  }

  TaskContext* context_;
  PhaseWindows phases_;
  std::vector<std::string> objective_names_;
  nlohmann::json metrics_ = nlohmann::json::object();
  std::optional<std::string> prune_reason_;
};

// ecopt.optimize's objective as a task of the runner: `run_trial` (the
// Python side, ecopt/_optimize.py) calls it with a TrialHandle and returns
// its metrics as JSON text.
class PythonTask final : public Task {
 public:
  PythonTask(py::object run_trial, const StudySpec& spec) : run_trial_(std::move(run_trial)) {
    for (const auto& objective : spec.objectives) objective_names_.push_back(objective.name);
  }

  std::string kind() const override { return "python"; }
  SearchSpace default_search_space() const override { return SearchSpace(); }
  void check_space(const SearchSpace& space) const override {
    if (space.parameters().empty()) {
      throw InputError("ecopt.optimize needs a search space: [space.<name>] tables in the study "
                       "file, or settings[\"space\"]");
    }
  }

  TaskOutcome run(TaskContext& context) override {
    auto trial = std::make_shared<TrialHandle>(context, objective_names_);
    try {
      // (metrics as JSON text, whether the objective raised ecopt.TrialPruned)
      const auto returned = run_trial_(trial).cast<std::pair<std::string, bool>>();
      return trial->finish(parse_json_input(returned.first, "the objective's metrics"), returned.second);
    } catch (py::error_already_set& error) {
      trial->abandon();
      if (error.matches(PyExc_KeyboardInterrupt)) throw TrialInterrupted();
      throw Error(py::str(error.value()).cast<std::string>());
    } catch (...) {
      trial->abandon();
      throw;
    }
  }

 private:
  py::object run_trial_;
  std::vector<std::string> objective_names_;
};

StudyFile optimize_settings(const std::string& text, bool is_toml, const std::string& origin) {
  if (is_toml) return parse_study_file(text, origin);
  return study_file_from_json(parse_json_input<nlohmann::ordered_json>(text, origin), origin);
}

// Runs the study's trials in this process; returns the storage URL and the
// study's name. Progress lines go to Python's sys.stdout.
std::string optimize(const std::string& settings_text, bool is_toml, const std::string& origin,
                     py::object run_trial, std::int64_t n_trials, const std::string& storage_url,
                     MonitorHandle* monitor) {
  const StudyFile file = optimize_settings(settings_text, is_toml, origin);
  const auto kind = file.task.value("kind", "");
  if (kind != "python") {
    throw InputError(fmt::format("{}: [task] kind = \"{}\" runs with 'ecopt tune'; "
                                 "ecopt.optimize runs kind = \"python\"",
                                 origin, kind));
  }
  PythonTask task(std::move(run_trial), file.spec);
  RunOptions options;
  options.task = &task;
  if (n_trials > 0) options.n_trials = n_trials;
  if (!storage_url.empty()) options.storage_url = storage_url;
  if (monitor) options.monitor = &monitor->monitor();
  py::scoped_ostream_redirect progress(std::cout, py::module_::import("sys").attr("stdout"));
  try {
    run_study(file, options);
  } catch (const StudyInterrupted& interrupted) {
    PyErr_SetString(PyExc_KeyboardInterrupt, interrupted.what());
    throw py::error_already_set();
  }
  return nlohmann::json{{"storage", options.storage_url.value_or(file.storage_url)},
                        {"name", file.spec.name}}
      .dump();
}

}  // namespace
}  // namespace ecopt

PYBIND11_MODULE(_native, module) {
  using namespace ecopt;
  module.doc() = "ECOpt's C++ core; use the ecopt package, not this module.";

  // Every ECOpt error is an ecopt.Error; the kinds keep their meaning.
  static py::exception<Error> error(module, "Error", PyExc_RuntimeError);
  static py::exception<InputError> input_error(module, "InputError", error.ptr());
  static py::exception<NotFoundError> not_found_error(module, "NotFoundError", error.ptr());
  static py::exception<StorageError> storage_error(module, "StorageError", error.ptr());
  static py::exception<UnavailableError> unavailable_error(module, "UnavailableError", error.ptr());
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const InputError& e) {
      input_error(e.what());
    } catch (const NotFoundError& e) {
      not_found_error(e.what());
    } catch (const StorageError& e) {
      storage_error(e.what());
    } catch (const UnavailableError& e) {
      unavailable_error(e.what());
    } catch (const Error& e) {
      error(e.what());
    } catch (const nlohmann::json::exception& e) {
      input_error(e.what());
    }
  });

  py::class_<StudyHandle>(module, "StudyHandle")
      .def_static("create", &StudyHandle::create)
      .def_static("load", &StudyHandle::load)
      .def("spec", &StudyHandle::spec)
      .def("ask", &StudyHandle::ask)
      .def("enqueue", &StudyHandle::enqueue)
      .def("tell", &StudyHandle::tell)
      .def("report", &StudyHandle::report)
      .def("trials", &StudyHandle::trials)
      .def("best_trials", &StudyHandle::best_trials)
      .def("best_trials_by_posterior_mean", &StudyHandle::best_trials_by_posterior_mean)
      .def("select", &StudyHandle::select);

  module.def("suggest", &suggest);
  module.def("prune_reason", &prune_reason_for);
  module.def("export_to_optuna", &export_study_to_optuna);

  py::class_<TrialHandle, std::shared_ptr<TrialHandle>>(module, "TrialHandle")
      .def("number", &TrialHandle::number)
      .def("objective_names", &TrialHandle::objective_names)
      .def("params", &TrialHandle::params)
      .def("suggest", &TrialHandle::suggest)
      .def("begin_phase", &TrialHandle::begin_phase)
      .def("end_phase", &TrialHandle::end_phase)
      .def("metrics", &TrialHandle::metrics)
      .def("report", &TrialHandle::report)
      .def("prune_reason", &TrialHandle::prune_reason);
  module.def("optimize", &optimize);

  py::class_<MonitorHandle>(module, "MonitorHandle")
      .def(py::init<const std::vector<std::string>&, const std::string&>())
      .def("meters", &MonitorHandle::meters)
      .def("unavailable", &MonitorHandle::unavailable)
      .def("warnings", &MonitorHandle::warnings)
      .def("measure_idle", &MonitorHandle::measure_idle, py::call_guard<py::gil_scoped_release>())
      .def("begin_window", &MonitorHandle::begin_window)
      .def("end_window", &MonitorHandle::end_window);
}
