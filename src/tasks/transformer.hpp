#pragma once
// libtorch side of the text-generation task, private to src/tasks and its
// tests: a GPT-2-style decoder-only Transformer, its KV cache, generation
// in two phases (prefill, decode), training and held-out loss, and loading
// safetensors weights. Module and parameter names follow GPT-2's (wte, wpe,
// h.N.ln_1, h.N.attn.c_attn, ..., ln_f), so GPT-2-style files map by name.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ecopt/tasks/task.hpp"
#include "ecopt/tasks/text_generation.hpp"

namespace ecopt::detail {

// Keys and values of every layer, preallocated for `capacity` positions:
// [batch, heads, capacity, head_dim]. Positions below `length` are filled.
struct KvCache {
  std::vector<torch::Tensor> keys;
  std::vector<torch::Tensor> values;
  std::int64_t length = 0;
};

class CausalSelfAttentionImpl : public torch::nn::Module {
 public:
  CausalSelfAttentionImpl(std::int64_t d_model, std::int64_t heads);
  // x: [batch, time, d_model]. With a cache, x holds the positions from
  // cache->length on, and its keys and values are appended to layer
  // `layer` of the cache (which the caller then advances).
  torch::Tensor forward(const torch::Tensor& x, KvCache* cache, std::size_t layer);

 private:
  std::int64_t heads_;
  torch::nn::Linear c_attn_{nullptr};  // queries, keys and values in one matmul
  torch::nn::Linear c_proj_{nullptr};
};
TORCH_MODULE(CausalSelfAttention);

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(std::int64_t d_model);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear c_fc_{nullptr};
  torch::nn::Linear c_proj_{nullptr};
};
TORCH_MODULE(Mlp);

// Pre-LayerNorm block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(std::int64_t d_model, std::int64_t heads);
  torch::Tensor forward(const torch::Tensor& x, KvCache* cache, std::size_t layer);

 private:
  torch::nn::LayerNorm ln_1_{nullptr};
  CausalSelfAttention attn_{nullptr};
  torch::nn::LayerNorm ln_2_{nullptr};
  Mlp mlp_{nullptr};
};
TORCH_MODULE(Block);

class TransformerLmImpl : public torch::nn::Module {
 public:
  explicit TransformerLmImpl(const TransformerShape& shape);

  // tokens: [batch, time] int64. Returns logits [batch, time, vocab], or of
  // the last position only ([batch, vocab]) when `last_only`. With a cache
  // the tokens continue the cached positions, and the cache advances.
  torch::Tensor forward(const torch::Tensor& tokens, KvCache* cache = nullptr,
                        bool last_only = false);

  KvCache make_cache(std::int64_t batch, std::int64_t capacity) const;
  const TransformerShape& shape() const { return shape_; }

 private:
  TransformerShape shape_;
  torch::nn::Embedding wte_{nullptr};  // token embedding (and the tied head)
  torch::nn::Embedding wpe_{nullptr};  // learned positions
  torch::nn::ModuleList h_{nullptr};
  torch::nn::LayerNorm ln_f_{nullptr};
  torch::nn::Linear lm_head_{nullptr};  // only when the head is untied
};
TORCH_MODULE(TransformerLm);

// The model on `device` in `dtype`, parameters initialised as GPT-2's
// (normal, std 0.02) from torch's seeded generator.
TransformerLm build_transformer(const TransformerShape& shape, const torch::Device& device,
                                torch::Dtype dtype = torch::kFloat32);

// A copy in another dtype for inference (the original is unchanged).
TransformerLm inference_copy(const TransformerLm& model, torch::Dtype dtype);

torch::Dtype dtype_from_name(const std::string& name);  // float32 or bfloat16

// Prompts as a [count, bytes] int64 tensor of byte values.
torch::Tensor encode_prompts(const std::vector<std::string>& prompts, const torch::Device& device);

// Generation in two phases that can each be repeated for measurement:
// prefill() runs the prompts and returns the first new token of each;
// decode() generates the remaining new_tokens - 1 tokens after it and can
// be called again: it restarts from the state prefill() left, without
// copying it (the cache slots after the prompt are overwritten).
class Decoder {
 public:
  Decoder(TransformerLm model, GenerationSettings settings, std::uint64_t seed);

  torch::Tensor prefill(const torch::Tensor& prompts);  // [batch, 1], on the CPU
  torch::Tensor decode(const torch::Tensor& first);     // [batch, new_tokens - 1], on the CPU
  // prefill + decode: [batch, new_tokens], on the CPU.
  torch::Tensor generate(const torch::Tensor& prompts);

 private:
  torch::Tensor next_tokens(const torch::Tensor& logits);

  TransformerLm model_;
  GenerationSettings settings_;
  at::Generator generator_;
  std::optional<KvCache> cache_;
  torch::Tensor prompts_;
};

// Energy of generation, one phase per measurement, each in its own windows.
struct GenerationEnergy {
  PerSampleEnergy prefill;             // joules per prompt token; windows named "prefill"
  PerSampleEnergy decode;              // joules per decoded token; windows named "decode"
  double prefill_s = 0.0;              // one prefill of the batch (median)
  double decode_s = 0.0;               // one decode of the batch (median)
  // One generation of the batch: its prompt tokens prefilled, then
  // new_tokens − 1 decoded (the prefill yields the first new token).
  std::size_t prompt_tokens = 0;
  std::size_t decoded_tokens = 0;
  std::size_t generated_tokens = 0;    // batch × new_tokens
  double j_per_generated_token = 0.0;  // both phases over the batch × new_tokens tokens
  // The same figure from each pair of windows (the i-th prefill's and the
  // i-th decode's): what the generation record's spread is made of.
  std::vector<double> j_per_generated_token_pairs;
  double generated_tokens_per_s = 0.0;
};

// Measures prefill(prompts) and decode(first) separately under `policy`;
// `between_runs` is called before each run (a trial's stop check).
GenerationEnergy measure_generation_energy(EnergyMonitor& monitor, Decoder& decoder,
                                           const torch::Tensor& prompts,
                                           const GenerationSettings& settings,
                                           const RepeatPolicy& policy,
                                           const std::function<void()>& between_runs = [] {});

// The prefill, decode and generation records and the per-token metrics of
// one measurement, into a trial's outcome.
void record_generation_energy(TaskOutcome& outcome, const GenerationEnergy& energy);

// Adam on random windows of `train` (int64 bytes); `between_steps` runs
// before each step (it may throw to stop). Returns the mean loss of the
// last tenth of the steps (nats per byte).
double train_language_model(
    TransformerLm& model, const torch::Tensor& train, const TrainingSettings& settings,
    const std::function<void(std::int64_t step, double loss)>& between_steps);

// Mean cross-entropy (nats per byte) over non-overlapping windows of
// `sequence_bytes` + 1 bytes of `heldout`.
double heldout_loss(TransformerLm& model, const torch::Tensor& heldout,
                    std::int64_t sequence_bytes);

// Copies a safetensors file's tensors into the model's parameters by name
// (a "transformer." prefix and GPT-2's attention-mask buffers are ignored).
// "gpt2-conv1d" transposes the linear weights, which GPT-2 stores as
// [in, out]. Throws InputError naming a missing, unknown or misshapen tensor.
void load_safetensors_weights(TransformerLm& model, const SafetensorsFile& file,
                              const std::string& layout);

}  // namespace ecopt::detail
