#include "ecopt/study/budget.hpp"

#include "ecopt/core/printable.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "ecopt/core/attributes.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/worker.hpp"

namespace ecopt {

namespace {

constexpr double kJoulesPerKwh = 3.6e6;

std::string format_hours(double seconds) {
  const auto minutes = static_cast<long long>(std::llround(seconds / 60.0));
  if (seconds < 60.0) return fmt::format("{:.3g}s", seconds);
  return fmt::format("{}h{:02}m", minutes / 60, minutes % 60);
}

}  // namespace

std::vector<const Trial*> in_finishing_order(const std::vector<Trial>& trials) {
  std::vector<const Trial*> finished;
  for (const Trial& trial : trials) {
    if (is_finished(trial.state) && trial.finished_at) finished.push_back(&trial);
  }
  std::sort(finished.begin(), finished.end(), [](const Trial* a, const Trial* b) {
    return std::tie(*a->finished_at, a->number) < std::tie(*b->finished_at, b->number);
  });
  return finished;
}

TuningCurve tuning_curve(const std::vector<Trial>& trials, const StudySpec& spec, const CarbonOptions& carbon) {
  TuningCurve curve;
  curve.reference = fixed_reference(trials, spec);
  StudyFront front(spec);
  for (const Trial* trial : in_finishing_order(trials)) {
    curve.tuning.add(*trial);
    front.add(*trial);
    const TuningCarbon own = tuning_carbon(std::span<const Trial>(trial, 1), carbon);
    curve.carbon.grams_co2e += own.grams_co2e;
    curve.carbon.at_static += own.at_static;
    for (const auto& source : own.sources) {
      if (std::find(curve.carbon.sources.begin(), curve.carbon.sources.end(), source) == curve.carbon.sources.end())
        curve.carbon.sources.push_back(source);
    }
    TuningPoint point{trial, curve.tuning.total_j(), curve.carbon.grams_co2e, 0.0};
    if (curve.reference) point.hypervolume = front.hypervolume(*curve.reference);
    curve.points.push_back(point);
  }
  return curve;
}

bool counts_toward_n_trials(TrialState state) {
  return state == TrialState::Complete || state == TrialState::Pruned;
}

StudyBudget read_budget(const nlohmann::json& options, const std::string& owner, const BudgetKeys& keys) {
  const OptionReader reader(options, owner);
  const auto optional_number = [&](const char* key, double low, double high) -> std::optional<double> {
    if (!options.contains(key)) return std::nullopt;
    return reader.number(key, 0.0, low, high);
  };
  StudyBudget budget;
  budget.energy_kwh = optional_number(keys.energy_kwh, 1e-12, 1e9);
  budget.carbon_kg = optional_number(keys.carbon_kg, 1e-12, 1e9);
  if (options.contains(keys.wall_time)) budget.wall_time_s = reader.duration_s(keys.wall_time, 0.0, 1.0, 1e8);
  budget.min_hypervolume_per_kwh = optional_number(keys.min_hypervolume_per_kwh, 0.0, 1e300);
  if (options.contains(keys.hypervolume_window)) {
    budget.hypervolume_window = static_cast<int>(reader.integer(keys.hypervolume_window, 0, 1, 100'000));
  }
  return budget;
}

std::string describe(const StudyBudget& budget) {
  std::vector<std::string> limits;
  if (budget.energy_kwh) limits.push_back(fmt::format("energy {:g} kWh", *budget.energy_kwh));
  if (budget.carbon_kg) limits.push_back(fmt::format("carbon {:g} kg CO2e", *budget.carbon_kg));
  if (budget.wall_time_s) limits.push_back(fmt::format("wall time {}", format_hours(*budget.wall_time_s)));
  if (budget.min_hypervolume_per_kwh) {
    limits.push_back(fmt::format("at least {:g} hypervolume per kWh over the last {} trials",
                                 *budget.min_hypervolume_per_kwh,
                                 budget.hypervolume_window.value_or(kDefaultHypervolumeWindow)));
  }
  if (limits.empty()) return "none";
  return fmt::format("{}", fmt::join(limits, ", "));
}

double study_running_time_s(std::span<const Trial> trials) {
  std::vector<std::pair<TimePoint, TimePoint>> windows;
  for (const Trial& trial : trials) {
    if (trial.finished_at && *trial.finished_at > trial.started_at)
      windows.emplace_back(trial.started_at, *trial.finished_at);
  }
  std::sort(windows.begin(), windows.end());
  double total_s = 0.0;
  std::optional<std::pair<TimePoint, TimePoint>> open;
  for (const auto& window : windows) {
    if (open && window.first <= open->second) {
      open->second = std::max(open->second, window.second);
      continue;
    }
    if (open) total_s += std::chrono::duration<double>(open->second - open->first).count();
    open = window;
  }
  if (open) total_s += std::chrono::duration<double>(open->second - open->first).count();
  return total_s;
}

std::optional<HypervolumeGain> recent_hypervolume_gain(const std::vector<Trial>& trials, const StudySpec& spec,
                                                       int window) {
  const auto reference = fixed_reference(trials, spec);
  const auto finished = in_finishing_order(trials);
  const auto size = static_cast<std::size_t>(window);
  if (!reference || finished.size() <= size) return std::nullopt;
  StudyFront front(spec);
  for (std::size_t i = 0; i + size < finished.size(); ++i) front.add(*finished[i]);
  const double before = front.hypervolume(*reference);
  // Before a front with volume has formed, nothing was gained yet nor can
  // returns diminish: the rule waits.
  if (!(before > 0.0)) return std::nullopt;
  // The window's energy as the budgets and the tuning curve count it: each
  // trial's own record and the tuner's work for it.
  TuningEnergy spent;
  for (std::size_t i = finished.size() - size; i < finished.size(); ++i) {
    spent.add(*finished[i]);
    front.add(*finished[i]);
  }
  if (spent.unmeasured > 0 || !(spent.total_j() > 0.0)) return std::nullopt;
  HypervolumeGain gain;
  gain.kwh = spent.total_j() / kJoulesPerKwh;
  gain.hypervolume = front.hypervolume(*reference) - before;
  return gain;
}

std::optional<StoppedBy> stopped_by(const StudyRecord& record) {
  const auto stored = record.user_attrs.find(kStoppedByStudyAttr);
  if (stored == record.user_attrs.end() || !stored->is_object()) return std::nullopt;
  const auto text = [&](const char* key) {
    const auto value = stored->find(key);
    return value != stored->end() && value->is_string() ? value->get<std::string>() : std::string();
  };
  StoppedBy stop{text("rule"), text("message"), text("at"), std::nullopt};
  const auto answered = stored->find("trials_answered");
  if (answered != stored->end() && answered->is_number_integer()) stop.trials_answered = answered->get<std::int64_t>();
  return stop;
}

StudyRules::StudyRules(StudyBudget budget, FailureLimits limits, CarbonOptions carbon)
    : budget_(std::move(budget)), limits_(std::move(limits)), carbon_(std::move(carbon)) {}

void StudyRules::record(const Trial& told) {
  if (told.state != TrialState::Failed) {
    same_ = 0;
    return;
  }
  const std::string reason = told.fail_reason.value_or("");
  if (reason == kInterruptedFailReason) return;  // the user's stop, not the trial's failure
  ++failed_;
  same_ = reason == last_reason_ ? same_ + 1 : 1;
  last_reason_ = reason;
}

std::optional<StopReason> StudyRules::check_failures() const {
  if (same_ > 0 && same_ >= limits_.stop_after_same_failures) {
    return StopReason{true, "stop_after_same_failures",
                      fmt::format("{} trials in a row failed with: {}; fix the [task] settings in {} (or raise "
                                  "[study] stop_after_same_failures); the whole reason is above",
                                  same_, first_line(last_reason_), limits_.origin)};
  }
  if (failed_ > 0 && failed_ >= limits_.max_failed_trials) {
    return StopReason{true, "max_failed_trials",
                      fmt::format("{} failed trial{} in this run, the limit ([study] max_failed_trials = {}); the "
                                  "last with: {}; see why with 'ecopt trials', fix {} (or raise the limit)",
                                  failed_, failed_ == 1 ? "" : "s", limits_.max_failed_trials, last_reason_,
                                  limits_.origin)};
  }
  return std::nullopt;
}

std::vector<BudgetProgress> budget_progress(const StudyBudget& budget, const std::vector<Trial>& trials,
                                            const StudySpec& spec, const TuningEnergy& tuning,
                                            const CarbonOptions& carbon) {
  std::vector<BudgetProgress> progress;
  const auto quota = [&](const char* rule, double used, double limit, const char* spent, std::string status) {
    const bool reached = used >= limit;
    progress.push_back({rule, used / limit, reached, status, reached ? spent + status : std::string()});
  };
  // The trials' energy and the tuner's own work between them (total_j).
  if (budget.energy_kwh) {
    const double kwh = tuning.total_j() / kJoulesPerKwh;
    quota("energy_kwh", kwh, *budget.energy_kwh, "the energy budget is spent: ",
          fmt::format("tuning energy {:.4g} kWh ({}) of {:g} kWh", kwh, tuning.labelled_source(),
                      *budget.energy_kwh));
  }
  if (budget.carbon_kg) {
    const auto spent = tuning_carbon(trials, carbon);
    const double kg = spent.grams_co2e / 1000.0;
    quota("carbon_kg", kg, *budget.carbon_kg, "the carbon budget is spent: ",
          fmt::format("tuning carbon {:.4g} kg CO2e ({}) of {:g} kg", kg, spent.labelled_source(carbon),
                      *budget.carbon_kg));
  }
  if (budget.wall_time_s) {
    const double running_s = study_running_time_s(trials);
    quota("wall_time", running_s, *budget.wall_time_s, "the wall-time budget is spent: ",
          fmt::format("trials ran {} of {}", format_hours(running_s), format_hours(*budget.wall_time_s)));
  }
  if (budget.min_hypervolume_per_kwh) {
    const double least = *budget.min_hypervolume_per_kwh;
    const int window = budget.hypervolume_window.value_or(kDefaultHypervolumeWindow);
    const auto gain = recent_hypervolume_gain(trials, spec, window);
    BudgetProgress returns{"min_hypervolume_per_kwh", std::nullopt, gain && gain->per_kwh() < least, {}, {}};
    returns.status =
        gain ? fmt::format("the last {} trials added hypervolume {:.4g} for {:.4g} kWh, {:.4g} per kWh, {} {:g}",
                           window, gain->hypervolume, gain->kwh, gain->per_kwh(),
                           returns.reached ? "below" : "at least", least)
             : fmt::format("not judged yet: it needs more than {} finished trials, a front with volume and the "
                           "last {} trials' tuning energy measured; it stops a run below {:g} hypervolume per kWh",
                           window, window, least);
    if (returns.reached) returns.message = "diminishing returns: " + returns.status;
    progress.push_back(std::move(returns));
  }
  return progress;
}

BudgetProgress trials_progress(const std::vector<Trial>& trials, std::int64_t n_trials) {
  const auto answered = std::count_if(trials.begin(), trials.end(),
                                      [](const Trial& trial) { return counts_toward_n_trials(trial.state); });
  return {"n_trials", static_cast<double>(answered) / static_cast<double>(n_trials), answered >= n_trials,
          fmt::format("{} of {} trials answered (COMPLETE or PRUNED)", answered, n_trials), {}};
}

StoredRunSettings stored_run_settings(const StudyRecord& record) {
  const auto file = record.user_attrs.find(kStudyFileAttr);
  if (file == record.user_attrs.end() || !file->is_object()) return {};
  const StudyFile stored = study_file_from_json(
      nlohmann::ordered_json(*file), fmt::format("the study file stored with study '{}'", record.spec.name));
  return {stored.n_trials, stored.energy.carbon};
}

std::optional<StopReason> StudyRules::check(const std::vector<Trial>& trials, const StudySpec& spec,
                                            const TuningEnergy& tuning) const {
  if (auto failure = check_failures()) return failure;
  for (auto& rule : budget_progress(budget_, trials, spec, tuning, carbon_)) {
    if (rule.reached) return StopReason{false, std::move(rule.rule), std::move(rule.message)};
  }
  return std::nullopt;
}

void hold_while_carbon_intense(const IntensitySource& source, const CarbonHold& hold,
                               const std::atomic<bool>& stop, std::ostream& out) {
  const auto started = std::chrono::steady_clock::now();
  const auto waited_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  bool held = false;
  while (!stop) {
    const IntensityReading reading = source.now();
    if (reading.g_per_kwh <= hold.above_g_per_kwh) {
      if (held) {
        out << fmt::format("carbon hold: intensity {:g} gCO2e/kWh ({}) is at or below {:g}; going on after {}\n",
                           reading.g_per_kwh, reading.source, hold.above_g_per_kwh, format_hours(waited_s()));
      }
      break;
    }
    if (waited_s() >= hold.max_wait_s) {
      out << fmt::format("carbon hold: intensity {:g} gCO2e/kWh ({}) is still above {:g} after the longest wait "
                         "({}, [energy] hold_max_wait); running the next trial anyway\n",
                         reading.g_per_kwh, reading.source, hold.above_g_per_kwh, format_hours(hold.max_wait_s));
      break;
    }
    if (!held) {
      out << fmt::format("carbon hold: intensity {:g} gCO2e/kWh ({}) is above {:g} ([energy] hold_above_g_per_kwh); "
                         "holding new trials, asking again every {} for at most {}\n",
                         reading.g_per_kwh, reading.source, hold.above_g_per_kwh, format_hours(hold.poll_s),
                         format_hours(hold.max_wait_s));
    }
    out << std::flush;
    held = true;
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::duration<double>(std::min(hold.poll_s, std::max(0.0, hold.max_wait_s - waited_s())));
    while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out << std::flush;
}

}  // namespace ecopt
