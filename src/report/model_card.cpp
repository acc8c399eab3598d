#include "ecopt/report/model_card.hpp"

#include <cmath>

#include <fmt/format.h>

#include "ecopt/core/format.hpp"
#include "ecopt/core/escape.hpp"
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
    return whole ? format_count(*value) : format_number(*value);
  }
  const auto text = text_attr(trial, key);
  return text ? markdown_escape(*text) : fallback;
}

std::string source_warning(const Trial& trial) {
  const auto record = headline_record(trial);
  if (!record) {
    return "> **Warning:** this trial records no energy, so this card has no energy figures.\n\n";
  }
  if (!energy_is_estimate(trial)) return "";
  return fmt::format(
      "> **Warning:** these energy figures are estimates (energy source: {}), not sensor "
      "readings; use them for rough comparisons only.\n\n",
      markdown_escape(record->source_text()));
}

std::string shared_warning(const Trial& trial) {
  if (!energy_is_shared(trial)) return "";
  return "> **Warning:** the measured devices were shared with parallel trials while this trial "
         "ran, so its energy figures include their work; do not compare them with clean "
         "measurements.\n\n";
}

std::string model_section(const ModelCardInput& input, const Trial& trial) {
  std::string out = "## Model\n\n| Field | Value |\n|---|---|\n";
  out += row("Study", markdown_escape(input.spec.name));
  out += row("Trial", fmt::format("{} ({})", trial.number, to_string(trial.state)));
  for (std::size_t i = 0; i < input.spec.objectives.size(); ++i) {
    const auto& objective = input.spec.objectives[i];
    out += row(fmt::format("Objective {} ({})", markdown_escape(objective.name),
                           to_string(objective.direction)),
               i < trial.values.size() ? format_number(trial.values[i]) : kNotRecorded);
  }
  for (const auto& [name, value] : trial.params) {
    out += row(fmt::format("Parameter {}", markdown_escape(name)), markdown_escape(format_param(value)));
  }
  out += row("Parameter count", attr_or(trial, "params", kNotRecorded));
  out += row("FLOPs per sample", attr_or(trial, "flops_per_sample", kNotRecorded));
  return out + "\n";
}

std::string over_windows(const EnergyRecord& record) {
  return record.windows > 1 ? fmt::format("median over {} windows", record.windows)
                            : std::string("one window");
}

std::string spread_text(const EnergyRecord& record) {
  if (!record.spread) return "none: one window was measured";
  return fmt::format("MAD {}, min {}, max {} over {} windows", format_joules(record.spread->mad_j),
                     format_joules(record.spread->min_j), format_joules(record.spread->max_j),
                     record.windows);
}

std::string resolution_text(const EnergyRecord& record) {
  std::string text = fmt::format("{} per window ({} steps of {} s, {} counter updates)",
                                 format_joules(record.resolution_j),
                                 record.resolution_s > 0
                                     ? fmt::format("{:.0f}", record.duration_s / record.resolution_s)
                                     : std::string("no"),
                                 format_number(record.resolution_s), record.counter_updates);
  if (!record.resolved()) text += "; **not resolved**: the window is shorter than 10 meter steps";
  return text;
}

std::string energy_section(const ModelCardInput& input, const Trial& trial) {
  std::string out = "## Energy per inference\n\n| Figure | Value |\n|---|---|\n";
  const auto energy = inference_energy(trial);
  if (!energy) {
    return out + row("Energy per inference", kNotRecorded) + "\n";
  }
  const EnergyRecord& record = energy->record;
  const std::string unit = markdown_escape(energy->unit);
  const double per_1000_j = 1000.0 * energy->j_per_unit;
  out += row(fmt::format("Energy per {} ({}, {})", unit, over_windows(record),
                         record.idle_subtracted ? "net of idle" : "gross"),
             fmt::format("{} (record `{}`)", format_joules(energy->j_per_unit), record.name));
  out += row(fmt::format("Energy per 1,000 {}s", unit), format_joules(per_1000_j));
  out += row(fmt::format("Energy per 1,000,000 {}s", unit),
             format_number(1e6 * energy->j_per_unit / 3.6e6) + " kWh");
  out += row(fmt::format("Carbon per 1,000 {}s", unit),
             fmt::format("{} CO2e", format_grams(grams_co2e(per_1000_j, input.carbon))));
  out += row("Spread over windows", spread_text(record));
  out += row("Meter resolution", resolution_text(record));
  out += row("Inference batch size", attr_or(trial, "inference_batch_size", kNotRecorded));
  const auto training = find_energy_record(trial.user_attrs, kTrainingRecord);
  out += row("Training energy",
             training ? fmt::format("{} ({})", format_joules(training->energy_j()),
                                    training->idle_subtracted ? "net of idle" : "gross")
                      : kNotRecorded);
  return out + "\n";
}

std::string method_text(const Trial& trial) {
  const auto energy = inference_energy(trial);
  if (!energy) return "not recorded: this trial records no inference energy";
  if (energy->record.windows > 1) {
    return "the inference workload is repeated inside measurement windows until each window is "
           "long enough for the energy counter to resolve it; the figure is the median per "
           "inference over the repeated windows, and the spread is over those windows";
  }
  return fmt::format(
      "one measurement window around the whole workload (for a command trial, the program's "
      "phase between its begin and end lines); the figure (record `{}`) is that window's energy "
      "divided by the {}s it processed, so there is no spread to report",
      energy->record.name, markdown_escape(energy->unit));
}

std::string idle_text(const EnergyRecord& record) {
  return record.idle_subtracted
             ? "net of idle: the devices' idle power, measured with nothing running, was "
               "subtracted"
             : "gross: includes the devices' idle power (no idle baseline was subtracted)";
}

std::string source_text(const EnergyRecord& record) {
  std::string text = markdown_escape(record.source_text()) +
                     (record.is_estimate() ? " (an estimate, not a sensor" : " (as reported by the meter");
  if (record.shared) text += "; the devices were shared with parallel trials";
  return text + ")";
}

std::string measurement_section(const ModelCardInput& input, const Trial& trial) {
  std::string out = "## How it was measured\n\n";
  const auto record = headline_record(trial);
  out += fmt::format("- Hardware (measured devices): {}\n",
                     record ? markdown_escape(record->device_text()) : kNotRecorded);
  out += fmt::format("- Energy source: {}\n", record ? source_text(*record) : kNotRecorded);
  out += fmt::format("- Idle handling: {}\n", record ? idle_text(*record) : kNotRecorded);
  out += fmt::format("- Method: {}.\n", method_text(trial));
  out += fmt::format(
      "- Carbon: gCO2e = kWh × PUE × carbon intensity, with intensity {:g} gCO2e/kWh ({}) and "
      "PUE {:g} ({}).\n\n",
      input.carbon.intensity_g_per_kwh, markdown_escape(input.carbon.intensity_source),
      input.carbon.pue, markdown_escape(input.carbon.pue_source));
  return out;
}

std::string impact_section(const NetImpact& impact) {
  const std::string unit = markdown_escape(impact.unit);
  std::string out = fmt::format(
      "## Net impact of tuning\n\nEvery figure below is {}.{}{}\n\n| Figure | Value |\n|---|---|\n",
      impact.basis,
      impact.tuning.estimate ? " Some of it is an **estimate**, not a sensor reading." : "",
      impact.tuning.shared ? " Some trials ran on devices **shared** with parallel trials." : "");
  out += row("Tuning energy (all trials, training and measuring)",
             fmt::format("{} ({} CO2e){}{}", format_joules(impact.tuning_j),
                         format_grams(impact.tuning_g_co2e),
                         impact.tuning_j == impact.tuning.gross_j
                             ? ""
                             : fmt::format("; {} gross, as ecopt tune states it",
                                           format_joules(impact.tuning.gross_j)),
                         impact.tuning.unmeasured > 0
                             ? fmt::format("; a lower bound, {} trials record no energy",
                                           impact.tuning.unmeasured)
                             : ""));
  out += row(fmt::format("Baseline (trial {}) energy per {}", impact.baseline_trial, unit),
             format_joules(impact.baseline_j_per_inference));
  out += row(fmt::format("Saved per {} against the baseline", unit),
             format_joules(impact.saved_j_per_inference));
  out += row("Break-even",
             impact.break_even_inferences
                 ? fmt::format("after {} {}s", format_count(*impact.break_even_inferences),
                               unit)
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
