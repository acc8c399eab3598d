// The Transformer the text-generation task trains and measures: a
// GPT-2-style causal language model with a KV cache, two-phase generation
// (prefill, then decode), training on a byte corpus, held-out loss, and
// safetensors weights. Part of the libtorch module (torch_module.hpp).
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

namespace ecopt::detail {

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

}  // namespace ecopt::detail
