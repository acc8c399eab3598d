#pragma once
// The paper's image-classification task: a CNN family (depth conv+ReLU
// layers of `width` channels, optional 2x2 max-pools, one linear
// classifier) trained with libtorch, with inference energy measured before
// training (energy-first evaluation). This header needs no libtorch.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/param.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/tasks/datasets.hpp"
#include "ecopt/tasks/task.hpp"

namespace ecopt {

struct CnnArchitecture {
  std::int64_t in_channels = 1;
  std::int64_t in_height = 28;
  std::int64_t in_width = 28;
  std::int64_t num_classes = 10;
  std::int64_t width = 16;       // channels of every conv layer
  std::int64_t depth = 2;        // conv+ReLU layers
  std::int64_t kernel_size = 3;  // odd; padding k/2 keeps the spatial size
  bool pool = true;              // 2x2 max-pool after each conv layer but the first
};

enum class LayerKind { Conv, Relu, MaxPool, Linear };

// One layer's output shape and cost for a single input image. The model is
// built from this list, so counts and model cannot disagree.
struct LayerCost {
  std::string name;  // conv1, relu1, pool2, linear, ...
  LayerKind kind = LayerKind::Conv;
  std::int64_t out_channels = 0;
  std::int64_t out_height = 1;
  std::int64_t out_width = 1;
  std::int64_t params = 0;
  // conv: 2·Cin·Cout·k²·Hout·Wout (multiply and add; bias not counted);
  // linear: 2·in·out; ReLU: one comparison per element; 2x2 max-pool:
  // three comparisons per output element.
  std::int64_t flops = 0;
};

struct ModelCost {
  std::vector<LayerCost> layers;
  std::int64_t params = 0;
  std::int64_t flops = 0;
  nlohmann::json layers_json() const;
};

// A pool is skipped where the spatial size would drop below 1.
ModelCost model_cost(const CnnArchitecture& architecture);

// One trial's hyperparameters after trial params, the config's fixed values
// and the defaults were merged.
struct TrialSettings {
  CnnArchitecture architecture;
  double lr = 1e-3;
  std::int64_t batch_size = 64;
  std::string optimizer = "adam";  // adam or sgd
  double momentum = 0.9;           // sgd only
  double weight_decay = 0.0;
  std::int64_t inference_batch_size = 64;
  std::int64_t threads = 1;          // intra-op threads for inference
  std::string dtype = "float32";     // inference dtype: float32 or bfloat16
  // Set when the study searches or fixes them: they override task.epochs
  // and task.patience for this trial.
  std::optional<std::int64_t> epochs;
  std::optional<std::int64_t> patience;

  nlohmann::json to_json() const;
};

struct ImageClassificationConfig {
  DatasetConfig dataset;
  std::string device = "cpu";  // cpu, cuda or cuda:N
  std::int64_t epochs = 10;    // maximum; early stopping may end sooner
  std::int64_t patience = 3;   // epochs without improvement before stopping
  double min_delta = 0.001;    // smaller validation-loss gains do not count
  bool restore_best_weights = true;
  // Intermediate results (docs/pruning.md): validation accuracy and
  // training energy so far are reported after every epoch and, when set,
  // every this many training batches (a step is one batch).
  std::int64_t report_every_steps = 0;
  std::int64_t training_threads = 0;  // 0: every hardware thread
  std::int64_t seed = 0;              // torch seed = seed + trial number
  // Test images run through the model for each inference energy window.
  std::int64_t inference_samples = 256;
  RepeatPolicy energy;
  // Re-measure inference energy after training to check that it does not
  // depend on the trained weights.
  bool verify_inference_energy = false;
  // Values for hyperparameters the study does not search (e.g. the
  // paper's Adam, lr 1e-3, batch 64); they become fixed parameters of the
  // default search space.
  ParamMap fixed;
};

// Parses the study file's [task] table; throws InputError naming a bad or
// unknown setting.
ImageClassificationConfig image_classification_config_from_json(const nlohmann::json& config);

// Merges trial params over config.fixed over the defaults and checks them;
// throws InputError naming the parameter. `data` supplies the input shape.
TrialSettings resolve_trial_settings(const ParamMap& params, const ParamMap& fixed,
                                     const ImageDataset& data);

// Architecture, training and inference knobs; config.fixed pins any of them.
SearchSpace image_classification_search_space(const ImageClassificationConfig& config);

// Opens ECOpt's libtorch module on first use (ECOPT_WITH_TORCH builds it);
// throws UnavailableError saying what is missing when it cannot.
std::unique_ptr<Task> make_image_classification_task(const nlohmann::json& config);

}  // namespace ecopt
