// The text-generation task's settings, cost model, corpus, safetensors
// reader and benchmark table: everything that needs no libtorch, so it
// compiles fast and tests alone.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/math/stats.hpp"
#include "ecopt/tasks/text_generation.hpp"
#include "json_config.hpp"
#include "task_common.hpp"

namespace ecopt {

// --- shape and cost -------------------------------------------------------------

void TransformerShape::validate() const {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw InputError(message);
  };
  require(layers >= 1, fmt::format("layers = {} must be at least 1", layers));
  require(heads >= 1, fmt::format("heads = {} must be at least 1", heads));
  require(d_model >= 1 && d_model % heads == 0,
          fmt::format("d_model = {} must be a positive multiple of heads = {}; pick d_model = {}",
                      d_model, heads, std::max<std::int64_t>(heads, d_model / heads * heads)));
  require(context >= 2, fmt::format("context = {} must be at least 2", context));
  require(vocab >= 2, fmt::format("vocab = {} must be at least 2", vocab));
}

nlohmann::json TransformerShape::to_json() const {
  return {{"layers", layers},   {"d_model", d_model}, {"heads", heads},
          {"context", context}, {"vocab", vocab},     {"tied_head", tied_head}};
}

namespace {

struct NamedShape {
  const char* name;
  TransformerShape shape;
};

const std::vector<NamedShape>& presets() {
  static const std::vector<NamedShape> list = {
      {"micro", {1, 32, 2, 128, kByteVocabulary, true}},
      {"tiny", {2, 64, 4, 128, kByteVocabulary, true}},
      {"mini", {4, 128, 4, 256, kByteVocabulary, true}},
      {"gpt2-small", {12, 768, 12, 1024, kByteVocabulary, true}},
      {"gpt2-medium", {24, 1024, 16, 1024, kByteVocabulary, true}},
      {"gpt2-large", {36, 1280, 20, 1024, kByteVocabulary, true}},
  };
  return list;
}

// FLOPs of one token in the blocks, without the output head.
double block_flops(const TransformerShape& shape, double attended) {
  const auto layers = static_cast<double>(shape.layers);
  const auto d = static_cast<double>(shape.d_model);
  return 24.0 * layers * d * d + 4.0 * layers * d * attended;
}

double head_flops(const TransformerShape& shape) {
  return 2.0 * static_cast<double>(shape.d_model) * static_cast<double>(shape.vocab);
}

// Block FLOPs of positions 0..count-1 computed together, position p
// attending to p + 1 positions.
double causal_block_flops(const TransformerShape& shape, std::int64_t count) {
  double total = 0.0;
  for (std::int64_t position = 0; position < count; ++position) {
    total += block_flops(shape, static_cast<double>(position + 1));
  }
  return total;
}

}  // namespace

TransformerShape transformer_preset(const std::string& name) {
  for (const auto& preset : presets()) {
    if (name == preset.name) return preset.shape;
  }
  throw InputError(fmt::format("unknown model preset \"{}\"; use one of: {}", name,
                               fmt::join(transformer_preset_names(), ", ")));
}

std::vector<std::string> transformer_preset_names() {
  std::vector<std::string> names;
  for (const auto& preset : presets()) names.emplace_back(preset.name);
  return names;
}

std::int64_t transformer_params(const TransformerShape& shape) {
  const auto d = shape.d_model;
  const auto embeddings = shape.vocab * d + shape.context * d;
  // LayerNorms 2·2d, QKV 3d²+3d, attention output d²+d, MLP 4d²+4d and 4d²+d.
  const auto per_block = 12 * d * d + 13 * d;
  const auto final_norm = 2 * d;
  const auto head = shape.tied_head ? 0 : shape.vocab * d;
  return embeddings + shape.layers * per_block + final_norm + head;
}

double flops_per_token(const TransformerShape& shape, double attended) {
  return block_flops(shape, attended) + head_flops(shape);
}

double generation_flops_per_token(const TransformerShape& shape, std::int64_t prompt_tokens,
                                  std::int64_t new_tokens, bool kv_cache) {
  if (new_tokens < 1) return 0.0;
  // The head runs once per produced token: generation computes logits of
  // the last position only.
  double total = static_cast<double>(new_tokens) * head_flops(shape);
  if (kv_cache) {
    total += causal_block_flops(shape, prompt_tokens + new_tokens - 1);
  } else {
    for (std::int64_t step = 0; step < new_tokens; ++step) {
      total += causal_block_flops(shape, prompt_tokens + step);
    }
  }
  return total / static_cast<double>(new_tokens);
}

// --- settings ------------------------------------------------------------------------

nlohmann::json GenerationSettings::to_json() const {
  return {{"generation_batch_size", batch_size},
          {"dtype", dtype},
          {"kv_cache", kv_cache},
          {"sampling", sampling},
          {"top_k", top_k},
          {"temperature", temperature},
          {"prompt_bytes", prompt_bytes},
          {"new_tokens", new_tokens}};
}

nlohmann::json TextTrialSettings::to_json() const {
  auto json = shape.to_json();
  json.update(generation.to_json());
  json["lr"] = training.lr;
  json["train_steps"] = training.steps;
  json["train_batch_size"] = training.batch_size;
  json["train_sequence_bytes"] = training.sequence_bytes;
  return json;
}

namespace {

std::string choice(const detail::JsonConfig& settings, const std::string& key,
                   const std::string& fallback, const std::vector<std::string>& allowed) {
  const auto value = settings.text(key, fallback);
  if (std::ranges::find(allowed, value) == allowed.end()) {
    throw InputError(fmt::format("{} = \"{}\" is not one of: {}", settings.where(key), value,
                                 fmt::join(allowed, ", ")));
  }
  return value;
}

std::vector<std::string> text_list(const detail::JsonConfig& settings, const std::string& key,
                                   std::vector<std::string> fallback) {
  if (!settings.has(key)) return fallback;
  const auto& value = settings.raw(key);
  if (value.is_string()) return {value.get<std::string>()};
  std::vector<std::string> items;
  if (value.is_array() && !value.empty()) {
    for (const auto& item : value) {
      if (!item.is_string()) break;
      items.push_back(item.get<std::string>());
    }
  }
  if (items.empty() || items.size() != value.size()) {
    throw InputError(fmt::format("{} must be a path or a list of paths, got {}",
                                 settings.where(key), value.dump()));
  }
  return items;
}

const std::initializer_list<std::string_view> kParameterNames = {"layers",
                                                                 "d_model",
                                                                 "heads",
                                                                 "context",
                                                                 "tied_head",
                                                                 "generation_batch_size",
                                                                 "dtype",
                                                                 "kv_cache",
                                                                 "sampling",
                                                                 "top_k",
                                                                 "temperature",
                                                                 "prompt_bytes",
                                                                 "new_tokens",
                                                                 "lr",
                                                                 "train_steps",
                                                                 "train_batch_size",
                                                                 "train_sequence_bytes"};

void check_generation_fits(const TextTrialSettings& settings) {
  const auto& generation = settings.generation;
  if (generation.prompt_bytes + generation.new_tokens > settings.shape.context) {
    throw InputError(fmt::format(
        "prompt_bytes ({}) + new_tokens ({}) exceed the model's context ({}); raise context or "
        "shorten the prompt",
        generation.prompt_bytes, generation.new_tokens, settings.shape.context));
  }
}

}  // namespace

TextTrialSettings resolve_text_trial_settings(const ParamMap& params,
                                              const TextGenerationConfig& config) {
  auto merged = to_json(config.fixed);
  merged.update(to_json(params));
  const detail::JsonConfig values(merged, "parameter");
  values.reject_unknown(kParameterNames);

  TextTrialSettings settings;
  auto& shape = settings.shape;
  shape = transformer_preset(config.model);
  shape.layers = values.integer("layers", shape.layers, 1, 256);
  shape.d_model = values.integer("d_model", shape.d_model, 1, 1 << 16);
  shape.heads = values.integer("heads", shape.heads, 1, 1024);
  shape.context = values.integer("context", shape.context, 2, 1 << 16);
  shape.tied_head = values.boolean("tied_head", shape.tied_head);
  shape.validate();

  auto& generation = settings.generation;
  generation.batch_size =
      values.integer("generation_batch_size", generation.batch_size, 1, 1 << 16);
  generation.dtype = choice(values, "dtype", generation.dtype, {"float32", "bfloat16"});
  generation.kv_cache = values.boolean("kv_cache", generation.kv_cache);
  generation.sampling = choice(values, "sampling", generation.sampling, {"greedy", "top-k"});
  generation.top_k = values.integer("top_k", generation.top_k, 1, shape.vocab);
  generation.temperature = values.number("temperature", generation.temperature, 1e-3, 100.0);
  generation.prompt_bytes = values.integer("prompt_bytes", generation.prompt_bytes, 1, 1 << 16);
  // Two at least: the first new token comes from prefill, the rest from decode.
  generation.new_tokens = values.integer("new_tokens", generation.new_tokens, 2, 1 << 16);
  check_generation_fits(settings);

  auto& training = settings.training;
  training.lr = values.number("lr", training.lr, 1e-7, 1.0);
  training.steps = values.integer("train_steps", training.steps, 0, 10'000'000);
  training.batch_size = values.integer("train_batch_size", training.batch_size, 1, 1 << 16);
  training.sequence_bytes = std::min(
      shape.context, values.integer("train_sequence_bytes", training.sequence_bytes, 2, 1 << 16));
  return settings;
}

TextGenerationConfig text_generation_config_from_json(const nlohmann::json& json) {
  const detail::JsonConfig settings(json, "task");
  settings.reject_unknown({"kind", "corpus", "heldout_fraction", "heldout_bytes", "model", "device",
                           "threads", "seed", "weights", "weights_layout", "energy", "fixed"});
  TextGenerationConfig config;
  config.corpus = text_list(settings, "corpus", config.corpus);
  config.heldout_fraction = settings.number("heldout_fraction", config.heldout_fraction, 0.01, 0.5);
  config.heldout_bytes = settings.integer("heldout_bytes", config.heldout_bytes, 2, 1LL << 32);
  config.model = choice(settings, "model", config.model, transformer_preset_names());
  config.device = settings.text("device", config.device);
  if (config.device != "cpu" && config.device != "cuda" && config.device.rfind("cuda:", 0) != 0) {
    throw InputError(fmt::format("task.device = \"{}\" is not a device; use cpu, cuda or cuda:N",
                                 config.device));
  }
  config.threads = settings.integer("threads", config.threads, 0, 1024);
  config.seed = settings.integer("seed", config.seed, 0, 1LL << 40);
  config.weights = settings.text("weights", config.weights);
  config.weights_layout =
      choice(settings, "weights_layout", config.weights_layout, {"native", "gpt2-conv1d"});
  config.energy = detail::repeat_policy_from(settings.table("energy"));
  const auto& fixed = settings.raw("fixed");
  if (!fixed.is_object()) {
    throw InputError(
        fmt::format("task.fixed must be a table of parameter values, got {}", fixed.dump()));
  }
  config.fixed = param_map_from_json(fixed);
  // Bad fixed values fail now rather than in every trial.
  resolve_text_trial_settings({}, config);
  return config;
}

SearchSpace text_generation_search_space(const TextGenerationConfig& config) {
  auto values = [](std::vector<std::int64_t> list) {
    return std::vector<ParamValue>(list.begin(), list.end());
  };
  const auto preset = transformer_preset(config.model);
  std::vector<Parameter> parameters = {
      {"layers", IntDistribution{1, 4, false, 1}, {}},
      // Multiples of the preset's heads, so every width splits into heads.
      {"d_model",
       OrdinalDistribution{values({8 * preset.heads, 16 * preset.heads, 32 * preset.heads})},
       {}},
      {"generation_batch_size", OrdinalDistribution{values({1, 4, 16, 64})}, {}},
      {"dtype", CategoricalDistribution{{std::string("float32"), std::string("bfloat16")}}, {}},
      {"kv_cache", CategoricalDistribution{{true, false}}, {}},
  };
  for (auto& parameter : parameters) {
    if (auto it = config.fixed.find(parameter.name); it != config.fixed.end()) {
      parameter.distribution = FixedDistribution{it->second};
    }
  }
  return SearchSpace(std::move(parameters));
}

// --- corpus ----------------------------------------------------------------------

namespace {

std::vector<std::string> corpus_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> inside;
      for (const auto& entry : fs::directory_iterator(path, error)) {
        if (entry.is_regular_file() && !entry.is_symlink()) inside.push_back(entry.path().string());
      }
      std::ranges::sort(inside);
      files.insert(files.end(), inside.begin(), inside.end());
    } else if (fs::is_regular_file(path, error)) {
      files.push_back(path);
    } else {
      throw InputError(fmt::format(
          "corpus path '{}' is neither a file nor a folder; set task.corpus to text files or a "
          "folder of them (the default, {}, comes with Debian's base-files)",
          path, kDefaultCorpusPath));
    }
  }
  return files;
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(fmt::format("cannot read corpus file '{}'; check its permissions", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TextCorpus load_text_corpus(const std::vector<std::string>& paths, double heldout_fraction) {
  TextCorpus corpus;
  corpus.files = corpus_files(paths);
  for (const auto& file : corpus.files) {
    const auto text = read_file_bytes(file);
    const auto split = static_cast<std::size_t>(
        std::floor(static_cast<double>(text.size()) * (1.0 - heldout_fraction)));
    corpus.train += text.substr(0, split);
    corpus.heldout += text.substr(split);
  }
  constexpr std::size_t kMinimumBytes = 64;
  if (corpus.train.size() < kMinimumBytes || corpus.heldout.size() < kMinimumBytes) {
    throw InputError(fmt::format(
        "the corpus ({} files) splits into {} training and {} held-out bytes; each needs at "
        "least {}: add text to task.corpus",
        corpus.files.size(), corpus.train.size(), corpus.heldout.size(), kMinimumBytes));
  }
  return corpus;
}

std::vector<std::string> make_prompts(const std::string& text, std::int64_t count,
                                      std::int64_t bytes) {
  const auto length = static_cast<std::size_t>(bytes);
  if (count < 1 || bytes < 1 || text.size() < length) {
    throw InputError(
        fmt::format("cannot cut {} prompts of {} bytes from {} bytes of text; use "
                    "shorter prompts or more text",
                    count, bytes, text.size()));
  }
  const std::size_t room = text.size() - length;
  std::vector<std::string> prompts;
  for (std::int64_t i = 0; i < count; ++i) {
    std::size_t start = room * static_cast<std::size_t>(i) / static_cast<std::size_t>(count);
    // Begin after the next space, so prompts start with a whole word.
    const auto space = text.find_first_of(" \n\t", start);
    if (space != std::string::npos && space + 1 <= room) start = space + 1;
    prompts.push_back(text.substr(start, length));
  }
  return prompts;
}

// --- safetensors -----------------------------------------------------------------

std::size_t safetensors_dtype_bytes(const std::string& dtype) {
  static const std::vector<std::pair<std::string, std::size_t>> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
  for (const auto& [name, size] : sizes) {
    if (name == dtype) return size;
  }
  return 0;
}

namespace {

[[noreturn]] void bad_safetensors(const std::string& path, const std::string& problem) {
  throw InputError(fmt::format("'{}' is not a valid safetensors file: {}; re-export the weights",
                               path, problem));
}

SafetensorsTensor parse_tensor_entry(const std::string& path, const std::string& name,
                                     const nlohmann::json& entry, std::size_t buffer_bytes) {
  SafetensorsTensor tensor;
  tensor.name = name;
  if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
      !entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("data_offsets") ||
      !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2) {
    bad_safetensors(
        path, fmt::format("tensor '{}' needs dtype, shape and data_offsets [begin, end]", name));
  }
  tensor.dtype = entry["dtype"].get<std::string>();
  const auto element_bytes = safetensors_dtype_bytes(tensor.dtype);
  if (element_bytes == 0)
    bad_safetensors(path, fmt::format("tensor '{}' has unknown dtype '{}'", name, tensor.dtype));
  std::size_t elements = 1;
  for (const auto& dimension : entry["shape"]) {
    if (!dimension.is_number_unsigned()) {
      bad_safetensors(path, fmt::format("tensor '{}' has a shape entry {} that is not a size", name,
                                        dimension.dump()));
    }
    tensor.shape.push_back(dimension.get<std::int64_t>());
    elements *= dimension.get<std::size_t>();
  }
  for (const auto& offset : entry["data_offsets"]) {
    if (!offset.is_number_unsigned())
      bad_safetensors(path,
                      fmt::format("tensor '{}' has a bad data offset {}", name, offset.dump()));
  }
  tensor.begin = entry["data_offsets"][0].get<std::size_t>();
  tensor.end = entry["data_offsets"][1].get<std::size_t>();
  if (tensor.begin > tensor.end || tensor.end > buffer_bytes) {
    bad_safetensors(path, fmt::format("tensor '{}' spans bytes [{}, {}) outside the {}-byte buffer",
                                      name, tensor.begin, tensor.end, buffer_bytes));
  }
  if (tensor.end - tensor.begin != elements * element_bytes) {
    bad_safetensors(path, fmt::format("tensor '{}' holds {} bytes but {} {} of shape [{}] need {}",
                                      name, tensor.end - tensor.begin, elements, tensor.dtype,
                                      fmt::join(tensor.shape, ", "), elements * element_bytes));
  }
  return tensor;
}

}  // namespace

SafetensorsFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("cannot open weights file '{}'; check the path", path));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  constexpr std::size_t kLengthBytes = 8;
  if (bytes.size() < kLengthBytes)
    bad_safetensors(path, fmt::format("only {} bytes long", bytes.size()));
  std::uint64_t header_bytes = 0;
  for (std::size_t i = 0; i < kLengthBytes; ++i) {
    header_bytes |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  }
  if (header_bytes > bytes.size() - kLengthBytes) {
    bad_safetensors(path,
                    fmt::format("the header claims {} bytes but the file has {} after the length",
                                header_bytes, bytes.size() - kLengthBytes));
  }
  const auto header_end = kLengthBytes + static_cast<std::size_t>(header_bytes);
  nlohmann::json header;
  try {
    header = parse_json_input(
        std::string_view(reinterpret_cast<const char*>(bytes.data()) + kLengthBytes,
                         static_cast<std::size_t>(header_bytes)),
        "the header");
  } catch (const InputError& error) {
    bad_safetensors(path, error.what());
  }
  if (!header.is_object()) bad_safetensors(path, "the header is not a JSON object");

  SafetensorsFile file;
  file.path = path;
  file.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header_end), bytes.end());
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      file.metadata = entry;
      continue;
    }
    file.tensors.push_back(parse_tensor_entry(path, name, entry, file.data.size()));
  }
  return file;
}

// --- benchmark table ------------------------------------------------------------------

const GenerationBenchCell& GenerationBenchResult::cell(std::size_t preset,
                                                       std::size_t device) const {
  return cells.at(preset * devices.size() + device);
}

namespace {

std::string joules(double value) { return fmt::format("{:.3g}", value); }

std::string count_text(std::int64_t count) {
  const auto value = static_cast<double>(count);
  return value < 1e6 ? fmt::format("{:.3g}k", value / 1e3) : fmt::format("{:.3g}M", value / 1e6);
}

std::string cell_text(const GenerationBenchCell& cell, double value) {
  return cell.measured ? joules(value) : fmt::format("— ({})", cell.skipped_reason);
}

// Presets measured on both devices: their J/token on each.
std::pair<std::vector<double>, std::vector<double>> paired(const GenerationBenchResult& result,
                                                           std::size_t a, std::size_t b) {
  std::pair<std::vector<double>, std::vector<double>> values;
  for (std::size_t p = 0; p < result.presets.size(); ++p) {
    if (!result.cell(p, a).measured || !result.cell(p, b).measured) continue;
    values.first.push_back(result.cell(p, a).j_per_token);
    values.second.push_back(result.cell(p, b).j_per_token);
  }
  return values;
}

std::string rho_text(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() < 3) return fmt::format("n/a ({} models; needs 3)", x.size());
  return fmt::format("{:.3f}", spearman(x, y));
}

void write_setting(std::ostringstream& out, const GenerationBenchResult& result) {
  const auto& g = result.generation;
  out << fmt::format(
      "Setting: prompts of {} bytes (about 20 words of English), {} new tokens, {} decoding, "
      "batch size {}, {}, KV cache {}. Weights are untrained: the energy of generation depends "
      "on the shapes and the knobs, not on the weights' values.\n\n",
      g.prompt_bytes, g.new_tokens, g.sampling, g.batch_size, g.dtype, g.kv_cache ? "on" : "off");
}

void write_energy_notes(std::ostringstream& out, const GenerationBenchResult& result) {
  out << "Energy per device:\n\n";
  for (std::size_t d = 0; d < result.devices.size(); ++d) {
    out << fmt::format("- {}: {}\n", result.devices[d], result.device_descriptions.at(d));
  }
  const bool any_estimate = std::ranges::any_of(result.cells, [](const auto& cell) {
    return cell.measured && cell.is_estimate;
  });
  if (any_estimate) {
    out << "\nFigures from `estimate-cpu-time` are ESTIMATES (this process's CPU time × watts per "
           "hardware thread, as above), not sensor readings: they rank models by compute, not by "
           "measured power.\n";
  }
  out << '\n';
}

void write_table(std::ostringstream& out, const GenerationBenchResult& result) {
  out << "| Model | Params | MFLOPs/token |";
  for (const auto& device : result.devices) {
    out << fmt::format(" {0} J/token | {0} prefill J/token | {0} decode J/token | {0} tokens/s |",
                       device);
  }
  out << "\n|---|---:|---:|";
  for (std::size_t d = 0; d < result.devices.size(); ++d) out << "---:|---:|---:|---:|";
  out << '\n';
  for (std::size_t p = 0; p < result.presets.size(); ++p) {
    const auto shape = transformer_preset(result.presets[p]);
    const auto flops =
        generation_flops_per_token(shape, result.generation.prompt_bytes,
                                   result.generation.new_tokens, result.generation.kv_cache);
    out << fmt::format("| {} ({}×{}) | {} | {:.3g} |", result.presets[p], shape.layers,
                       shape.d_model, count_text(result.params[p]), flops / 1e6);
    for (std::size_t d = 0; d < result.devices.size(); ++d) {
      const auto& cell = result.cell(p, d);
      out << fmt::format(" {} | {} | {} | {} |", cell_text(cell, cell.j_per_token),
                         cell.measured ? joules(cell.prefill_j_per_token) : "—",
                         cell.measured ? joules(cell.decode_j_per_token) : "—",
                         cell.measured ? fmt::format("{:.3g}", cell.tokens_per_s) : "—");
    }
    out << '\n';
  }
  out << '\n';
}

void write_rankings(std::ostringstream& out, const GenerationBenchResult& result) {
  out << "Ranking of models by J/token (Spearman ρ):\n\n";
  if (result.devices.size() < 2) {
    out << "- across devices: n/a, only one device was measured here.\n";
  }
  for (std::size_t a = 0; a < result.devices.size(); ++a) {
    for (std::size_t b = a + 1; b < result.devices.size(); ++b) {
      const auto [x, y] = paired(result, a, b);
      out << fmt::format("- {} vs {}: ρ = {}\n", result.devices[a], result.devices[b],
                         rho_text(x, y));
    }
  }
  for (std::size_t d = 0; d < result.devices.size(); ++d) {
    std::vector<double> params;
    std::vector<double> energy;
    for (std::size_t p = 0; p < result.presets.size(); ++p) {
      if (!result.cell(p, d).measured) continue;
      params.push_back(static_cast<double>(result.params[p]));
      energy.push_back(result.cell(p, d).j_per_token);
    }
    out << fmt::format("- {} J/token vs parameter count: ρ = {}\n", result.devices[d],
                       rho_text(params, energy));
  }
}

}  // namespace

std::string generation_bench_markdown(const GenerationBenchResult& result,
                                      const std::vector<std::string>& provenance) {
  std::ostringstream out;
  out << "# Text generation: joules per token across devices\n\n";
  for (const auto& line : provenance) out << "- " << line << '\n';
  if (!provenance.empty()) out << '\n';
  write_setting(out, result);
  write_energy_notes(out, result);
  write_table(out, result);
  write_rankings(out, result);
  return out.str();
}

}  // namespace ecopt
