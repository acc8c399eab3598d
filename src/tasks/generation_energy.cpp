// Energy of text generation: prefill and decode measured in windows of
// their own, and the records and metrics a trial stores from them.
#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/math/stats.hpp"
#include "task_common.hpp"
#include "torch_device.hpp"
#include "torch_module.hpp"
#include "transformer.hpp"

namespace ecopt {
namespace detail {

namespace {

double seconds_per_run(const PerSampleEnergy& energy) {
  std::vector<double> seconds;
  for (const auto& window : energy.windows) {
    seconds.push_back(window.duration_s / static_cast<double>(energy.iterations_per_window));
  }
  return median(seconds);
}

// One window's energy per sample on the basis measure_per_sample's median
// uses: net of idle when a baseline was subtracted, else gross.
double j_per_sample(const PerSampleEnergy& energy, const WindowResult& window) {
  const double window_j = energy.idle_subtracted ? window.net_j().value_or(window.gross_j()) : window.gross_j();
  return window_j / static_cast<double>(energy.samples_per_window);
}

}  // namespace

GenerationEnergy measure_generation_energy(EnergyMonitor& monitor, Decoder& decoder,
                                           const torch::Tensor& prompts,
                                           const GenerationSettings& settings,
                                           const RepeatPolicy& policy,
                                           const std::function<void()>& between_runs) {
  const auto batch = static_cast<std::size_t>(prompts.size(0));
  GenerationEnergy energy;
  energy.prompt_tokens = batch * static_cast<std::size_t>(prompts.size(1));
  energy.decoded_tokens = batch * static_cast<std::size_t>(settings.new_tokens - 1);
  energy.generated_tokens = batch * static_cast<std::size_t>(settings.new_tokens);
  const std::size_t prompt_tokens = energy.prompt_tokens;
  const std::size_t decoded_tokens = energy.decoded_tokens;
  energy.prefill = measure_per_sample(
      monitor, "prefill",
      [&] {
        between_runs();
        decoder.prefill(prompts);
        return prompt_tokens;
      },
      policy);
  const auto first = decoder.prefill(prompts);  // the state every decode run starts from
  energy.decode = measure_per_sample(
      monitor, "decode",
      [&] {
        between_runs();
        decoder.decode(first);
        return decoded_tokens;
      },
      policy);
  energy.prefill_s = seconds_per_run(energy.prefill);
  energy.decode_s = seconds_per_run(energy.decode);
  const auto generated = static_cast<double>(energy.generated_tokens);
  const auto per_generated_token = [&](double prefill_j_per_token, double decode_j_per_token) {
    return (prefill_j_per_token * static_cast<double>(prompt_tokens) +
            decode_j_per_token * static_cast<double>(decoded_tokens)) /
           generated;
  };
  energy.j_per_generated_token = per_generated_token(energy.prefill.median_j, energy.decode.median_j);
  const auto pairs = std::min(energy.prefill.windows.size(), energy.decode.windows.size());
  for (std::size_t i = 0; i < pairs; ++i) {
    energy.j_per_generated_token_pairs.push_back(
        per_generated_token(j_per_sample(energy.prefill, energy.prefill.windows[i]),
                            j_per_sample(energy.decode, energy.decode.windows[i])));
  }
  energy.generated_tokens_per_s = generated / (energy.prefill_s + energy.decode_s);
  return energy;
}

}  // namespace detail

namespace {

void record_phase(nlohmann::json& metrics, const std::string& phase, const PerSampleEnergy& energy,
                  double seconds) {
  if (!(energy.median_j > 0.0)) {
    throw Error(
        fmt::format("{} energy per token measured as {} J, too small to resolve; raise "
                    "task.energy.min_window_s",
                    phase, energy.median_j));
  }
  metrics[phase + "_j_per_token"] = energy.median_j;
  metrics[phase + "_j_per_token_mad"] = energy.mad_j;
  metrics[phase + "_tokens_per_window"] = energy.samples_per_window;
  metrics[phase + "_windows"] = energy.windows.size();
  metrics[phase + "_s"] = seconds;
  metrics[phase + "_policy_met"] = energy.policy_met;
}

// The median over a phase's windows of one window figure, per token.
double median_per_token(const PerSampleEnergy& phase, double (*figure)(const WindowResult&)) {
  std::vector<double> per_window;
  for (const auto& window : phase.windows) per_window.push_back(figure(window));
  return median(per_window) / static_cast<double>(phase.samples_per_window);
}

double gross_of(const WindowResult& window) { return window.gross_j(); }
double net_of(const WindowResult& window) { return window.net_j().value_or(window.gross_j()); }

// Prefill and decode are measured apart; a generated token costs both. The
// record's window is one generation of the batch, each phase's median per
// token times that phase's tokens, so that its window figures (gross, net,
// resolution) and its per-token figure count the same work: gross_j ÷
// units_per_window is the gross per generated token beside the net
// j_per_unit (issue 23: the decode window alone gave 8 mJ per token gross
// beside 30 mJ net).
EnergyRecord generation_record(const detail::GenerationEnergy& energy) {
  const EnergyRecord decode = energy_record("decode", "token", energy.decode);
  const EnergyRecord prefill = energy_record("prefill", "token", energy.prefill);
  const auto one_generation = [&](double prefill_per_token, double decode_per_token) {
    return prefill_per_token * static_cast<double>(energy.prompt_tokens) +
           decode_per_token * static_cast<double>(energy.decoded_tokens);
  };
  EnergyRecord record = decode;
  record.name = kGenerationRecord;
  for (const auto source : prefill.sources) {
    if (std::find(record.sources.begin(), record.sources.end(), source) == record.sources.end())
      record.sources.push_back(source);
  }
  record.units_per_window = energy.generated_tokens;
  record.gross_j = one_generation(median_per_token(energy.prefill, gross_of),
                                  median_per_token(energy.decode, gross_of));
  record.net_j.reset();
  if (prefill.net_j && decode.net_j) {
    record.net_j = one_generation(median_per_token(energy.prefill, net_of),
                                  median_per_token(energy.decode, net_of));
  }
  record.resolution_j =
      one_generation(prefill.resolution_j / static_cast<double>(prefill.units_per_window),
                     decode.resolution_j / static_cast<double>(decode.units_per_window));
  record.shared = prefill.shared || decode.shared;
  record.counter_updates = std::min(prefill.counter_updates, decode.counter_updates);
  record.j_per_unit = energy.j_per_generated_token;
  // The phases' spreads do not add up to the sum's: the sum's own spread is
  // taken over pairs of windows.
  record.spread.reset();
  const auto& pairs = energy.j_per_generated_token_pairs;
  if (pairs.size() > 1) {
    record.spread = EnergySpread{*std::min_element(pairs.begin(), pairs.end()),
                                 *std::max_element(pairs.begin(), pairs.end()),
                                 median_absolute_deviation(pairs)};
  }
  // The shorter phase window decides whether the sum is resolved.
  record.duration_s = std::min(record.duration_s, prefill.duration_s);
  record.resolution_s = std::max(record.resolution_s, prefill.resolution_s);
  return record;
}

}  // namespace

namespace detail {

void record_generation_energy(TaskOutcome& outcome, const GenerationEnergy& energy) {
  auto& metrics = outcome.metrics;
  record_phase(metrics, "prefill", energy.prefill, energy.prefill_s);
  record_phase(metrics, "decode", energy.decode, energy.decode_s);
  metrics["generation_j_per_token"] = energy.j_per_generated_token;
  metrics["generation_tokens_per_j"] = 1.0 / energy.j_per_generated_token;
  metrics["generation_tokens_per_s"] = energy.generated_tokens_per_s;
  outcome.energy.push_back(energy_record("prefill", "token", energy.prefill));
  outcome.energy.push_back(energy_record("decode", "token", energy.decode));
  outcome.energy.push_back(generation_record(energy));
}

}  // namespace detail
}  // namespace ecopt
