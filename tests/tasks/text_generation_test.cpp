// The text-generation task on real libtorch: tiny Transformers, the real
// energy monitor (on a machine without sensors: the CPU-time estimate), the
// corpus Debian ships, and safetensors files the tests write.
#include "ecopt/tasks/text_generation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/meter.hpp"
#include "ecopt/tasks/task.hpp"
#include "transformer.hpp"

#include "support/optional_component.hpp"

// The default corpus is Debian's license texts (base-files): every Debian
// machine has them; ECOPT_REQUIRE_CORPUS=1 fails where they are missing.
#define ECOPT_NEED_CORPUS()                                                                   \
  ECOPT_NEED_COMPONENT(std::filesystem::exists(::ecopt::kDefaultCorpusPath), "CORPUS",        \
                       std::string("no text corpus at ") + ::ecopt::kDefaultCorpusPath)

namespace ecopt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

EnergyMonitor make_monitor() {
  auto discovery = discover_meters(DiscoveryOptions{});
  return EnergyMonitor(std::move(discovery.meters));
}

const RepeatPolicy kQuickPolicy{0.05, 0, 2, 1'000'000};

TransformerShape micro_shape() {
  auto shape = transformer_preset("micro");
  shape.context = 64;
  return shape;
}

GenerationSettings short_generation(bool kv_cache, std::int64_t batch = 1) {
  GenerationSettings settings;
  settings.kv_cache = kv_cache;
  settings.batch_size = batch;
  settings.prompt_bytes = 24;
  settings.new_tokens = 12;
  return settings;
}

torch::Tensor sample_prompts(std::int64_t batch, std::int64_t bytes) {
  std::vector<std::string> prompts;
  const std::string text = "The quick brown fox jumps over the lazy dog while it sleeps soundly. ";
  for (std::int64_t i = 0; i < batch; ++i) {
    prompts.push_back(text.substr(static_cast<std::size_t>(i), static_cast<std::size_t>(bytes)));
  }
  return detail::encode_prompts(prompts, torch::kCPU);
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("ecopt_textgen_" + std::to_string(::getpid()) + "_" + name);
}

// --- shape, cost and settings --------------------------------------------------------

TEST(TextGenerationShape, CountedParamsMatchTheBuiltModel) {
  for (bool tied : {true, false}) {
    auto shape = micro_shape();
    shape.layers = 3;
    shape.tied_head = tied;
    auto model = detail::build_transformer(shape, torch::kCPU);
    std::int64_t numel = 0;
    for (const auto& parameter : model->parameters()) numel += parameter.numel();
    EXPECT_EQ(transformer_params(shape), numel) << "tied " << tied;
  }
}

TEST(TextGenerationShape, PresetsHaveGpt2Shapes) {
  const auto small = transformer_preset("gpt2-small");
  EXPECT_EQ(small.layers, 12);
  EXPECT_EQ(small.d_model, 768);
  EXPECT_EQ(small.heads, 12);
  EXPECT_EQ(small.context, 1024);
  const auto medium = transformer_preset("gpt2-medium");
  EXPECT_EQ(medium.layers, 24);
  EXPECT_EQ(medium.d_model, 1024);
  EXPECT_EQ(medium.heads, 16);
  // GPT-2 small's 85M non-embedding parameters: 12 · 12 · 768².
  EXPECT_NEAR(static_cast<double>(transformer_params(small)), 85.0e6 + 1.0e6, 1.5e6);
  EXPECT_THROW(transformer_preset("gpt5"), InputError);
}

TEST(TextGenerationShape, FlopsFollowTheDocumentedFormula) {
  TransformerShape shape{2, 64, 4, 128, 256, true};
  // 24·L·d² + 4·L·d·n + 2·d·V
  EXPECT_DOUBLE_EQ(flops_per_token(shape, 10.0),
                   24.0 * 2 * 64 * 64 + 4.0 * 2 * 64 * 10 + 2.0 * 64 * 256);
  // Without the cache each step recomputes the sequence: more FLOPs per token.
  const auto cached = generation_flops_per_token(shape, 20, 10, true);
  const auto uncached = generation_flops_per_token(shape, 20, 10, false);
  EXPECT_GT(uncached, 5.0 * cached);
  // One new token: both are the prompt's cost.
  EXPECT_DOUBLE_EQ(generation_flops_per_token(shape, 20, 1, true),
                   generation_flops_per_token(shape, 20, 1, false));
}

TEST(TextGenerationSettings, TrialParamsOverrideFixedOverPreset) {
  const auto config =
      text_generation_config_from_json({{"kind", "text-generation"},
                                        {"model", "tiny"},
                                        {"fixed", {{"d_model", 32}, {"dtype", "bfloat16"}}}});
  const auto settings = resolve_text_trial_settings({{"layers", std::int64_t{3}},
                                                     {"kv_cache", false},
                                                     {"generation_batch_size", std::int64_t{4}}},
                                                    config);
  EXPECT_EQ(settings.shape.layers, 3);
  EXPECT_EQ(settings.shape.d_model, 32);
  EXPECT_EQ(settings.shape.heads, 4);
  EXPECT_EQ(settings.generation.dtype, "bfloat16");
  EXPECT_FALSE(settings.generation.kv_cache);
  EXPECT_EQ(settings.generation.batch_size, 4);
  // The fixed value pins the space's parameter.
  const auto space = text_generation_search_space(config);
  EXPECT_TRUE(std::holds_alternative<FixedDistribution>(space.find("d_model")->distribution));
  EXPECT_FALSE(std::holds_alternative<FixedDistribution>(space.find("layers")->distribution));
}

std::string config_error(const nlohmann::json& config) {
  try {
    text_generation_config_from_json(config);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(TextGenerationSettings, BadSettingsGetOneLineErrors) {
  EXPECT_THAT(config_error({{"kind", "text-generation"}, {"modle", "tiny"}}),
              AllOf(HasSubstr("task.modle"), HasSubstr("model")));
  EXPECT_THAT(config_error({{"kind", "text-generation"}, {"model", "huge"}}),
              HasSubstr("gpt2-small"));
  EXPECT_THAT(config_error({{"kind", "text-generation"}, {"fixed", {{"d_model", 30}}}}),
              AllOf(HasSubstr("d_model = 30"), HasSubstr("heads = 4")));
  EXPECT_THAT(config_error({{"kind", "text-generation"}, {"fixed", {{"prompt_bytes", 200}}}}),
              HasSubstr("context"));
  EXPECT_THAT(config_error({{"kind", "text-generation"}, {"fixed", {{"dtype", "float16"}}}}),
              HasSubstr("bfloat16"));
  EXPECT_THAT(config_error({{"kind", "text-generation"}, {"fixed", {{"width", 3}}}}),
              HasSubstr("parameter.width"));
  EXPECT_THAT(config_error({{"kind", "text-generation"}, {"fixed", {{"new_tokens", 1}}}}),
              HasSubstr("new_tokens"));
}

// --- corpus ---------------------------------------------------------------------------

TEST(TextCorpus, DefaultCorpusSplitsEveryFile) {
  ECOPT_NEED_CORPUS();
  const auto corpus = load_text_corpus({kDefaultCorpusPath}, 0.1);
  EXPECT_GE(corpus.files.size(), 10U);
  EXPECT_GT(corpus.train.size(), 100'000U);
  EXPECT_NEAR(static_cast<double>(corpus.heldout.size()) /
                  static_cast<double>(corpus.train.size() + corpus.heldout.size()),
              0.1, 0.01);
  const auto prompts = make_prompts(corpus.heldout, 5, 112);
  ASSERT_EQ(prompts.size(), 5U);
  for (const auto& prompt : prompts) EXPECT_EQ(prompt.size(), 112U);
  EXPECT_NE(prompts[0], prompts[1]);
}

TEST(TextCorpus, MissingPathIsAClearError) {
  EXPECT_THAT(
      [] {
        try {
          load_text_corpus({"/no/such/corpus"}, 0.1);
        } catch (const InputError& error) {
          return std::string(error.what());
        }
        return std::string("no error");
      }(),
      AllOf(HasSubstr("/no/such/corpus"), HasSubstr("task.corpus")));
}

// --- generation -------------------------------------------------------------------------

TEST(TextGeneration, KvCacheGivesTheSameGreedyTokens) {
  torch::manual_seed(3);
  auto model = detail::build_transformer(micro_shape(), torch::kCPU);
  const auto prompts = sample_prompts(3, 24);
  detail::Decoder cached(model, short_generation(true, 3), 0);
  detail::Decoder uncached(model, short_generation(false, 3), 0);
  const auto with_cache = cached.generate(prompts);
  const auto without_cache = uncached.generate(prompts);
  ASSERT_EQ(with_cache.sizes(), (std::vector<std::int64_t>{3, 12}));
  EXPECT_TRUE(torch::equal(with_cache, without_cache)) << with_cache << without_cache;
  // And the logits agree position by position.
  c10::InferenceMode inference;
  auto cache = model->make_cache(3, 24);
  const auto incremental = torch::cat({model->forward(prompts.narrow(1, 0, 20), &cache),
                                       model->forward(prompts.narrow(1, 20, 4), &cache)},
                                      1);
  EXPECT_TRUE(torch::allclose(incremental, model->forward(prompts), 1e-4, 1e-5));
}

TEST(TextGeneration, DecodeRepeatsFromThePrefilledState) {
  torch::manual_seed(4);
  auto model = detail::build_transformer(micro_shape(), torch::kCPU);
  const auto prompts = sample_prompts(2, 24);
  for (bool kv_cache : {true, false}) {
    detail::Decoder decoder(model, short_generation(kv_cache, 2), 0);
    const auto first = decoder.prefill(prompts);
    const auto once = decoder.decode(first);
    EXPECT_TRUE(torch::equal(once, decoder.decode(first))) << "kv_cache " << kv_cache;
    EXPECT_EQ(once.size(1), 11);
  }
}

TEST(TextGeneration, TopKSamplingIsSeededAndStaysInTheTopK) {
  torch::manual_seed(5);
  auto model = detail::build_transformer(micro_shape(), torch::kCPU);
  auto settings = short_generation(true);
  settings.sampling = "top-k";
  settings.top_k = 1;  // top-1 is greedy
  const auto prompts = sample_prompts(1, 24);
  detail::Decoder top1(model, settings, 9);
  detail::Decoder greedy(model, short_generation(true), 9);
  EXPECT_TRUE(torch::equal(top1.generate(prompts), greedy.generate(prompts)));
  settings.top_k = 50;
  detail::Decoder a(model, settings, 11);
  detail::Decoder b(model, settings, 11);
  detail::Decoder c(model, settings, 12);
  const auto tokens = a.generate(prompts);
  EXPECT_TRUE(torch::equal(tokens, b.generate(prompts)));
  EXPECT_FALSE(torch::equal(tokens, c.generate(prompts)));
}

TEST(TextGeneration, Bfloat16GeneratesOnThisLibtorch) {
  torch::manual_seed(6);
  auto model = detail::build_transformer(micro_shape(), torch::kCPU);
  auto settings = short_generation(true);
  settings.dtype = "bfloat16";
  auto bf16 = detail::inference_copy(model, torch::kBFloat16);
  EXPECT_EQ(bf16->parameters().front().scalar_type(), torch::kBFloat16);
  EXPECT_EQ(model->parameters().front().scalar_type(), torch::kFloat32);  // original unchanged
  detail::Decoder decoder(bf16, settings, 0);
  const auto tokens = decoder.generate(sample_prompts(1, 24));
  EXPECT_EQ(tokens.size(1), 12);
  EXPECT_TRUE(tokens.ge(0).all().item<bool>() && tokens.lt(256).all().item<bool>());
}

TEST(TextGeneration, PrefillAndDecodeAreMeasuredInSeparateWindows) {
  torch::manual_seed(7);
  auto model = detail::build_transformer(micro_shape(), torch::kCPU);
  const auto settings = short_generation(true, 2);
  detail::Decoder decoder(model, settings, 0);
  auto monitor = make_monitor();
  const auto prompts = sample_prompts(2, 24);
  const auto energy =
      detail::measure_generation_energy(monitor, decoder, prompts, settings, kQuickPolicy);
  ASSERT_EQ(energy.prefill.windows.size(), 2U);
  ASSERT_EQ(energy.decode.windows.size(), 2U);
  for (const auto& window : energy.prefill.windows) EXPECT_EQ(window.name, "prefill");
  for (const auto& window : energy.decode.windows) EXPECT_EQ(window.name, "decode");
  // Tokens per window: whole runs of each phase.
  EXPECT_EQ(energy.prefill.samples_per_window % (2 * 24), 0U);
  EXPECT_EQ(energy.decode.samples_per_window % (2 * 11), 0U);
  EXPECT_GT(energy.prefill.median_j, 0.0);
  EXPECT_GT(energy.decode.median_j, 0.0);
  EXPECT_GT(energy.generated_tokens_per_s, 0.0);
  // The per-generated-token figure weighs both phases by their tokens.
  EXPECT_NEAR(energy.j_per_generated_token,
              (energy.prefill.median_j * 48 + energy.decode.median_j * 22) / 24.0,
              1e-12 + 1e-9 * energy.j_per_generated_token);
  // The same figure from each pair of windows, for the record's spread.
  ASSERT_EQ(energy.j_per_generated_token_pairs.size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    const double prefill = energy.prefill.windows[i].gross_j() / energy.prefill.samples_per_window;
    const double decode = energy.decode.windows[i].gross_j() / energy.decode.samples_per_window;
    EXPECT_NEAR(energy.j_per_generated_token_pairs[i], (prefill * 48 + decode * 22) / 24.0,
                1e-12 + 1e-9 * energy.j_per_generated_token);
  }
}

// --- training ----------------------------------------------------------------------------

TEST(TextGeneration, TrainingReducesHeldOutLoss) {
  ECOPT_NEED_CORPUS();
  // One thread: on a loaded machine OpenMP's spinning threads cost more than they give.
  at::set_num_threads(1);
  const auto corpus = load_text_corpus({kDefaultCorpusPath}, 0.1);
  const auto train = detail::encode_prompts({corpus.train}, torch::kCPU).view({-1});
  const auto heldout =
      detail::encode_prompts({corpus.heldout.substr(0, 8192)}, torch::kCPU).view({-1});
  torch::manual_seed(8);
  auto model = detail::build_transformer(micro_shape(), torch::kCPU);
  TrainingSettings settings{1e-2, 60, 8, 32};
  const double before = detail::heldout_loss(model, heldout, 32);
  EXPECT_NEAR(before, std::log(256.0), 0.3);  // untrained: about uniform over bytes
  std::int64_t steps_seen = 0;
  const double train_loss = detail::train_language_model(
      model, train, settings, [&](std::int64_t, double) { ++steps_seen; });
  const double after = detail::heldout_loss(model, heldout, 32);
  EXPECT_EQ(steps_seen, 60);
  EXPECT_LT(after, before - 1.5) << "before " << before << ", after " << after;
  EXPECT_LT(train_loss, before - 1.5);
}

// --- safetensors ------------------------------------------------------------------------------

struct RawTensor {
  std::string name;
  torch::Tensor value;  // float32, contiguous
};

// Writes the format by hand: length, JSON header, buffer.
void write_safetensors(const std::filesystem::path& path, const std::vector<RawTensor>& tensors) {
  nlohmann::json header = {{"__metadata__", {{"format", "pt"}}}};
  std::string buffer;
  for (const auto& tensor : tensors) {
    const auto value = tensor.value.to(torch::kFloat32).contiguous();
    const auto begin = buffer.size();
    buffer.append(static_cast<const char*>(value.data_ptr()),
                  static_cast<std::size_t>(value.numel()) * 4);
    header[tensor.name] = {
        {"dtype", "F32"}, {"shape", value.sizes().vec()}, {"data_offsets", {begin, buffer.size()}}};
  }
  const auto json = header.dump();
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t length = json.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << json << buffer;
}

std::vector<RawTensor> tensors_of(detail::TransformerLm& model, bool conv1d_layout) {
  std::vector<RawTensor> tensors;
  for (const auto& item : model->named_parameters()) {
    const bool conv1d =
        conv1d_layout && item.value().dim() == 2 && item.key().find(".c_") != std::string::npos;
    tensors.push_back({"transformer." + item.key(), conv1d ? item.value().t() : item.value()});
  }
  return tensors;
}

std::string load_error(detail::TransformerLm& model, const std::filesystem::path& path) {
  try {
    detail::load_safetensors_weights(model, read_safetensors(path), "native");
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Safetensors, LoadsAFileTheTestWrote) {
  for (bool conv1d : {false, true}) {
    torch::manual_seed(10);
    auto source = detail::build_transformer(micro_shape(), torch::kCPU);
    const auto path = temp_path(conv1d ? "conv1d.safetensors" : "native.safetensors");
    auto tensors = tensors_of(source, conv1d);
    // A GPT-2 file also holds its attention-mask buffers: ignored.
    tensors.push_back({"transformer.h.0.attn.bias", torch::ones({1, 1, 4, 4})});
    write_safetensors(path, tensors);

    const auto file = read_safetensors(path);
    EXPECT_EQ(file.metadata["format"], "pt");
    EXPECT_EQ(file.tensors.size(), tensors.size());
    torch::manual_seed(11);
    auto target = detail::build_transformer(micro_shape(), torch::kCPU);
    const auto prompts = sample_prompts(1, 24);
    c10::InferenceMode inference;
    EXPECT_FALSE(torch::allclose(target->forward(prompts), source->forward(prompts)));
    detail::load_safetensors_weights(target, file, conv1d ? "gpt2-conv1d" : "native");
    EXPECT_TRUE(torch::equal(target->forward(prompts), source->forward(prompts)))
        << "conv1d " << conv1d;
    std::filesystem::remove(path);
  }
}

TEST(Safetensors, CorruptFilesGetClearInputErrors) {
  torch::manual_seed(12);
  auto model = detail::build_transformer(micro_shape(), torch::kCPU);
  const auto path = temp_path("corrupt.safetensors");
  auto write_bytes = [&](const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
  };

  write_bytes("abc");
  EXPECT_THAT(load_error(model, path),
              AllOf(HasSubstr("not a valid safetensors"), HasSubstr("3 bytes")));
  write_bytes(std::string("\xff\x00\x00\x00\x00\x00\x00\x00{}", 10));
  EXPECT_THAT(load_error(model, path), HasSubstr("header claims 255 bytes"));
  write_bytes(std::string("\x05\x00\x00\x00\x00\x00\x00\x00{nope", 13));
  EXPECT_THAT(load_error(model, path), HasSubstr("the header is not valid JSON"));
  const std::string header =
      R"({"wte.weight":{"dtype":"F32","shape":[4,4],"data_offsets":[0,64]}})";
  write_bytes(std::string(1, static_cast<char>(header.size())) + std::string(7, '\0') + header +
              std::string(16, 'x'));
  EXPECT_THAT(load_error(model, path),
              AllOf(HasSubstr("wte.weight"), HasSubstr("outside the 16-byte buffer")));

  // Well-formed, but the wrong model: a shape mismatch and a missing tensor.
  auto other_shape = micro_shape();
  other_shape.d_model = 16;
  auto other = detail::build_transformer(other_shape, torch::kCPU);
  write_safetensors(path, tensors_of(other, false));
  EXPECT_THAT(load_error(model, path), AllOf(HasSubstr("has shape"), HasSubstr("d_model")));
  auto partial = tensors_of(model, false);
  partial.pop_back();
  write_safetensors(path, partial);
  EXPECT_THAT(load_error(model, path), HasSubstr("lacks tensor"));
  std::filesystem::remove(path);
  EXPECT_THAT(load_error(model, path), HasSubstr("cannot open"));
}

// --- the task -------------------------------------------------------------------------------

nlohmann::json quick_task_config() {
  return {{"kind", "text-generation"},
          {"model", "micro"},
          {"threads", 1},
          {"heldout_bytes", 4096},
          {"energy", {{"min_window_s", 0.05}, {"repeats", 2}, {"min_counter_updates", 0}}},
          {"fixed",
           {{"train_steps", 20},
            {"lr", 1e-2},
            {"train_batch_size", 8},
            {"train_sequence_bytes", 32},
            {"prompt_bytes", 32},
            {"new_tokens", 4}}}};
}

struct TrialRun {
  EnergyMonitor monitor = make_monitor();
  std::atomic<bool> stop{false};
  std::vector<std::string> log;

  TaskOutcome run(
      Task& task, const ParamMap& params,
      std::function<std::optional<std::string>()> skip = [] { return std::nullopt; }) {
    TaskContext context{params,
                        1,
                        monitor,
                        stop,
                        [skip](const IntermediateReport&) { return skip(); },
                        [&](const std::string& line) { log.push_back(line); }};
    return task.run(context);
  }
};

TEST(TextGenerationTask, MetricsArePresentAndLabelled) {
  ECOPT_NEED_CORPUS();
  auto task = make_task(quick_task_config());
  EXPECT_EQ(task->kind(), "text-generation");
  TrialRun trial;
  const auto outcome =
      trial.run(*task, {{"generation_batch_size", std::int64_t{2}}, {"layers", std::int64_t{1}}});
  const auto& m = outcome.metrics;
  for (const char* key :
       {"prefill_j_per_token", "decode_j_per_token", "generation_j_per_token",
        "generation_tokens_per_j", "generation_tokens_per_s", "heldout_loss", "heldout_perplexity",
        "heldout_bits_per_byte", "params", "flops_per_token", "generation_flops_per_token",
        "training_j", "train_loss"}) {
    ASSERT_TRUE(m.contains(key)) << key << " missing from " << m.dump();
    EXPECT_GT(m[key].get<double>(), 0.0) << key;
  }
  EXPECT_EQ(m["prefill_windows"], 2);
  EXPECT_EQ(m["decode_windows"], 2);
  EXPECT_DOUBLE_EQ(m["generation_tokens_per_j"].get<double>(),
                   1.0 / m["generation_j_per_token"].get<double>());
  EXPECT_NEAR(m["heldout_perplexity"].get<double>(), std::exp(m["heldout_loss"].get<double>()),
              1e-9);
  std::vector<std::string> names;
  for (const auto& record : outcome.energy) {
    names.push_back(record.name);
    EXPECT_TRUE(record.is_estimate()) << record.name;
    EXPECT_FALSE(record.idle_subtracted) << record.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"prefill", "decode", "generation", "training"}));
  EXPECT_DOUBLE_EQ(*outcome.energy[2].j_per_unit, m["generation_j_per_token"].get<double>());
  // Its window is one generation (2 prompts: 2×new_tokens tokens generated),
  // so the gross per token read from the window is the per-token figure
  // (no idle subtracted here), not the decode window's alone (issue 23).
  const EnergyRecord& generation = outcome.energy[2];
  EXPECT_EQ(generation.units_per_window, 2U * quick_task_config()["fixed"]["new_tokens"].get<std::size_t>());
  EXPECT_NEAR(generation.gross_j / static_cast<double>(generation.units_per_window), *generation.j_per_unit,
              1e-9 * *generation.j_per_unit);
  // Its spread over pairs of windows (issue 23: it had none, so the report
  // drew no error bars and said one window was measured).
  const auto& spread = outcome.energy[2].spread;
  ASSERT_TRUE(spread.has_value());
  EXPECT_LE(spread->min_j, *outcome.energy[2].j_per_unit);
  EXPECT_GE(spread->max_j, *outcome.energy[2].j_per_unit);
  EXPECT_EQ(m["compute_device"], "cpu");
  EXPECT_EQ(m["generation_batch_size"], 2);
  EXPECT_EQ(m["params"],
            transformer_params(
                resolve_text_trial_settings({{"layers", std::int64_t{1}}},
                                            text_generation_config_from_json(quick_task_config()))
                    .shape));
  EXPECT_EQ(m["sample_text"].get<std::string>().empty(), false);
  EXPECT_NO_THROW(static_cast<void>(m.dump()));  // valid UTF-8 whatever the model wrote
  EXPECT_LT(m["heldout_loss"].get<double>(), std::log(256.0));
}

TEST(TextGenerationTask, EnergyFirstSkipMeansNoTraining) {
  ECOPT_NEED_CORPUS();
  auto task = make_task(quick_task_config());
  TrialRun trial;
  const auto outcome = trial.run(*task, {}, [] { return std::optional<std::string>("dominated"); });
  EXPECT_EQ(outcome.pruned_reason, "dominated");
  EXPECT_TRUE(outcome.metrics.contains("generation_tokens_per_j"));
  EXPECT_FALSE(outcome.metrics.contains("heldout_loss"));
  EXPECT_FALSE(outcome.metrics.contains("training_j"));
}

TEST(TextGenerationTask, StopRequestInterrupts) {
  ECOPT_NEED_CORPUS();
  auto task = make_task(quick_task_config());
  TrialRun trial;
  trial.stop = true;
  EXPECT_THROW(trial.run(*task, {}), TrialInterrupted);
  trial.stop = false;
  EXPECT_NO_THROW(
      trial.run(*task, {{"train_steps", std::int64_t{0}}}));  // the monitor is usable again
}

// --- the benchmark
// --------------------------------------------------------------------------------

TEST(GenerationBench, MeasuresEveryPresetOnTheCpu) {
  ECOPT_NEED_CORPUS();
  GenerationBenchOptions options;
  options.devices = {"cpu"};
  // Sizes far apart, one thread and windows several CPU-clock ticks long, so
  // the order below holds on a loaded machine (spinning OpenMP workers and
  // tick rounding blur presets that are close).
  options.presets = {"micro", "mini"};
  options.threads = 1;
  options.energy = kQuickPolicy;
  options.energy.min_window_s = 0.2;
  options.generation.prompt_bytes = 32;
  const auto result = run_generation_benchmark(options);
  ASSERT_EQ(result.cells.size(), 2U);
  for (const auto& cell : result.cells) {
    EXPECT_TRUE(cell.measured) << cell.skipped_reason;
    EXPECT_GT(cell.j_per_token, 0.0);
    EXPECT_EQ(cell.energy_source, "estimate-cpu-time");
    EXPECT_TRUE(cell.is_estimate);
  }
  // The estimate follows CPU time: the larger model costs more per token.
  EXPECT_GT(result.cell(1, 0).j_per_token, result.cell(0, 0).j_per_token);
  const auto markdown = generation_bench_markdown(result, {"Command: test"});
  EXPECT_THAT(markdown, AllOf(HasSubstr("| micro (1×32)"), HasSubstr("cpu J/token"),
                              HasSubstr("ESTIMATES"), HasSubstr("only one device")));
  EXPECT_THROW(
      [] {
        GenerationBenchOptions bad;
        bad.presets = {"micro"};
        bad.generation.prompt_bytes = 500;
        run_generation_benchmark(bad);
      }(),
      InputError);
}

TEST(GenerationBench, MarkdownRanksModelsAcrossDevices) {
  GenerationBenchResult result;
  result.devices = {"cpu", "cuda:0"};
  result.presets = {"micro", "tiny", "mini"};
  result.params = {1, 2, 3};
  result.device_descriptions = {"cpu meter", "gpu meter"};
  const double cpu[] = {1.0, 2.0, 3.0};
  const double gpu[] = {0.1, 0.3, 0.2};  // ranks 1, 3, 2
  for (std::size_t p = 0; p < 3; ++p) {
    result.cells.push_back({result.presets[p], "cpu", true, "", cpu[p], 0.5, 0.5, 10.0,
                            "rapl-powercap", "cpu:0", false});
    result.cells.push_back({result.presets[p], "cuda:0", true, "", gpu[p], 0.05, 0.05, 100.0,
                            "nvml-energy-counter", "cuda:0", false});
  }
  const auto markdown = generation_bench_markdown(result, {});
  // Spearman of ranks (1,2,3) and (1,3,2): 1 - 6·2/(3·8) = 0.5.
  EXPECT_THAT(markdown, HasSubstr("cpu vs cuda:0: ρ = 0.500"));
  EXPECT_THAT(markdown, HasSubstr("cpu J/token vs parameter count: ρ = 1.000"));
  EXPECT_THAT(markdown, Not(HasSubstr("ESTIMATES")));
  result.cells[5].measured = false;
  result.cells[5].skipped_reason = "out of memory";
  EXPECT_THAT(generation_bench_markdown(result, {}),
              AllOf(HasSubstr("— (out of memory)"), HasSubstr("ρ = n/a (2 models; needs 3)")));
}

}  // namespace
}  // namespace ecopt
