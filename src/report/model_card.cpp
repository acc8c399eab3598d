#include "ecopt/report/model_card.hpp"

#include <cmath>

#include <fmt/format.h>

#include "ecopt/report/escape.hpp"
#include "ecopt/report/metrics.hpp"
#include "report_context.hpp"

namespace ecopt::report {
namespace {

constexpr const char* kNotRecorded = "not recorded";

std::string row(std::string_view label, std::string_view value) {
  return fmt::format("| {} | {} |\n", label, value);
}

std::string attr_or(const Trial& trial, const std::string& key, const char* fallback) {
  if (const auto value = trial.metric(key)) {
    const bool whole = std::floor(*value) == *value && std::abs(*value) < 1e15;
    return whole ? format_count(*value) : fmt::format("{:.6g}", *value);
  }
  const auto text = text_attr(trial, key);
  return text ? markdown_escape(*text) : fallback;
}

std::string joules_or(const Trial& trial, const std::string& key) {
  const auto value = trial.metric(key);
  return value ? format_joules(*value) : kNotRecorded;
}

std::string source_warning(const Trial& trial) {
  const auto source = trial_energy_source(trial);
  if (!source) {
    return "> **Warning:** this trial does not record its energy source, so these figures may be "
           "estimates rather than sensor readings.\n\n";
  }
  if (!energy_is_estimate(trial)) return "";
  return fmt::format(
      "> **Warning:** these energy figures are estimates (energy source: {}), not sensor "
      "readings; use them for rough comparisons only.\n\n",
      markdown_escape(*source));
}

std::string shared_warning(const Trial& trial) {
  if (!energy_is_shared(trial)) return "";
  return "> **Warning:** the measured device was shared with parallel trials while this trial "
         "ran (energy_shared), so its energy figures include their work; do not compare them "
         "with clean measurements.\n\n";
}

std::string model_section(const ModelCardInput& input, const Trial& trial) {
  std::string out = "## Model\n\n| Field | Value |\n|---|---|\n";
  out += row("Study", markdown_escape(input.spec.name));
  out += row("Trial", fmt::format("{} ({})", trial.number, to_string(trial.state)));
  for (std::size_t i = 0; i < input.spec.objectives.size(); ++i) {
    const auto& objective = input.spec.objectives[i];
    out += row(fmt::format("Objective {} ({})", markdown_escape(objective.name),
                           to_string(objective.direction)),
               i < trial.values.size() ? fmt::format("{:.6g}", trial.values[i]) : kNotRecorded);
  }
  for (const auto& [name, value] : trial.params) {
    out += row(fmt::format("Parameter {}", markdown_escape(name)), markdown_escape(to_string(value)));
  }
  out += row("Parameter count", attr_or(trial, "params", kNotRecorded));
  out += row("FLOPs per sample", attr_or(trial, "flops_per_sample", kNotRecorded));
  return out + "\n";
}

// How an inference figure was measured: repeated windows (the image task
// records <key>_mad/_min/_max and <phase>_windows) or one window (a command
// trial's phase, or a figure told from outside).
struct Windows {
  std::optional<double> mad, min, max, count;
  bool repeated() const { return mad || min || max; }
};

Windows windows_of(const Trial& trial, const std::string& key) {
  const auto phase_end = key.find("_j_per_");
  return {trial.metric(key + "_mad"), trial.metric(key + "_min"), trial.metric(key + "_max"),
          phase_end == std::string::npos ? std::nullopt
                                         : trial.metric(key.substr(0, phase_end) + "_windows")};
}

std::string over_windows(const Windows& windows) {
  return windows.count ? fmt::format("over {:g} windows", *windows.count)
                       : std::string("over repeated windows");
}

std::string spread_text(const Windows& windows, const std::string& key) {
  if (!windows.repeated()) {
    return fmt::format("none: one window was measured (no `{}_mad`, `_min`, `_max`)", key);
  }
  const auto show = [](const std::optional<double>& value) {
    return value ? format_joules(*value) : std::string(kNotRecorded);
  };
  return fmt::format("MAD {}, min {}, max {} {}", show(windows.mad), show(windows.min),
                     show(windows.max), over_windows(windows));
}

std::string energy_section(const ModelCardInput& input, const Trial& trial) {
  std::string out = "## Energy per inference\n\n| Figure | Value |\n|---|---|\n";
  const auto energy = inference_energy(trial);
  if (!energy) {
    return out + row("Energy per inference", kNotRecorded) + "\n";
  }
  const Windows windows = windows_of(trial, energy->key);
  const double per_1000_j = 1000.0 * energy->j_per_unit;
  out += row(fmt::format("Energy per {} ({})", energy->unit,
                         windows.repeated() ? "median " + over_windows(windows) : "one window"),
             fmt::format("{} ({:.6g} J, from `{}`)", format_joules(energy->j_per_unit),
                         energy->j_per_unit, energy->key));
  out += row(fmt::format("Energy per 1,000 {}s", energy->unit), format_joules(per_1000_j));
  out += row(fmt::format("Energy per 1,000,000 {}s", energy->unit),
             fmt::format("{:.4g} kWh", 1e6 * energy->j_per_unit / 3.6e6));
  out += row(fmt::format("Carbon per 1,000 {}s", energy->unit),
             fmt::format("{} CO2e", format_grams(grams_co2e(per_1000_j, input.carbon))));
  out += row("Spread over windows", spread_text(windows, energy->key));
  out += row("Inference batch size", attr_or(trial, "inference_batch_size", kNotRecorded));
  out += row("Training energy", joules_or(trial, "training_j"));
  return out + "\n";
}

std::string method_text(const Trial& trial) {
  const auto energy = inference_energy(trial);
  if (!energy) return "not recorded: this trial records no inference energy";
  if (windows_of(trial, energy->key).repeated()) {
    return "the inference workload is repeated inside measurement windows until each window is "
           "long enough for the energy counter to resolve it; the figure is the median per "
           "inference over the repeated windows, and the spread is over those windows";
  }
  return fmt::format(
      "one measurement window around the whole workload (for a command trial, the program's "
      "phase between its begin and end lines); the figure (`{}`) is that window's energy divided "
      "by the {}s it processed, so there is no spread to report",
      energy->key, energy->unit);
}

std::string idle_text(const Trial& trial) {
  const auto it = trial.user_attrs.find("idle_subtracted");
  if (it == trial.user_attrs.end() || !it->is_boolean()) return kNotRecorded;
  return it->get<bool>()
             ? "net of idle: the device's idle power, measured with nothing running, was "
               "subtracted"
             : "gross: includes the device's idle power (no idle baseline was subtracted)";
}

std::string source_text(const Trial& trial) {
  const auto source = trial_energy_source(trial);  // the shared mark is added below, once
  if (!source) return kNotRecorded;
  std::string text = markdown_escape(*source) + (energy_is_estimate(trial)
                                                     ? " (an estimate, not a sensor"
                                                     : " (as reported by the meter");
  if (energy_is_shared(trial)) text += "; the device was shared with parallel trials";
  return text + ")";
}

std::string measurement_section(const ModelCardInput& input, const Trial& trial) {
  std::string out = "## How it was measured\n\n";
  out += fmt::format("- Hardware (measured device): {}\n",
                     attr_or(trial, "energy_device", kNotRecorded));
  out += fmt::format("- Energy source: {}\n", source_text(trial));
  out += fmt::format("- Idle handling: {}\n", idle_text(trial));
  out += fmt::format("- Method: {}.\n", method_text(trial));
  out += fmt::format(
      "- Carbon: gCO2e = kWh × PUE × carbon intensity, with intensity {:g} gCO2e/kWh ({}) and "
      "PUE {:g} ({}).\n\n",
      input.carbon.intensity_g_per_kwh, markdown_escape(input.carbon.intensity_source),
      input.carbon.pue, markdown_escape(input.carbon.pue_source));
  return out;
}

std::string impact_section(const NetImpact& impact) {
  std::string out = "## Net impact of tuning\n\n| Figure | Value |\n|---|---|\n";
  out += row("Tuning energy (all trials, training and measuring)",
             fmt::format("{} ({} CO2e){}", format_joules(impact.tuning_j),
                         format_grams(impact.tuning_g_co2e),
                         impact.trials_without_energy > 0
                             ? fmt::format("; a lower bound, {} trials record no energy",
                                           impact.trials_without_energy)
                             : ""));
  out += row(fmt::format("Baseline (trial {}) energy per {}", impact.baseline_trial, impact.unit),
             format_joules(impact.baseline_j_per_inference));
  out += row(fmt::format("Saved per {} against the baseline", impact.unit),
             format_joules(impact.saved_j_per_inference));
  out += row("Break-even",
             impact.break_even_inferences
                 ? fmt::format("after {} {}s", format_count(*impact.break_even_inferences),
                               impact.unit)
                 : "never: this model uses no less energy per inference than the baseline");
  return out + "\n";
}

}  // namespace

std::string render_model_card(const ModelCardInput& input) {
  const Trial& trial = trial_by_number(input.trials, input.trial_number);
  std::string out = fmt::format("# Model card: trial {} of study \"{}\"\n\n", trial.number,
                                markdown_escape(input.spec.name));
  out += source_warning(trial) + shared_warning(trial);
  out += fmt::format("Chosen as {}.\n\n", markdown_escape(input.choice_reason));
  out += model_section(input, trial);
  out += energy_section(input, trial);
  out += measurement_section(input, trial);
  if (input.impact && input.impact->chosen_trial == trial.number) {
    out += impact_section(*input.impact);
  }
  out += "Generated by ECOpt (`ecopt report`).\n";
  return out;
}

}  // namespace ecopt::report
