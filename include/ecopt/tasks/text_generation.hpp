#pragma once
// The text-generation task: a GPT-2-style decoder-only Transformer over
// bytes (vocabulary 256, so no tokenizer), trained on a text corpus, with
// the energy of generation measured in two separate phases: prefill (the
// prompt) and decode (one new token per step). Also the cross-device
// generation benchmark behind `ecopt generation-bench`, and a reader for
// local safetensors weights. This header needs no libtorch.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecopt/core/param.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/tasks/task.hpp"

namespace ecopt {

inline constexpr std::int64_t kByteVocabulary = 256;

// --- model shape and cost ---------------------------------------------------

struct TransformerShape {
  std::int64_t layers = 2;
  std::int64_t d_model = 64;
  std::int64_t heads = 4;
  std::int64_t context = 128;  // longest sequence: positions are learned
  std::int64_t vocab = kByteVocabulary;
  bool tied_head = true;  // the output head reuses the token embedding, as in GPT-2

  // Throws InputError naming the bad field (e.g. d_model not divisible by heads).
  void validate() const;
  nlohmann::json to_json() const;
};

// "micro", "tiny", "mini" train here in seconds; "gpt2-small" (12 layers,
// 768, 12 heads), "gpt2-medium" (24, 1024, 16) and "gpt2-large" (36, 1280,
// 20) have GPT-2's shapes and 1024 positions, with the byte vocabulary.
// Throws InputError listing the names for an unknown one.
TransformerShape transformer_preset(const std::string& name);
std::vector<std::string> transformer_preset_names();  // smallest first

// Exact parameter count of the model built from `shape`.
std::int64_t transformer_params(const TransformerShape& shape);

// Forward FLOPs (a multiply-add counts 2) of one token that attends to
// `attended` positions: 24·L·d² (the QKV, output and two MLP matmuls of
// every block) + 4·L·d·attended (scores and weighted sum) + 2·d·V (head).
// Biases, LayerNorm, GELU and softmax are left out (under 2% at d ≥ 64).
double flops_per_token(const TransformerShape& shape, double attended);

// FLOPs executed per generated token when generating `new_tokens` after a
// prompt of `prompt_tokens`: with the KV cache every position is computed
// once; without it every decode step recomputes the whole sequence.
double generation_flops_per_token(const TransformerShape& shape, std::int64_t prompt_tokens,
                                  std::int64_t new_tokens, bool kv_cache);

// --- settings ----------------------------------------------------------------

// Inference knobs: they change the energy of generation, not the model.
struct GenerationSettings {
  std::int64_t batch_size = 1;
  std::string dtype = "float32";  // float32 or bfloat16
  bool kv_cache = true;
  std::string sampling = "greedy";  // greedy or top-k
  std::int64_t top_k = 40;
  double temperature = 1.0;
  // The paper's prompts are 20 words; 20 words of English average about
  // 112 bytes (5.6 bytes per word with its space).
  std::int64_t prompt_bytes = 112;
  std::int64_t new_tokens = 10;

  nlohmann::json to_json() const;
};

struct TrainingSettings {
  double lr = 3e-3;
  std::int64_t steps = 200;  // 0: no training (e.g. with loaded weights)
  std::int64_t batch_size = 16;
  std::int64_t sequence_bytes = 128;  // capped to the model's context
};

// One trial's settings after trial params, the config's fixed values and
// the preset's defaults were merged.
struct TextTrialSettings {
  TransformerShape shape;
  GenerationSettings generation;
  TrainingSettings training;

  nlohmann::json to_json() const;
};

// Files of the default corpus: Debian's base-files package (essential, so
// on every Debian machine) ships the common licence texts here.
inline constexpr const char* kDefaultCorpusPath = "/usr/share/common-licenses";

struct TextGenerationConfig {
  std::vector<std::string> corpus = {kDefaultCorpusPath};  // files or folders
  double heldout_fraction = 0.1;                           // the last part of every file
  std::int64_t heldout_bytes = 32768;     // most held-out bytes evaluated per trial
  std::string model = "tiny";             // preset giving the shape's defaults
  std::string device = "cpu";             // cpu, cuda or cuda:N
  std::int64_t threads = 0;               // 0: every hardware thread
  std::int64_t seed = 0;                  // torch seed = seed + trial number
  std::string weights;                    // optional safetensors file loaded before training
  std::string weights_layout = "native";  // or "gpt2-conv1d" (transposed linear weights)
  RepeatPolicy energy;
  ParamMap fixed;  // pins parameters of the default search space
};

// Parses the study file's [task] table; throws InputError naming a bad or
// unknown setting.
TextGenerationConfig text_generation_config_from_json(const nlohmann::json& config);

// Trial params over config.fixed over the preset; throws InputError naming
// the parameter.
TextTrialSettings resolve_text_trial_settings(const ParamMap& params,
                                              const TextGenerationConfig& config);

// Model size (layers, d_model) and the inference knobs (generation batch
// size, dtype, KV cache); config.fixed pins any of them.
SearchSpace text_generation_search_space(const TextGenerationConfig& config);

// Opens ECOpt's libtorch module on first use (ECOPT_WITH_TORCH builds it);
// throws UnavailableError saying what is missing when it cannot.
std::unique_ptr<Task> make_text_generation_task(const nlohmann::json& config);

// --- corpus ------------------------------------------------------------------

struct TextCorpus {
  std::vector<std::string> files;  // every file read, sorted
  std::string train;               // the first part of every file
  std::string heldout;             // the last heldout_fraction of every file
};

// Reads files, and the regular files directly inside folders (links are
// skipped so that a file is not read twice). Throws InputError when a path
// is missing or the text is too short to split.
TextCorpus load_text_corpus(const std::vector<std::string>& paths, double heldout_fraction);

// `count` prompts of `bytes` bytes each, starting at word boundaries spread
// over `text`; throws InputError when the text is shorter than one prompt.
std::vector<std::string> make_prompts(const std::string& text, std::int64_t count,
                                      std::int64_t bytes);

// --- safetensors ----------------------------------------------------------------

struct SafetensorsTensor {
  std::string name;
  std::string dtype;  // "F32", "F16", "BF16", "F64", "I64", ...
  std::vector<std::int64_t> shape;
  std::size_t begin = 0;  // byte offsets into SafetensorsFile::data
  std::size_t end = 0;
};

struct SafetensorsFile {
  std::string path;
  std::vector<SafetensorsTensor> tensors;              // in header order
  nlohmann::json metadata = nlohmann::json::object();  // "__metadata__", if any
  std::vector<std::uint8_t> data;                      // the byte buffer after the header
};

// The format: an 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}}, then the buffer.
// Throws InputError naming the file and the problem for anything malformed
// (short file, bad length, bad JSON, offsets outside the buffer, a size that
// does not match the shape and dtype).
SafetensorsFile read_safetensors(const std::string& path);
std::size_t safetensors_dtype_bytes(const std::string& dtype);  // 0 if unknown

// --- cross-device generation benchmark ----------------------------------------

struct GenerationBenchOptions {
  std::vector<std::string> devices;  // empty: cpu, and cuda when libtorch sees one
  std::vector<std::string> presets;  // empty: transformer_preset_names()
  GenerationSettings generation;     // the paper's: batch 1, greedy, 10 new tokens
  RepeatPolicy energy;
  std::vector<std::string> corpus = {kDefaultCorpusPath};  // where prompts come from
  double cpu_watts_per_core = 0.0;                         // 0: the energy module's default
  std::int64_t threads = 0;                                // 0: every hardware thread
  std::function<void(const std::string&)> log;
};

struct GenerationBenchCell {
  std::string preset;
  std::string device;
  bool measured = false;
  std::string skipped_reason;        // when not measured
  double j_per_token = 0.0;          // per generated token, prefill included
  double prefill_j_per_token = 0.0;  // per prompt token
  double decode_j_per_token = 0.0;   // per decoded token
  double tokens_per_s = 0.0;         // generated tokens per second
  std::string energy_source;
  std::string energy_device;
  bool idle_subtracted = false;
  bool is_estimate = false;
};

struct GenerationBenchResult {
  std::vector<std::string> devices;
  std::vector<std::string> presets;
  std::vector<std::int64_t> params;              // per preset
  std::vector<std::string> device_descriptions;  // per device: meters and model
  GenerationSettings generation;
  std::vector<GenerationBenchCell> cells;  // presets × devices, preset-major

  const GenerationBenchCell& cell(std::size_t preset, std::size_t device) const;
};

// Runs the same generation (untrained weights: the energy of generation
// does not depend on their values) for every preset on every device.
// A preset that fails on a device (e.g. out of memory) is recorded as
// skipped with the reason. Runs in ECOpt's libtorch module, like the task.
GenerationBenchResult run_generation_benchmark(const GenerationBenchOptions& options);

// Side-by-side Markdown: joules per token for each preset on each device,
// the Spearman correlation of the preset ranking between devices and of
// energy against parameter count. `provenance` lines (command, machine,
// date) open the document.
std::string generation_bench_markdown(const GenerationBenchResult& result,
                                      const std::vector<std::string>& provenance);

}  // namespace ecopt
