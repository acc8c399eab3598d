// The image-classification task's settings, search space and cost model:
// everything that needs no libtorch, so it compiles fast and tests alone.
#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/device_identity.hpp"
#include "ecopt/tasks/image_classification.hpp"
#include "json_config.hpp"
#include "task_common.hpp"

namespace ecopt {

nlohmann::json ModelCost::layers_json() const {
  auto json = nlohmann::json::object();
  for (const auto& layer : layers) {
    json[layer.name] = {{"flops", layer.flops},
                        {"params", layer.params},
                        {"output", {layer.out_channels, layer.out_height, layer.out_width}}};
  }
  return json;
}

ModelCost model_cost(const CnnArchitecture& arch) {
  ModelCost cost;
  std::int64_t channels = arch.in_channels;
  std::int64_t height = arch.in_height;
  std::int64_t width = arch.in_width;
  const std::int64_t k2 = arch.kernel_size * arch.kernel_size;
  for (std::int64_t layer = 1; layer <= arch.depth; ++layer) {
    cost.layers.push_back({fmt::format("conv{}", layer), LayerKind::Conv, arch.width, height, width,
                           channels * arch.width * k2 + arch.width,
                           2 * channels * arch.width * k2 * height * width});
    channels = arch.width;
    cost.layers.push_back(
        {fmt::format("relu{}", layer), LayerKind::Relu, channels, height, width, 0, channels * height * width});
    const bool pool_fits = height >= 2 && width >= 2;
    if (arch.pool && layer > 1 && pool_fits) {
      height /= 2;
      width /= 2;
      cost.layers.push_back({fmt::format("pool{}", layer), LayerKind::MaxPool, channels, height, width, 0,
                             3 * channels * height * width});
    }
  }
  const std::int64_t features = channels * height * width;
  cost.layers.push_back({"linear", LayerKind::Linear, arch.num_classes, 1, 1,
                         features * arch.num_classes + arch.num_classes,
                         2 * features * arch.num_classes});
  for (const auto& layer : cost.layers) {
    cost.params += layer.params;
    cost.flops += layer.flops;
  }
  return cost;
}

nlohmann::json TrialSettings::to_json() const {
  return {{"width", architecture.width},
          {"depth", architecture.depth},
          {"kernel_size", architecture.kernel_size},
          {"pool", architecture.pool},
          {"lr", lr},
          {"batch_size", batch_size},
          {"optimizer", optimizer},
          {"momentum", momentum},
          {"weight_decay", weight_decay},
          {"inference_batch_size", inference_batch_size},
          {"threads", threads},
          {"dtype", dtype},
          {"epochs", epochs ? nlohmann::json(*epochs) : nlohmann::json(nullptr)},
          {"patience", patience ? nlohmann::json(*patience) : nlohmann::json(nullptr)}};
}

namespace {

// The CPUs this process may run on: a worker's CPU set while it runs a
// trial (docs/scaling.md), not every CPU of the machine.
std::int64_t hardware_threads() { return static_cast<std::int64_t>(usable_cpus().size()); }

const std::vector<std::string>& parameter_names() {
  static const std::vector<std::string> names = {
      "width",     "depth",        "kernel_size", "pool",
      "lr",        "batch_size",   "optimizer",   "momentum",
      "weight_decay", "inference_batch_size", "threads", "dtype", "epochs", "patience"};
  return names;
}

void check_known(const ParamMap& params, const char* where) {
  for (const auto& [name, value] : params) {
    if (std::ranges::find(parameter_names(), name) == parameter_names().end()) {
      throw InputError(fmt::format("{} \"{}\" is not a setting of the image-classification task; "
                                   "known: width, depth, kernel_size, pool, lr, batch_size, "
                                   "optimizer, momentum, weight_decay, inference_batch_size, "
                                   "threads, dtype, epochs, patience",
                                   where, name));
    }
  }
}

// Trial params first, then the config's fixed values.
class SettingLookup {
 public:
  SettingLookup(const ParamMap& params, const ParamMap& fixed) : params_(params), fixed_(fixed) {}

  const ParamValue* find(const std::string& name) const {
    if (auto it = params_.find(name); it != params_.end()) return &it->second;
    if (auto it = fixed_.find(name); it != fixed_.end()) return &it->second;
    return nullptr;
  }

  std::int64_t integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const {
    const auto* value = find(name);
    if (value == nullptr) return fallback;
    const auto result = as_int(*value);
    if (result < min || result > max) {
      throw InputError(fmt::format("parameter {} = {} is outside [{}, {}]", name, result, min, max));
    }
    return result;
  }

  double number(const std::string& name, double fallback, double min, double max) const {
    const auto* value = find(name);
    if (value == nullptr) return fallback;
    const auto result = as_double(*value);
    if (!(result >= min && result <= max)) {
      throw InputError(fmt::format("parameter {} = {} is outside [{}, {}]", name, result, min, max));
    }
    return result;
  }

  bool boolean(const std::string& name, bool fallback) const {
    const auto* value = find(name);
    if (value == nullptr) return fallback;
    if (const auto* flag = std::get_if<bool>(value)) return *flag;
    const auto* text = std::get_if<std::string>(value);
    if (text != nullptr && (*text == "true" || *text == "false")) return *text == "true";
    const auto number = as_int(*value);
    if (number != 0 && number != 1) {
      throw InputError(fmt::format("parameter {} must be true or false, got {}", name,
                                   to_string(*value)));
    }
    return number == 1;
  }

  std::string choice(const std::string& name, const std::string& fallback,
                     const std::vector<std::string>& allowed) const {
    const auto* value = find(name);
    if (value == nullptr) return fallback;
    const auto text = to_string(*value);
    if (std::ranges::find(allowed, text) == allowed.end()) {
      throw InputError(fmt::format("parameter {} = \"{}\" is not one of: {}", name, text,
                                   fmt::join(allowed, ", ")));
    }
    return text;
  }

 private:
  const ParamMap& params_;
  const ParamMap& fixed_;
};

}  // namespace

TrialSettings resolve_trial_settings(const ParamMap& params, const ParamMap& fixed,
                                     const ImageDataset& data) {
  check_known(params, "parameter");
  SettingLookup lookup(params, fixed);
  TrialSettings settings;
  auto& arch = settings.architecture;
  arch.in_channels = data.channels;
  arch.in_height = data.height;
  arch.in_width = data.width;
  arch.num_classes = data.num_classes;
  arch.width = lookup.integer("width", arch.width, 1, 4096);
  arch.depth = lookup.integer("depth", arch.depth, 1, 64);
  arch.kernel_size = lookup.integer("kernel_size", arch.kernel_size, 1, 31);
  if (arch.kernel_size % 2 == 0) {
    throw InputError(fmt::format("parameter kernel_size = {} must be odd so that padding k/2 "
                                 "keeps the image size; use 1, 3, 5, 7 or 9",
                                 arch.kernel_size));
  }
  arch.pool = lookup.boolean("pool", arch.pool);
  settings.lr = lookup.number("lr", settings.lr, 1e-8, 10.0);
  settings.batch_size = lookup.integer("batch_size", settings.batch_size, 1, 1 << 16);
  settings.optimizer = lookup.choice("optimizer", settings.optimizer, {"adam", "sgd"});
  settings.momentum = lookup.number("momentum", settings.momentum, 0.0, 0.999);
  settings.weight_decay = lookup.number("weight_decay", settings.weight_decay, 0.0, 1.0);
  settings.inference_batch_size =
      lookup.integer("inference_batch_size", settings.inference_batch_size, 1, 1 << 16);
  settings.threads = lookup.integer("threads", hardware_threads(), 1, 1024);
  settings.dtype = lookup.choice("dtype", settings.dtype, {"float32", "bfloat16"});
  if (lookup.find("epochs")) settings.epochs = lookup.integer("epochs", 0, 1, 100'000);
  if (lookup.find("patience")) settings.patience = lookup.integer("patience", 0, 1, 100'000);
  return settings;
}

SearchSpace image_classification_search_space(const ImageClassificationConfig& config) {
  auto ints = [](std::vector<std::int64_t> values) {
    return std::vector<ParamValue>(values.begin(), values.end());
  };
  const auto threads = hardware_threads();
  std::vector<Parameter> parameters = {
      {"width", IntDistribution{1, 128, true, 1}, {}},
      {"depth", IntDistribution{1, 6, false, 1}, {}},
      {"kernel_size", OrdinalDistribution{ints({1, 3, 5, 7, 9})}, {}},
      {"pool", CategoricalDistribution{{true, false}}, {}},
      {"lr", FloatDistribution{1e-4, 1e-1, true, {}}, {}},
      {"batch_size", OrdinalDistribution{ints({16, 32, 64, 128, 256})}, {}},
      {"optimizer", CategoricalDistribution{{std::string("adam"), std::string("sgd")}}, {}},
      {"momentum", FloatDistribution{0.0, 0.99, false, {}},
       Condition{"optimizer", {std::string("sgd")}}},
      {"weight_decay", FloatDistribution{1e-6, 1e-2, true, {}}, {}},
      {"inference_batch_size", OrdinalDistribution{ints({1, 8, 64, 256})}, {}},
      {"threads", threads > 1 ? Distribution{IntDistribution{1, threads, false, 1}}
                              : Distribution{FixedDistribution{std::int64_t{1}}},
       {}},
      {"dtype", CategoricalDistribution{{std::string("float32"), std::string("bfloat16")}}, {}},
  };
  const auto fixed_optimizer = config.fixed.find("optimizer");
  std::vector<Parameter> result;
  for (auto& parameter : parameters) {
    if (auto it = config.fixed.find(parameter.name); it != config.fixed.end()) {
      parameter.distribution = FixedDistribution{it->second};
      parameter.condition.reset();
    } else if (parameter.name == "momentum" && fixed_optimizer != config.fixed.end()) {
      // With the optimizer pinned, momentum is either always or never used.
      if (to_string(fixed_optimizer->second) != "sgd") continue;
      parameter.condition.reset();
    }
    result.push_back(std::move(parameter));
  }
  return SearchSpace(std::move(result));
}

ImageClassificationConfig image_classification_config_from_json(const nlohmann::json& json) {
  detail::JsonConfig settings(json, "task");
  settings.reject_unknown({"kind", "dataset", "device", "epochs", "patience", "min_delta",
                           "restore_best_weights", "report_every_steps", "training_threads", "seed",
                           "inference_samples", "energy", "verify_inference_energy", "fixed"});
  ImageClassificationConfig config;
  config.dataset = dataset_config_from_json(settings.raw("dataset"));
  config.device = settings.text("device", config.device);
  if (config.device != "cpu" && config.device != "cuda" && config.device.rfind("cuda:", 0) != 0) {
    throw InputError(fmt::format("task.device = \"{}\" is not a device; use cpu, cuda or cuda:N",
                                 config.device));
  }
  config.epochs = settings.integer("epochs", config.epochs, 1, 100'000);
  config.patience = settings.integer("patience", config.patience, 1, 100'000);
  config.min_delta = settings.number("min_delta", config.min_delta, 0.0, 1e9);
  config.restore_best_weights = settings.boolean("restore_best_weights", true);
  config.report_every_steps = settings.integer("report_every_steps", 0, 0, 1'000'000'000);
  config.training_threads = settings.integer("training_threads", 0, 0, 1024);
  config.seed = settings.integer("seed", 0, 0, 1LL << 40);
  config.inference_samples = settings.integer("inference_samples", config.inference_samples, 1,
                                              1 << 20);
  config.verify_inference_energy = settings.boolean("verify_inference_energy", false);

  config.energy = detail::repeat_policy_from(settings.table("energy"));

  const auto& fixed = settings.raw("fixed");
  if (!fixed.is_object()) {
    throw InputError(fmt::format("task.fixed must be a table of parameter values, got {}",
                                 fixed.dump()));
  }
  config.fixed = param_map_from_json(fixed);
  check_known(config.fixed, "task.fixed:");
  // Bad fixed values fail now rather than in every trial.
  resolve_trial_settings({}, config.fixed, ImageDataset{1, 28, 28, 10, {}, {}});
  return config;
}

}  // namespace ecopt
