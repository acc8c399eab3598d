// The text-generation task on libtorch: trains the Transformer
// (transformer.cpp) on a byte corpus and measures its generation energy
// (generation_energy.cpp). Part of the libtorch module (torch_module.hpp).
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

using detail::thread_count;
using detail::TransformerLm;

torch::Device resolve_device(const std::string& name) {
  return detail::resolve_device(name, "device \"{}\" requested", "cpu");
}

torch::Tensor byte_tensor(const std::string& text, const torch::Device& device) {
  return detail::encode_prompts({text}, device).view({-1});
}

// Bytes as text that is valid UTF-8 JSON: printable ASCII kept, the rest
// written \xNN (an untrained model emits arbitrary bytes).
std::string printable(const torch::Tensor& bytes) {
  std::string text;
  const auto values = bytes.to(torch::kCPU).contiguous();
  for (std::int64_t i = 0; i < values.numel(); ++i) {
    const auto byte = values.data_ptr<std::int64_t>()[i];
    text += (byte >= 0x20 && byte < 0x7f) || byte == '\n' ? std::string(1, static_cast<char>(byte))
                                                          : fmt::format("\\x{:02x}", byte);
  }
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

using detail::log_line;
using detail::report_step;
using detail::throw_if_stopped;
TransformerLm runnable_in(const TransformerLm& model, const std::string& dtype) {
  return dtype == "float32" ? model : detail::inference_copy(model, detail::dtype_from_name(dtype));
}

class TextGenerationTask final : public Task {
 public:
  explicit TextGenerationTask(TextGenerationConfig config)
      : config_(std::move(config)),
        device_(resolve_device(config_.device)),
        corpus_(load_text_corpus(config_.corpus, config_.heldout_fraction)),
        train_(byte_tensor(corpus_.train, device_)),
        heldout_(byte_tensor(
            corpus_.heldout.substr(0, static_cast<std::size_t>(config_.heldout_bytes)), device_)) {
    if (!config_.weights.empty()) weights_ = read_safetensors(config_.weights);
  }

  std::string kind() const override { return "text-generation"; }

  SearchSpace default_search_space() const override {
    return text_generation_search_space(config_);
  }

  TaskOutcome run(TaskContext& context) override {
    // Thread counts and the seed are process-wide in libtorch.
    std::lock_guard lock(run_mutex_);
    const auto settings = resolve_text_trial_settings(context.params, config_);
    place_on(detail::trial_device(context.device, config_.device));
    throw_if_stopped(context);
    at::set_num_threads(thread_count(config_.threads));
    torch::manual_seed(static_cast<std::uint64_t>(config_.seed + context.trial_number));
    auto model = detail::build_transformer(settings.shape, device_);
    if (weights_) detail::load_safetensors_weights(model, *weights_, config_.weights_layout);

    TaskOutcome outcome;
    auto& metrics = outcome.metrics;
    record_model(metrics, settings);
    const auto prompts =
        detail::encode_prompts(make_prompts(corpus_.heldout, settings.generation.batch_size,
                                            settings.generation.prompt_bytes),
                               device_);
    // Energy-first: generating with untrained weights costs the same.
    detail::record_generation_energy(outcome, measure_generation(context, model, settings, prompts));
    throw_if_stopped(context);
    if (auto reason = report_step(context, 0, metrics)) {
      outcome.pruned_reason = std::move(reason);
      return outcome;
    }
    if (settings.training.steps > 0) train(context, model, settings, outcome);
    evaluate(model, settings, prompts, metrics);
    return outcome;
  }

 private:
  void record_model(nlohmann::json& metrics, const TextTrialSettings& settings) const {
    const auto& shape = settings.shape;
    const auto& generation = settings.generation;
    metrics["params"] = transformer_params(shape);
    metrics["flops_per_token"] = flops_per_token(shape, static_cast<double>(shape.context));
    metrics["generation_flops_per_token"] = generation_flops_per_token(
        shape, generation.prompt_bytes, generation.new_tokens, generation.kv_cache);
    metrics["model"] = settings.to_json();
    metrics["generation_batch_size"] = generation.batch_size;
    metrics["dtype"] = generation.dtype;
    metrics["kv_cache"] = generation.kv_cache;
    metrics["compute_device"] = device_.str();
    metrics["threads"] = thread_count(config_.threads);
    metrics["corpus_files"] = corpus_.files.size();
    metrics["corpus_train_bytes"] = corpus_.train.size();
  }

  detail::GenerationEnergy measure_generation(const TaskContext& context,
                                              const TransformerLm& model,
                                              const TextTrialSettings& settings,
                                              const torch::Tensor& prompts) const {
    const auto started = std::chrono::steady_clock::now();
    detail::Decoder decoder(runnable_in(model, settings.generation.dtype), settings.generation,
                            static_cast<std::uint64_t>(config_.seed + context.trial_number));
    auto energy = detail::measure_generation_energy(context.monitor, decoder, prompts,
                                                    settings.generation, config_.energy,
                                                    [&] { throw_if_stopped(context); });
    log_line(
        context,
        fmt::format(
            "generation: {:.3g} J/token (prefill {:.3g}, decode {:.3g} J/token, {}) in {:.1f} s",
            energy.j_per_generated_token, energy.prefill.median_j, energy.decode.median_j,
            energy.prefill.windows.front().source_summary(), seconds_since(started)));
    return energy;
  }

  void train(const TaskContext& context, TransformerLm& model, const TextTrialSettings& settings,
             TaskOutcome& outcome) const {
    auto& metrics = outcome.metrics;
    const auto steps = settings.training.steps;
    const auto log_every = std::max<std::int64_t>(1, steps / 5);
    ScopedWindow window(context.monitor, "training");
    const auto train_loss = detail::train_language_model(
        model, train_, settings.training, [&](std::int64_t step, double loss) {
          throw_if_stopped(context);
          if (step > 0 && step % log_every == 0) {
            log_line(context, fmt::format("step {}/{}: training loss {:.3f}", step, steps, loss));
          }
        });
    const auto energy = window.end();
    metrics["train_loss"] = train_loss;
    metrics["train_s"] = energy.duration_s;
    metrics["training_j"] = energy.net_j().value_or(energy.gross_j());
    outcome.energy.push_back(energy_record(kTrainingRecord, energy));
  }

  void evaluate(const TransformerLm& model, const TextTrialSettings& settings,
                const torch::Tensor& prompts, nlohmann::json& metrics) const {
    const auto started = std::chrono::steady_clock::now();
    // In the inference dtype, so the quality objective sees what bfloat16 costs.
    auto runnable = runnable_in(model, settings.generation.dtype);
    const auto loss = detail::heldout_loss(runnable, heldout_, settings.training.sequence_bytes);
    metrics["heldout_loss"] = loss;  // nats per byte
    metrics["heldout_perplexity"] = std::exp(loss);
    metrics["heldout_bits_per_byte"] = loss / std::log(2.0);
    metrics["heldout_bytes"] = heldout_.size(0);
    auto one = settings.generation;
    one.batch_size = 1;
    detail::Decoder sampler(runnable, one, static_cast<std::uint64_t>(config_.seed));
    const auto prompt = prompts.narrow(0, 0, 1);
    metrics["sample_prompt"] = printable(prompt[0]);
    metrics["sample_text"] = printable(sampler.generate(prompt)[0]);
    metrics["evaluation_s"] = seconds_since(started);
  }

  // A worker's lease may put consecutive trials on different GPUs: the
  // corpus tensors follow the trial's device.
  void place_on(const torch::Device& device) {
    if (device == device_) return;
    train_ = train_.to(device);
    heldout_ = heldout_.to(device);
    device_ = device;
  }

  TextGenerationConfig config_;
  torch::Device device_;
  TextCorpus corpus_;
  torch::Tensor train_;
  torch::Tensor heldout_;
  std::optional<SafetensorsFile> weights_;
  std::mutex run_mutex_;
};


}  // namespace

std::unique_ptr<Task> detail::torch_text_generation_task(const nlohmann::json& config) {
  return std::make_unique<TextGenerationTask>(text_generation_config_from_json(config));
}

}  // namespace ecopt
