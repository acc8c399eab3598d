#pragma once
// libtorch side of the image-classification task, private to src/tasks and
// bench/throughput (which times exactly these functions).
#include <cstddef>
#include <cstdint>
#include <functional>

#include <torch/torch.h>

#include "ecopt/tasks/datasets.hpp"
#include "ecopt/tasks/image_classification.hpp"

namespace ecopt::detail {

// Built layer by layer from model_cost(), so FLOP counts describe it exactly.
torch::nn::Sequential build_cnn(const CnnArchitecture& architecture);

// On the CPU, oneDNN runs batches of several images faster in channels-last
// (NHWC) layout (1.1-1.6x here) and single images faster in the default
// one (1.4x); see docs/benchmarks/throughput.md. The arithmetic is the same.
torch::MemoryFormat cpu_layout_for(std::int64_t batch_size);
// Stores the conv weights in `layout`; train_epoch and predict bring each
// batch to the layout of the model's weights.
void set_layout(torch::nn::Sequential& model, torch::MemoryFormat layout);

struct TensorData {
  torch::Tensor images;  // float32, N×C×H×W, normalised per channel
  torch::Tensor labels;  // int64, N
};

TensorData to_tensors(const ImageDataset& dataset, const ChannelStats& stats,
                      const torch::Device& device);

// One epoch over a fresh permutation (from torch's seeded generator);
// `between_batches` runs before each batch (it may throw to stop).
// Returns the mean training loss.
double train_epoch(torch::nn::Sequential& model, torch::optim::Optimizer& optimizer,
                   const TensorData& data, std::int64_t batch_size,
                   const std::function<void()>& between_batches);

// Mean cross-entropy without gradients.
double mean_loss(torch::nn::Sequential& model, const TensorData& data);

// Predicted class of every image, computed in chunks of `batch_size` and
// copied back to the CPU (which also waits for a GPU to finish).
torch::Tensor predict(torch::nn::Sequential& model, const torch::Tensor& images,
                      std::int64_t batch_size);

// The model in another dtype for inference (the original is unchanged).
torch::nn::Sequential inference_copy(torch::nn::Sequential& model, torch::Dtype dtype);

}  // namespace ecopt::detail
