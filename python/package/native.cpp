// ecopt._native: the C++ core behind the Python package. JSON text crosses
// the boundary and the Python side (python/package/ecopt) turns it into
// objects, so this file adapts types and never decides anything itself.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/study.hpp"

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
  return SamplerOptions{seed, initial_trials, nlohmann::json::parse(extra_text)};
}

// A study and the storage it lives in (Study keeps a pointer to it).
class StudyHandle {
 public:
  static StudyHandle create(const std::string& url, const std::string& spec_text,
                            bool load_if_exists) {
    auto storage = open_storage(url);
    const StudySpec spec = study_spec_from_json(nlohmann::json::parse(spec_text));
    Study study = load_if_exists ? Study::load_or_create(*storage, spec)
                                 : Study::create(*storage, spec);
    return StudyHandle(std::move(storage), std::move(study));
  }
  static StudyHandle load(const std::string& url, const std::string& name) {
    auto storage = open_storage(url);
    Study study = Study::load(*storage, name);
    return StudyHandle(std::move(storage), std::move(study));
  }

  std::string spec() const { return to_json(study_.spec()).dump(); }

  std::string ask(const std::string& space_text, const std::string& sampler_name,
                  std::uint64_t seed, std::int64_t initial_trials, const std::string& extra_text) {
    const SearchSpace space = search_space_from_json_text(space_text);
    auto sampler = make_sampler(sampler_name, sampler_options(seed, initial_trials, extra_text));
    const AskResult asked = study_.ask(space, *sampler);
    return nlohmann::json{{"number", asked.number}, {"params", to_json(asked.params)}}.dump();
  }

  std::string tell(std::int64_t number, const std::string& state, const std::vector<double>& values,
                   const std::string& user_attrs_text, const std::optional<std::string>& fail_reason) {
    const TrialResult result{parse_trial_state(state), values,
                             nlohmann::json::parse(user_attrs_text), fail_reason};
    return to_json(study_.tell(number, result)).dump();
  }

  std::string trials() const { return trials_text(study_.trials()); }
  std::string best_trials() const { return trials_text(study_.best_trials()); }

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
  const StudySpec spec = study_spec_from_json(nlohmann::json::parse(spec_text));
  const SearchSpace space = search_space_from_json_text(space_text);
  std::vector<Trial> history;
  for (const auto& entry : nlohmann::json::parse(trials_json)) {
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
  std::string end_window(const std::string& name) {
    return to_json(monitor_->end_window(name)).dump();
  }

 private:
  std::unique_ptr<EnergyMonitor> monitor_;
  std::vector<std::string> unavailable_;
  std::vector<std::string> warnings_;
};

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
      .def("tell", &StudyHandle::tell)
      .def("trials", &StudyHandle::trials)
      .def("best_trials", &StudyHandle::best_trials);

  module.def("suggest", &suggest);

  py::class_<MonitorHandle>(module, "MonitorHandle")
      .def(py::init<const std::vector<std::string>&, const std::string&>())
      .def("meters", &MonitorHandle::meters)
      .def("unavailable", &MonitorHandle::unavailable)
      .def("warnings", &MonitorHandle::warnings)
      .def("measure_idle", &MonitorHandle::measure_idle, py::call_guard<py::gil_scoped_release>())
      .def("begin_window", &MonitorHandle::begin_window)
      .def("end_window", &MonitorHandle::end_window);
}
