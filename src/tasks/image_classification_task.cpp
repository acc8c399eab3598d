// The image-classification task on libtorch: model, training, evaluation
// and energy-first inference measurement. Part of the libtorch module
// (torch_module.hpp), which the library opens only when a study needs it.
#include <chrono>
#include <mutex>

#include <fmt/format.h>

#include "cnn_model.hpp"
#include "ecopt/core/error.hpp"
#include "task_common.hpp"
#include "torch_device.hpp"
#include "torch_module.hpp"

namespace ecopt {
namespace detail {

torch::nn::Sequential build_cnn(const CnnArchitecture& architecture) {
  torch::nn::Sequential model;
  std::int64_t channels = architecture.in_channels;
  std::int64_t features = 0;
  for (const auto& layer : model_cost(architecture).layers) {
    switch (layer.kind) {
      case LayerKind::Conv:
        model->push_back(std::string(layer.name),
                         torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, layer.out_channels,
                                                                    architecture.kernel_size)
                                               .padding(architecture.kernel_size / 2)));
        break;
      case LayerKind::Relu:
        model->push_back(std::string(layer.name), torch::nn::ReLU());
        break;
      case LayerKind::MaxPool:
        model->push_back(std::string(layer.name), torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
        break;
      case LayerKind::Linear:
        model->push_back("flatten", torch::nn::Flatten());
        model->push_back(std::string(layer.name), torch::nn::Linear(features, layer.out_channels));
        break;
    }
    channels = layer.out_channels;
    features = layer.out_channels * layer.out_height * layer.out_width;
  }
  return model;
}

torch::MemoryFormat cpu_layout_for(std::int64_t batch_size) {
  return batch_size > 1 ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
}

void set_layout(torch::nn::Sequential& model, torch::MemoryFormat layout) {
  for (auto& parameter : model->parameters()) {
    // set_data keeps the parameter's identity, so an optimizer still holds it.
    // to() rather than contiguous(): a one-input-channel weight already counts
    // as channels-last contiguous, but only real NHWC strides make oneDNN
    // run the first layer channels-last.
    if (parameter.dim() == 4) {
      parameter.set_data(parameter.data().to(parameter.options(), false, false, layout));
    }
  }
}

namespace {

// The layout of the first conv weight, which every input batch should share.
torch::MemoryFormat layout_of(torch::nn::Sequential& model) {
  for (const auto& parameter : model->parameters()) {
    if (parameter.dim() == 4) return parameter.suggest_memory_format();
  }
  return torch::MemoryFormat::Contiguous;
}

}  // namespace

TensorData to_tensors(const ImageDataset& dataset, const ChannelStats& stats,
                      const torch::Device& device) {
  const auto count = static_cast<std::int64_t>(dataset.size());
  auto pixels = torch::from_blob(const_cast<std::uint8_t*>(dataset.pixels.data()),
                                 {count, dataset.channels, dataset.height, dataset.width},
                                 torch::kUInt8);
  auto mean = torch::tensor(std::vector<float>(stats.mean.begin(), stats.mean.end()))
                  .view({1, dataset.channels, 1, 1});
  auto stddev = torch::tensor(std::vector<float>(stats.stddev.begin(), stats.stddev.end()))
                    .view({1, dataset.channels, 1, 1});
  auto images = (pixels.to(torch::kFloat32) / 255.0f - mean) / stddev;
  auto labels = torch::from_blob(const_cast<std::uint8_t*>(dataset.labels.data()), {count},
                                 torch::kUInt8)
                    .to(torch::kInt64);
  return {images.contiguous().to(device), labels.to(device)};
}

double train_epoch(torch::nn::Sequential& model, torch::optim::Optimizer& optimizer,
                   const TensorData& data, std::int64_t batch_size,
                   const std::function<void()>& between_batches) {
  model->train();
  const auto count = data.images.size(0);
  const auto order = torch::randperm(count, torch::TensorOptions(torch::kInt64)).to(data.images.device());
  const auto layout = layout_of(model);
  double loss_sum = 0.0;
  std::int64_t batches = 0;
  for (std::int64_t start = 0; start < count; start += batch_size) {
    between_batches();
    const auto indices = order.slice(0, start, std::min(start + batch_size, count));
    model->zero_grad(/*set_to_none=*/true);  // skips zero-filling every gradient
    const auto images = data.images.index_select(0, indices).contiguous(layout);
    auto loss = torch::nn::functional::cross_entropy(model->forward(images),
                                                     data.labels.index_select(0, indices));
    loss.backward();
    optimizer.step();
    loss_sum += loss.item<double>();
    ++batches;
  }
  return batches == 0 ? 0.0 : loss_sum / static_cast<double>(batches);
}

double mean_loss(torch::nn::Sequential& model, const TensorData& data) {
  constexpr std::int64_t kChunk = 1024;
  c10::InferenceMode inference;
  model->eval();
  double loss_sum = 0.0;
  const auto count = data.images.size(0);
  for (std::int64_t start = 0; start < count; start += kChunk) {
    const auto end = std::min(start + kChunk, count);
    auto loss = torch::nn::functional::cross_entropy(
        model->forward(data.images.slice(0, start, end)), data.labels.slice(0, start, end),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    loss_sum += loss.item<double>();
  }
  return count == 0 ? 0.0 : loss_sum / static_cast<double>(count);
}

torch::Tensor predict(torch::nn::Sequential& model, const torch::Tensor& images,
                      std::int64_t batch_size) {
  c10::InferenceMode inference;
  model->eval();
  const auto layout = layout_of(model);
  std::vector<torch::Tensor> classes;
  const auto count = images.size(0);
  for (std::int64_t start = 0; start < count; start += batch_size) {
    const auto batch = images.slice(0, start, std::min(start + batch_size, count)).contiguous(layout);
    classes.push_back(model->forward(batch).argmax(1).cpu());
  }
  return torch::cat(classes);
}

torch::nn::Sequential inference_copy(torch::nn::Sequential& model, torch::Dtype dtype) {
  auto parameters = model->parameters();
  const auto device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
  torch::nn::Sequential copy(
      std::dynamic_pointer_cast<torch::nn::SequentialImpl>(model->clone(device)));
  copy->to(dtype);
  return copy;
}

}  // namespace detail

namespace {

using detail::TensorData;

torch::Device resolve_device(const std::string& name) {
  return detail::resolve_device(name, "task.device = \"{}\"", "device = \"cpu\"");
}

torch::Dtype to_dtype(const std::string& name) {
  return name == "bfloat16" ? torch::kBFloat16 : torch::kFloat32;
}

// Every split as device tensors, loaded once per task: trials share them.
struct PreparedData {
  DatasetSplits splits;
  TensorData train;
  TensorData validation;
  TensorData test;
  torch::Tensor inference_inputs;  // the fixed batch each energy window runs
};

std::unique_ptr<PreparedData> prepare_data(const ImageClassificationConfig& config,
                                           const torch::Device& device) {
  auto data = std::make_unique<PreparedData>();
  data->splits = load_dataset(config.dataset);
  if (data->splits.test.size() == 0) {
    throw InputError(fmt::format("the {} test split is empty; raise task.dataset.test_subset",
                                 data->splits.name));
  }
  const auto stats = channel_stats(data->splits.train);
  data->train = detail::to_tensors(data->splits.train, stats, device);
  data->validation = detail::to_tensors(data->splits.validation, stats, device);
  data->test = detail::to_tensors(data->splits.test, stats, device);
  // Test images, repeated when the test split is smaller than the batch.
  const auto test_count = data->test.images.size(0);
  const auto indices =
      torch::arange(config.inference_samples, torch::kInt64).remainder(test_count).to(device);
  data->inference_inputs = data->test.images.index_select(0, indices);
  return data;
}

using detail::log_line;
using detail::report_step;
using detail::throw_if_stopped;

// `prefix` is "inference" before training, "inference_trained" after.
void record_inference_energy(TaskOutcome& outcome, const std::string& prefix,
                             const PerSampleEnergy& energy) {
  if (!(energy.median_j > 0.0)) {
    throw Error(fmt::format("inference energy per sample measured as {} J, too small to resolve; "
                            "raise task.energy.min_window_s or task.inference_samples",
                            energy.median_j));
  }
  auto& metrics = outcome.metrics;
  metrics[prefix + "_j_per_sample"] = energy.median_j;
  metrics[prefix + "_j_per_sample_mad"] = energy.mad_j;
  metrics[prefix + "_j_per_sample_min"] = energy.min_j;
  metrics[prefix + "_j_per_sample_max"] = energy.max_j;
  metrics[prefix + "_samples_per_j"] = 1.0 / energy.median_j;
  metrics[prefix + "_samples_per_window"] = energy.samples_per_window;
  metrics[prefix + "_windows"] = energy.windows.size();
  double measured_s = 0.0;
  for (const auto& window : energy.windows) measured_s += window.duration_s;
  metrics[prefix + "_windows_s"] = measured_s;  // wall time inside the energy windows
  outcome.energy.push_back(energy_record(prefix, "sample", energy));
}

struct TrainingResult {
  double best_val_loss = 0.0;
  std::int64_t epochs_run = 0;
  bool stopped_early = false;
  std::optional<std::string> pruned_reason;  // a report was answered "stop"
};

// Thrown from between two batches when a report was answered "stop".
struct TrainingPruned {
  std::string reason;
};

class ImageClassificationTask final : public Task {
 public:
  explicit ImageClassificationTask(ImageClassificationConfig config)
      : config_(std::move(config)),
        device_(resolve_device(config_.device)),
        data_(prepare_data(config_, device_)) {}

  std::string kind() const override { return "image-classification"; }

  SearchSpace default_search_space() const override {
    return image_classification_search_space(config_);
  }

  // What run() and record_inference_energy() write (the trained-model
  // inference figures only with verify_inference_energy).
  std::vector<std::string> metric_names() const override {
    std::vector<std::string> names{"accuracy", "test_images", "evaluation_s", "val_loss", "epochs_run",
                                   "train_s", "training_j", "params", "flops_per_sample",
                                   "inference_batch_size", "threads"};
    std::vector<std::string> prefixes{"inference"};
    if (config_.verify_inference_energy) {
      prefixes.emplace_back("inference_trained");
      names.emplace_back("inference_trained_vs_untrained");
    }
    for (const auto& prefix : prefixes) {
      for (const char* figure : {"_j_per_sample", "_j_per_sample_mad", "_j_per_sample_min", "_j_per_sample_max",
                                 "_samples_per_j", "_samples_per_window", "_windows", "_windows_s"}) {
        names.push_back(prefix + figure);
      }
    }
    return names;
  }

  TaskOutcome run(TaskContext& context) override {
    // Thread counts and the seed are process-wide in libtorch.
    std::lock_guard lock(run_mutex_);
    place_on(detail::trial_device(context.device, config_.device));
    const auto settings = resolve_trial_settings(context.params, config_.fixed, data_->splits.train);
    throw_if_stopped(context);
    torch::manual_seed(static_cast<std::uint64_t>(config_.seed + context.trial_number));
    auto model = detail::build_cnn(settings.architecture);
    model->to(device_);

    TaskOutcome outcome;
    auto& metrics = outcome.metrics;
    record_model(metrics, settings);
    // Energy-first: the untrained model costs the same to run as the trained one.
    record_inference_energy(outcome, "inference", measure_inference(context, model, settings));
    throw_if_stopped(context);
    if (auto reason = report_step(context, 0, metrics)) {
      outcome.pruned_reason = std::move(reason);
      return outcome;
    }

    const auto training = train(context, model, settings, outcome);
    metrics["val_loss"] = training.best_val_loss;
    metrics["epochs_run"] = training.epochs_run;
    metrics["stopped_early"] = training.stopped_early;
    if (training.pruned_reason) {  // never scored on the test set
      outcome.pruned_reason = training.pruned_reason;
      return outcome;
    }
    evaluate(model, settings, metrics);
    if (config_.verify_inference_energy) {
      record_inference_energy(outcome, "inference_trained", measure_inference(context, model, settings));
      metrics["inference_trained_vs_untrained"] =
          metrics["inference_trained_j_per_sample"].get<double>() /
          metrics["inference_j_per_sample"].get<double>();
    }
    return outcome;
  }

 private:
  // A worker's lease may put consecutive trials on different GPUs: the
  // data follows the trial's device.
  void place_on(const torch::Device& device) {
    if (device == device_) return;
    for (auto* split : {&data_->train, &data_->validation, &data_->test}) {
      split->images = split->images.to(device);
      split->labels = split->labels.to(device);
    }
    data_->inference_inputs = data_->inference_inputs.to(device);
    device_ = device;
  }

  void record_model(nlohmann::json& metrics, const TrialSettings& settings) const {
    const auto cost = model_cost(settings.architecture);
    metrics["params"] = cost.params;
    metrics["flops_per_sample"] = cost.flops;
    metrics["layers"] = cost.layers_json();
    metrics["inference_batch_size"] = settings.inference_batch_size;
    metrics["threads"] = settings.threads;
    metrics["dtype"] = settings.dtype;
    metrics["compute_device"] = device_.str();
    metrics["dataset"] = data_->splits.name;
  }

  PerSampleEnergy measure_inference(const TaskContext& context, torch::nn::Sequential& model,
                                    const TrialSettings& settings) const {
    auto runnable = inference_model(model, settings);
    const auto inputs = data_->inference_inputs.to(to_dtype(settings.dtype));
    const auto started = std::chrono::steady_clock::now();
    auto energy = measure_per_sample(
        context.monitor, "inference",
        [&] {
          throw_if_stopped(context);  // Ctrl-C must not wait for the whole measurement
          return static_cast<std::size_t>(
              detail::predict(runnable, inputs, settings.inference_batch_size).size(0));
        },
        config_.energy);
    log_line(context, fmt::format("inference: {:.3g} J/sample ({}) in {:.1f} s", energy.median_j,
                                  energy.windows.empty() ? "?" : energy.windows.front().source_summary(),
                                  seconds_since(started)));
    return energy;
  }

  TrainingResult train(const TaskContext& context, torch::nn::Sequential& model,
                       const TrialSettings& settings, TaskOutcome& outcome) const {
    auto& metrics = outcome.metrics;
    at::set_num_threads(detail::thread_count(config_.training_threads));
    if (device_.is_cpu()) detail::set_layout(model, detail::cpu_layout_for(settings.batch_size));
    auto optimizer = make_optimizer(model, settings);
    TrainingResult result{std::numeric_limits<double>::infinity(), 0, false, std::nullopt};
    std::vector<torch::Tensor> best_weights;
    std::int64_t epochs_without_gain = 0;
    const std::int64_t max_epochs = settings.epochs.value_or(config_.epochs);
    const std::int64_t patience = settings.patience.value_or(config_.patience);
    const std::int64_t train_size = data_->train.images.size(0);
    const std::int64_t batches = (train_size + settings.batch_size - 1) / settings.batch_size;
    const std::int64_t last_step = max_epochs * batches;
    std::int64_t finished_batches = 0;
    // Every report_every_steps batches, except where an epoch's report falls.
    const auto between_batches = [&] {
      throw_if_stopped(context);
      const auto every = config_.report_every_steps;
      if (every > 0 && finished_batches > 0 && finished_batches % every == 0 &&
          finished_batches % batches != 0) {
        auto reason = report_training(context, model, settings, finished_batches, last_step,
                                      detail::mean_loss(model, data_->validation));
        model->train();  // the rest of the epoch trains again
        if (reason) throw TrainingPruned{std::move(*reason)};
      }
      ++finished_batches;
    };
    ScopedWindow window(context.monitor, "training");
    for (std::int64_t epoch = 1; epoch <= max_epochs; ++epoch) {
      double train_loss = 0.0;
      try {
        train_loss = detail::train_epoch(model, *optimizer, data_->train, settings.batch_size,
                                         between_batches);
      } catch (TrainingPruned& pruned) {
        result.pruned_reason = std::move(pruned.reason);
        break;
      }
      const auto val_loss = detail::mean_loss(model, data_->validation);
      result.epochs_run = epoch;
      log_line(context, fmt::format("epoch {}/{}: train loss {:.4f}, validation loss {:.4f}", epoch,
                                    max_epochs, train_loss, val_loss));
      result.pruned_reason =
          report_training(context, model, settings, epoch * batches, last_step, val_loss);
      if (result.pruned_reason) break;
      if (val_loss < result.best_val_loss - config_.min_delta) {
        result.best_val_loss = val_loss;
        epochs_without_gain = 0;
        if (config_.restore_best_weights) best_weights = snapshot(model);
      } else if (++epochs_without_gain >= patience) {
        result.stopped_early = epoch < max_epochs;
        break;
      }
    }
    if (!best_weights.empty()) restore(model, best_weights);
    const auto energy = window.end();
    metrics["train_s"] = energy.duration_s;
    metrics["training_j"] = energy.net_j().value_or(energy.gross_j());
    outcome.energy.push_back(energy_record(kTrainingRecord, energy));
    return result;
  }

  // A point of the learning curve at `step` batches: accuracy on the
  // validation split (never the test set) under the objective's name, the
  // validation loss, and the training energy so far (net of idle when a
  // baseline was taken). The answer: the reason to stop, or nullopt.
  std::optional<std::string> report_training(const TaskContext& context, torch::nn::Sequential& model,
                                             const TrialSettings& settings, std::int64_t step,
                                             std::int64_t last_step, double val_loss) const {
    if (!context.report) return std::nullopt;
    const auto predicted = detail::predict(model, data_->validation.images, settings.batch_size);
    const auto correct = predicted.eq(data_->validation.labels.cpu()).sum().item<std::int64_t>();
    const auto so_far = context.monitor.read_window("training");
    const nlohmann::json point{
        {"accuracy", static_cast<double>(correct) / static_cast<double>(predicted.size(0))},
        {"val_loss", val_loss},
        {"training_j_so_far", so_far.net_j().value_or(so_far.gross_j())}};
    return detail::report_step(context, step, point, last_step);
  }

  void evaluate(torch::nn::Sequential& model, const TrialSettings& settings,
                nlohmann::json& metrics) const {
    const auto started = std::chrono::steady_clock::now();
    auto runnable = inference_model(model, settings);
    const auto predicted = detail::predict(runnable, data_->test.images.to(to_dtype(settings.dtype)),
                                           settings.inference_batch_size);
    const auto correct = predicted.eq(data_->test.labels.cpu()).sum().item<std::int64_t>();
    metrics["accuracy"] = static_cast<double>(correct) / static_cast<double>(predicted.size(0));
    metrics["test_images"] = predicted.size(0);
    metrics["evaluation_s"] = seconds_since(started);
  }

  // The model as the trial's inference knobs run it: threads, the layout
  // that suits the batch size, and the dtype (a copy unless float32).
  torch::nn::Sequential inference_model(torch::nn::Sequential& model,
                                        const TrialSettings& settings) const {
    at::set_num_threads(static_cast<int>(settings.threads));
    if (device_.is_cpu()) {
      detail::set_layout(model, detail::cpu_layout_for(settings.inference_batch_size));
    }
    const auto dtype = to_dtype(settings.dtype);
    return dtype == torch::kFloat32 ? model : detail::inference_copy(model, dtype);
  }

  static std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Sequential& model,
                                                                 const TrialSettings& settings) {
    if (settings.optimizer == "sgd") {
      return std::make_unique<torch::optim::SGD>(
          model->parameters(), torch::optim::SGDOptions(settings.lr)
                                   .momentum(settings.momentum)
                                   .weight_decay(settings.weight_decay));
    }
    return std::make_unique<torch::optim::Adam>(
        model->parameters(), torch::optim::AdamOptions(settings.lr).weight_decay(settings.weight_decay));
  }

  static std::vector<torch::Tensor> snapshot(torch::nn::Sequential& model) {
    std::vector<torch::Tensor> weights;
    for (const auto& parameter : model->parameters()) weights.push_back(parameter.detach().clone());
    return weights;
  }

  static void restore(torch::nn::Sequential& model, const std::vector<torch::Tensor>& weights) {
    torch::NoGradGuard no_grad;
    auto parameters = model->parameters();
    for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(weights[i]);
  }

  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  ImageClassificationConfig config_;
  torch::Device device_;
  std::unique_ptr<PreparedData> data_;
  std::mutex run_mutex_;
};

}  // namespace

std::unique_ptr<Task> detail::torch_image_classification_task(const nlohmann::json& config) {
  return std::make_unique<ImageClassificationTask>(image_classification_config_from_json(config));
}

}  // namespace ecopt
