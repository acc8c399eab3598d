// The cross-device generation benchmark (`ecopt generation-bench`): every
// preset on every device, energy per generated token.
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
namespace {

std::vector<std::string> bench_devices(const std::vector<std::string>& requested) {
  std::vector<std::string> devices;
  if (requested.empty()) {
    devices.emplace_back("cpu");
    if (torch::cuda::is_available()) devices.emplace_back("cuda:0");
    return devices;
  }
  for (const auto& name : requested) {
    const auto device = detail::resolve_device(name, "device \"{}\" requested", "cpu");  // refuses CUDA where there is none
    devices.push_back(device.is_cpu() ? std::string("cpu") : device.str());
  }
  return devices;
}

std::optional<double> available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0.0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024.0;
  }
  return std::nullopt;
}

// Why a preset cannot run on the CPU here, if it cannot: the weights in
// the dtype need to fit in half the available memory.
std::optional<std::string> cpu_memory_problem(const TransformerShape& shape,
                                              const std::string& dtype) {
  const auto available = available_memory_bytes();
  const double bytes =
      static_cast<double>(transformer_params(shape)) * (dtype == "float32" ? 4.0 : 2.0);
  if (!available || bytes <= *available / 2.0) return std::nullopt;
  return fmt::format("needs {:.1f} GiB of weights, {:.1f} GiB available", bytes / (1 << 30),
                     *available / (1 << 30));
}

struct DeviceMeters {
  std::unique_ptr<EnergyMonitor> monitor;  // null when no meter was found
  std::string description;
};

DeviceMeters meters_for(const std::string& device, const GenerationBenchOptions& options) {
  DiscoveryOptions discovery_options;
  discovery_options.devices = {device};
  discovery_options.cpu_watts_per_core = options.cpu_watts_per_core;
  auto discovery = discover_meters(discovery_options);
  DeviceMeters meters;
  if (discovery.meters.empty()) {
    meters.description =
        fmt::format("no energy meter ({})", fmt::join(discovery.unavailable, "; "));
    return meters;
  }
  std::vector<std::string> lines;
  for (const auto& meter : discovery.meters) {
    lines.push_back(fmt::format("{} [{}]: {}", meter->device(), to_string(meter->source()),
                                meter->description()));
  }
  meters.description = fmt::format("{}", fmt::join(lines, "; "));
  meters.monitor = std::make_unique<EnergyMonitor>(std::move(discovery.meters));
  return meters;
}

GenerationBenchCell unmeasured_cell(const std::string& preset, const std::string& device,
                                    const std::string& reason) {
  GenerationBenchCell cell;
  cell.preset = preset;
  cell.device = device;
  cell.skipped_reason = reason;
  return cell;
}

GenerationBenchCell bench_cell(const std::string& preset, const std::string& device_name,
                               EnergyMonitor& monitor, const std::vector<std::string>& prompt_text,
                               const GenerationBenchOptions& options) {
  GenerationBenchCell cell;
  cell.preset = preset;
  cell.device = device_name;
  const auto shape = transformer_preset(preset);
  const auto& generation = options.generation;
  const torch::Device device(device_name);
  if (device.is_cpu()) {
    if (auto problem = cpu_memory_problem(shape, generation.dtype)) {
      cell.skipped_reason = *problem;
      return cell;
    }
  }
  try {
    torch::manual_seed(0);
    auto model =
        detail::build_transformer(shape, device, detail::dtype_from_name(generation.dtype));
    detail::Decoder decoder(model, generation, 0);
    const auto prompts = detail::encode_prompts(prompt_text, device);
    const auto energy =
        detail::measure_generation_energy(monitor, decoder, prompts, generation, options.energy);
    cell.measured = true;
    cell.j_per_token = energy.j_per_generated_token;
    cell.prefill_j_per_token = energy.prefill.median_j;
    cell.decode_j_per_token = energy.decode.median_j;
    cell.tokens_per_s = energy.generated_tokens_per_s;
    const auto& window = energy.prefill.windows.front();
    cell.energy_source = window.source_summary();
    cell.energy_device = window.device_summary();
    cell.idle_subtracted = energy.prefill.idle_subtracted;
    cell.is_estimate = window.is_estimate();
  } catch (const c10::Error& error) {  // out of memory and other device failures
    const std::string message = error.what_without_backtrace();
    cell.skipped_reason = message.substr(0, message.find('\n'));
  }
  return cell;
}

}  // namespace

GenerationBenchResult detail::torch_generation_benchmark(const GenerationBenchOptions& options) {
  GenerationBenchResult result;
  result.generation = options.generation;
  result.devices = bench_devices(options.devices);
  result.presets = options.presets.empty() ? transformer_preset_names() : options.presets;
  for (const auto& preset : result.presets) {
    const auto shape = transformer_preset(preset);
    if (options.generation.prompt_bytes + options.generation.new_tokens > shape.context) {
      throw InputError(fmt::format(
          "preset {} has a context of {}, too short for {} prompt bytes and {} "
          "new tokens; shorten the prompt",
          preset, shape.context, options.generation.prompt_bytes, options.generation.new_tokens));
    }
    result.params.push_back(transformer_params(shape));
  }
  const auto corpus = load_text_corpus(options.corpus, 0.1);
  const auto prompts =
      make_prompts(corpus.heldout, options.generation.batch_size, options.generation.prompt_bytes);
  at::set_num_threads(detail::thread_count(options.threads));
  std::vector<std::vector<GenerationBenchCell>> by_device;
  for (const auto& device : result.devices) {
    auto meters = meters_for(device, options);
    result.device_descriptions.push_back(meters.description);
    auto& cells = by_device.emplace_back();
    for (const auto& preset : result.presets) {
      cells.push_back(meters.monitor ? bench_cell(preset, device, *meters.monitor, prompts, options)
                                     : unmeasured_cell(preset, device, "no energy meter"));
      const auto& cell = cells.back();
      if (options.log) {
        options.log(
            cell.measured
                ? fmt::format("{} on {}: {:.3g} J/token ({:.3g} tokens/s, {})", preset, device,
                              cell.j_per_token, cell.tokens_per_s, cell.energy_source)
                : fmt::format("{} on {}: skipped ({})", preset, device, cell.skipped_reason));
      }
    }
  }
  for (std::size_t p = 0; p < result.presets.size(); ++p) {
    for (auto& cells : by_device) result.cells.push_back(std::move(cells[p]));
  }
  return result;
}

}  // namespace ecopt
