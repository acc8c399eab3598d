// The text-generation task on libtorch: a GPT-2-style Transformer with a
// KV cache, two-phase generation measured in separate energy windows,
// training on a byte corpus, safetensors loading, and the cross-device
// generation benchmark. Part of the libtorch module (torch_module.hpp).
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

// --- model ------------------------------------------------------------------------

CausalSelfAttentionImpl::CausalSelfAttentionImpl(std::int64_t d_model, std::int64_t heads)
    : heads_(heads),
      c_attn_(register_module("c_attn", torch::nn::Linear(d_model, 3 * d_model))),
      c_proj_(register_module("c_proj", torch::nn::Linear(d_model, d_model))) {}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, KvCache* cache,
                                               std::size_t layer) {
  const auto batch = x.size(0);
  const auto time = x.size(1);
  const auto width = x.size(2);
  const auto head_dim = width / heads_;
  // [3, batch, heads, time, head_dim]
  const auto qkv =
      c_attn_->forward(x).view({batch, time, 3, heads_, head_dim}).permute({2, 0, 3, 1, 4});
  const auto query = qkv[0];
  auto key = qkv[1];
  auto value = qkv[2];
  std::int64_t past = 0;
  if (cache != nullptr) {
    past = cache->length;
    cache->keys[layer].narrow(2, past, time).copy_(key);
    cache->values[layer].narrow(2, past, time).copy_(value);
    key = cache->keys[layer].narrow(2, 0, past + time);
    value = cache->values[layer].narrow(2, 0, past + time);
  }
  auto scores =
      torch::matmul(query, key.transpose(-2, -1)) / std::sqrt(static_cast<double>(head_dim));
  if (time > 1) {
    // Query i sits at position past + i and sees keys up to that position.
    const auto future =
        torch::ones({time, past + time}, torch::dtype(torch::kBool).device(x.device()))
            .triu(past + 1);
    scores = scores.masked_fill(future, -std::numeric_limits<double>::infinity());
  }
  const auto mixed = torch::matmul(torch::softmax(scores, -1), value);
  return c_proj_->forward(mixed.transpose(1, 2).contiguous().view({batch, time, width}));
}

MlpImpl::MlpImpl(std::int64_t d_model)
    : c_fc_(register_module("c_fc", torch::nn::Linear(d_model, 4 * d_model))),
      c_proj_(register_module("c_proj", torch::nn::Linear(4 * d_model, d_model))) {}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return c_proj_->forward(torch::gelu(c_fc_->forward(x), "tanh"));  // GPT-2's GELU
}

BlockImpl::BlockImpl(std::int64_t d_model, std::int64_t heads)
    : ln_1_(register_module("ln_1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})))),
      attn_(register_module("attn", CausalSelfAttention(d_model, heads))),
      ln_2_(register_module("ln_2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})))),
      mlp_(register_module("mlp", Mlp(d_model))) {}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, KvCache* cache, std::size_t layer) {
  const auto attended = x + attn_->forward(ln_1_->forward(x), cache, layer);
  return attended + mlp_->forward(ln_2_->forward(attended));
}

TransformerLmImpl::TransformerLmImpl(const TransformerShape& shape) : shape_(shape) {
  shape_.validate();
  wte_ = register_module("wte", torch::nn::Embedding(shape.vocab, shape.d_model));
  wpe_ = register_module("wpe", torch::nn::Embedding(shape.context, shape.d_model));
  h_ = register_module("h", torch::nn::ModuleList());
  for (std::int64_t layer = 0; layer < shape.layers; ++layer) {
    h_->push_back(Block(shape.d_model, shape.heads));
  }
  ln_f_ =
      register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({shape.d_model})));
  if (!shape.tied_head) {
    lm_head_ = register_module(
        "lm_head",
        torch::nn::Linear(torch::nn::LinearOptions(shape.d_model, shape.vocab).bias(false)));
  }
}

torch::Tensor TransformerLmImpl::forward(const torch::Tensor& tokens, KvCache* cache,
                                         bool last_only) {
  const auto time = tokens.size(1);
  const auto past = cache == nullptr ? 0 : cache->length;
  if (past + time > shape_.context) {
    throw InputError(
        fmt::format("a sequence of {} tokens exceeds the model's context of {}; "
                    "shorten the prompt or generate fewer tokens",
                    past + time, shape_.context));
  }
  const auto positions =
      torch::arange(past, past + time, torch::dtype(torch::kInt64).device(tokens.device()));
  auto x = wte_->forward(tokens) + wpe_->forward(positions);
  for (std::size_t layer = 0; layer < h_->size(); ++layer) {
    x = h_->ptr<BlockImpl>(layer)->forward(x, cache, layer);
  }
  if (cache != nullptr) cache->length += time;
  if (last_only) x = x.select(1, time - 1);
  x = ln_f_->forward(x);
  return shape_.tied_head ? torch::matmul(x, wte_->weight.t()) : lm_head_->forward(x);
}

KvCache TransformerLmImpl::make_cache(std::int64_t batch, std::int64_t capacity) const {
  KvCache cache;
  const auto options = wte_->weight.options().requires_grad(false);
  const auto shape =
      std::vector<std::int64_t>{batch, shape_.heads, capacity, shape_.d_model / shape_.heads};
  for (std::int64_t layer = 0; layer < shape_.layers; ++layer) {
    cache.keys.push_back(torch::zeros(shape, options));
    cache.values.push_back(torch::zeros(shape, options));
  }
  return cache;
}

TransformerLm build_transformer(const TransformerShape& shape, const torch::Device& device,
                                torch::Dtype dtype) {
  TransformerLm model(shape);
  torch::NoGradGuard no_grad;
  // Residual projections scaled by 1/sqrt(2·layers), as GPT-2 does, so the
  // residual stream does not grow with depth.
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(shape.layers));
  for (auto& item : model->named_parameters()) {
    const auto& name = item.key();
    auto& parameter = item.value();
    if (name.ends_with(".bias")) {
      parameter.zero_();
    } else if (name.find("ln_") != std::string::npos) {
      parameter.fill_(1.0);
    } else {
      parameter.normal_(0.0, name.ends_with("c_proj.weight") ? residual_std : 0.02);
    }
  }
  model->to(device, dtype);
  return model;
}

TransformerLm inference_copy(const TransformerLm& model, torch::Dtype dtype) {
  TransformerLm copy(model->shape());
  torch::NoGradGuard no_grad;
  auto target = copy->named_parameters();
  for (const auto& item : model->named_parameters()) target[item.key()].copy_(item.value());
  const auto device = model->parameters().front().device();
  copy->to(device, dtype);
  return copy;
}

torch::Dtype dtype_from_name(const std::string& name) {
  return name == "bfloat16" ? torch::kBFloat16 : torch::kFloat32;
}

torch::Tensor encode_prompts(const std::vector<std::string>& prompts, const torch::Device& device) {
  const auto count = static_cast<std::int64_t>(prompts.size());
  const auto bytes = prompts.empty() ? 0 : static_cast<std::int64_t>(prompts.front().size());
  auto tokens = torch::empty({count, bytes}, torch::kUInt8);
  for (std::int64_t i = 0; i < count; ++i) {
    std::memcpy(tokens[i].data_ptr(), prompts[static_cast<std::size_t>(i)].data(),
                static_cast<std::size_t>(bytes));
  }
  return tokens.to(torch::kInt64).to(device);
}

// --- generation --------------------------------------------------------------------

Decoder::Decoder(TransformerLm model, GenerationSettings settings, std::uint64_t seed)
    : model_(std::move(model)),
      settings_(std::move(settings)),
      generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {
  model_->eval();
}

torch::Tensor Decoder::next_tokens(const torch::Tensor& logits) {
  if (settings_.sampling == "greedy") return logits.argmax(-1, /*keepdim=*/true);
  // Top-k: sample among the k largest logits; on the CPU with a seeded
  // generator, so the same seed gives the same text on every device.
  const auto scaled = logits.to(torch::kFloat32) / settings_.temperature;
  const auto [values, indices] = scaled.topk(std::min(settings_.top_k, scaled.size(-1)), -1);
  const auto chosen = torch::multinomial(torch::softmax(values, -1).cpu(), 1, false, generator_);
  return indices.cpu().gather(1, chosen).to(logits.device());
}

torch::Tensor Decoder::prefill(const torch::Tensor& prompts) {
  c10::InferenceMode inference;
  prompts_ = prompts;
  if (!settings_.kv_cache) return next_tokens(model_->forward(prompts, nullptr, true)).cpu();
  const auto capacity = prompts.size(1) + settings_.new_tokens;
  if (!cache_ || cache_->keys.front().size(0) != prompts.size(0) ||
      cache_->keys.front().size(2) != capacity) {
    cache_ = model_->make_cache(prompts.size(0), capacity);
  }
  cache_->length = 0;
  return next_tokens(model_->forward(prompts, &*cache_, true)).cpu();
}

torch::Tensor Decoder::decode(const torch::Tensor& first) {
  c10::InferenceMode inference;
  auto token = first.to(prompts_.device());
  torch::Tensor sequence;
  if (settings_.kv_cache) {
    cache_->length = prompts_.size(1);  // restart after the prefilled prompt
  } else {
    sequence = torch::cat({prompts_, token}, 1);
  }
  std::vector<torch::Tensor> produced;
  for (std::int64_t step = 1; step < settings_.new_tokens; ++step) {
    const auto logits = settings_.kv_cache ? model_->forward(token, &*cache_, true)
                                           : model_->forward(sequence, nullptr, true);
    token = next_tokens(logits);
    produced.push_back(token);
    if (!settings_.kv_cache) sequence = torch::cat({sequence, token}, 1);
  }
  return torch::cat(produced, 1).cpu();  // .cpu() also waits for a GPU to finish
}

torch::Tensor Decoder::generate(const torch::Tensor& prompts) {
  const auto first = prefill(prompts);
  return torch::cat({first, decode(first)}, 1);
}

// --- training and evaluation -----------------------------------------------------------

double train_language_model(
    TransformerLm& model, const torch::Tensor& train, const TrainingSettings& settings,
    const std::function<void(std::int64_t step, double loss)>& between_steps) {
  const auto length = settings.sequence_bytes;
  const auto available = train.size(0) - length - 1;
  if (available < 1) {
    throw InputError(
        fmt::format("the training text ({} bytes) is shorter than one training "
                    "window of {} bytes; add text or lower train_sequence_bytes",
                    train.size(0), length + 1));
  }
  model->train();
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(settings.lr));
  const auto window = torch::arange(length + 1, torch::dtype(torch::kInt64).device(train.device()));
  const auto tail_from = settings.steps - std::max<std::int64_t>(1, settings.steps / 10);
  double tail_sum = 0.0;
  double last_loss = std::nan("");
  for (std::int64_t step = 0; step < settings.steps; ++step) {
    between_steps(step, last_loss);
    const auto starts = torch::randint(0, available + 1, {settings.batch_size, 1},
                                       torch::dtype(torch::kInt64).device(train.device()));
    const auto chunk = train.take(starts + window);  // [batch, length + 1]
    const auto logits = model->forward(chunk.narrow(1, 0, length));
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                                     chunk.narrow(1, 1, length).reshape({-1}));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    last_loss = loss.item<double>();
    if (step >= tail_from) tail_sum += last_loss;
  }
  model->eval();
  return settings.steps == 0 ? std::nan("")
                             : tail_sum / static_cast<double>(settings.steps - tail_from);
}

double heldout_loss(TransformerLm& model, const torch::Tensor& heldout,
                    std::int64_t sequence_bytes) {
  c10::InferenceMode inference;
  model->eval();
  const auto windows = (heldout.size(0) - 1) / sequence_bytes;
  if (windows < 1) {
    throw InputError(
        fmt::format("the held-out text ({} bytes) is shorter than one window of {} "
                    "bytes; add text or raise task.heldout_bytes",
                    heldout.size(0), sequence_bytes + 1));
  }
  const auto used = windows * sequence_bytes;
  const auto inputs = heldout.narrow(0, 0, used).view({windows, sequence_bytes});
  const auto targets = heldout.narrow(0, 1, used).view({windows, sequence_bytes});
  constexpr std::int64_t kWindowsPerBatch = 32;
  double loss_sum = 0.0;
  for (std::int64_t start = 0; start < windows; start += kWindowsPerBatch) {
    const auto count = std::min(kWindowsPerBatch, windows - start);
    const auto logits = model->forward(inputs.narrow(0, start, count)).to(torch::kFloat32);
    loss_sum +=
        torch::nn::functional::cross_entropy(
            logits.reshape({-1, logits.size(-1)}), targets.narrow(0, start, count).reshape({-1}),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
            .item<double>();
  }
  return loss_sum / static_cast<double>(used);
}

// --- safetensors -------------------------------------------------------------------------

namespace {

torch::Tensor tensor_from(const SafetensorsFile& file, const SafetensorsTensor& entry) {
  static const std::vector<std::pair<std::string, torch::Dtype>> dtypes = {
      {"F32", torch::kFloat32},
      {"F16", torch::kFloat16},
      {"BF16", torch::kBFloat16},
      {"F64", torch::kFloat64}};
  const auto found =
      std::ranges::find(dtypes, entry.dtype, &std::pair<std::string, torch::Dtype>::first);
  if (found == dtypes.end()) {
    throw InputError(
        fmt::format("'{}': tensor '{}' has dtype {}; weights must be F32, F16, BF16 or F64",
                    file.path, entry.name, entry.dtype));
  }
  auto tensor = torch::empty(entry.shape, found->second);
  std::memcpy(tensor.data_ptr(), file.data.data() + entry.begin, entry.end - entry.begin);
  return tensor;
}

bool is_gpt2_conv1d_weight(const std::string& name) {
  return name.ends_with("attn.c_attn.weight") || name.ends_with("attn.c_proj.weight") ||
         name.ends_with("mlp.c_fc.weight") || name.ends_with("mlp.c_proj.weight");
}

// Names a GPT-2-style file may hold that are not weights of this model.
bool is_ignored_tensor(const std::string& name, bool tied_head) {
  return name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias") ||
         (tied_head && name == "lm_head.weight");
}

}  // namespace

void load_safetensors_weights(TransformerLm& model, const SafetensorsFile& file,
                              const std::string& layout) {
  constexpr std::string_view kPrefix = "transformer.";
  torch::NoGradGuard no_grad;
  auto parameters = model->named_parameters();
  std::set<std::string> loaded;
  for (const auto& entry : file.tensors) {
    auto name = entry.name.starts_with(kPrefix) ? entry.name.substr(kPrefix.size()) : entry.name;
    if (is_ignored_tensor(name, model->shape().tied_head)) continue;
    auto* target = parameters.find(name);
    if (target == nullptr) {
      throw InputError(
          fmt::format("'{}' holds tensor '{}', which the model (layers = {}, tied "
                      "head = {}) does not have; check the model shape",
                      file.path, entry.name, model->shape().layers, model->shape().tied_head));
    }
    auto value = tensor_from(file, entry);
    if (layout == "gpt2-conv1d" && value.dim() == 2 && is_gpt2_conv1d_weight(name))
      value = value.t();
    if (value.sizes() != target->sizes()) {
      throw InputError(
          fmt::format("'{}': tensor '{}' has shape {} but the model expects {}; check "
                      "layers, d_model, heads, context and weights_layout",
                      file.path, entry.name, value.sizes(), target->sizes()));
    }
    target->copy_(value);
    loaded.insert(name);
  }
  for (const auto& item : parameters) {
    if (!loaded.contains(item.key())) {
      throw InputError(
          fmt::format("'{}' lacks tensor '{}' ({} of the model's {} tensors found); "
                      "check the model shape",
                      file.path, item.key(), loaded.size(), parameters.size()));
    }
  }
}

// --- energy of generation --------------------------------------------------------------------

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

using detail::TransformerLm;

torch::Device resolve_device(const std::string& name) {
  return detail::resolve_device(name, "device \"{}\" requested", "cpu");
}

int thread_count(std::int64_t requested) {
  const auto hardware = std::max<std::int64_t>(1, std::thread::hardware_concurrency());
  return static_cast<int>(requested > 0 ? requested : hardware);
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
using detail::throw_if_stopped;

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

void record_generation_energy(TaskOutcome& outcome, const detail::GenerationEnergy& energy) {
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
    record_generation_energy(outcome, measure_generation(context, model, settings, prompts));
    throw_if_stopped(context);
    if (context.skip_training) {
      if (auto reason = context.skip_training(metrics)) {
        log_line(context, fmt::format("training skipped: {}", *reason));
        outcome.pruned_reason = std::move(reason);
        return outcome;
      }
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

// --- benchmark ----------------------------------------------------------------------

std::vector<std::string> bench_devices(const std::vector<std::string>& requested) {
  std::vector<std::string> devices;
  if (requested.empty()) {
    devices.emplace_back("cpu");
    if (torch::cuda::is_available()) devices.emplace_back("cuda:0");
    return devices;
  }
  for (const auto& name : requested) {
    const auto device = resolve_device(name);  // refuses CUDA where there is none
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

std::unique_ptr<Task> detail::torch_text_generation_task(const nlohmann::json& config) {
  return std::make_unique<TextGenerationTask>(text_generation_config_from_json(config));
}

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
  at::set_num_threads(thread_count(options.threads));
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
