#pragma once
// Image datasets as plain byte buffers (no libtorch here): MNIST and
// Fashion-MNIST IDX files (gzipped or not), CIFAR-10's binary batches, and
// a synthetic CIFAR-shaped set for smoke studies. Missing or corrupt files
// raise InputError naming the file, what is wrong and what to do.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ecopt {

struct ImageDataset {
  std::int64_t channels = 0;
  std::int64_t height = 0;
  std::int64_t width = 0;
  std::int64_t num_classes = 0;
  std::vector<std::uint8_t> pixels;  // image after image, each channel-major (CHW)
  std::vector<std::uint8_t> labels;  // one per image, < num_classes

  std::size_t size() const { return labels.size(); }
  std::size_t pixels_per_image() const;
  // The first `count` images (all when count is 0 or exceeds the size).
  ImageDataset head(std::size_t count) const;
  // Images [begin, end).
  ImageDataset slice(std::size_t begin, std::size_t end) const;
};

// Per-channel mean and standard deviation of pixel/255, used to normalise
// every split with the training split's figures.
struct ChannelStats {
  std::vector<double> mean;
  std::vector<double> stddev;
};
ChannelStats channel_stats(const ImageDataset& dataset);

// One IDX pair: images (magic 0x00000803, N×H×W bytes) and labels (magic
// 0x00000801, N bytes). Either path may be gzipped; zlib reads both forms.
ImageDataset read_idx(const std::string& images_path, const std::string& labels_path);

// CIFAR-10 binary batches: records of 1 label byte then 3072 pixel bytes
// (1024 red, 1024 green, 1024 blue, rows of 32).
ImageDataset read_cifar10_batches(const std::vector<std::string>& paths);

struct DatasetConfig {
  std::string name = "fashion-mnist";  // fashion-mnist, mnist, cifar10, synthetic
  std::string path;                    // folder; empty: the name's default
  std::size_t train_subset = 0;        // images taken from the training files; 0: all
  // Images skipped at the start of the training files before the subset is
  // taken: studies on disjoint subsets of the same files.
  std::size_t train_offset = 0;
  std::size_t test_subset = 0;         // 0: all
  // Validation images split off the end of the (subset) training images:
  // validation_size when > 0, else validation_fraction of them.
  std::size_t validation_size = 0;
  double validation_fraction = 0.2;  // the paper's 40k/10k of CIFAR-10's 50k
  // Synthetic data only.
  std::size_t synthetic_train = 2000;
  std::size_t synthetic_test = 500;
  std::uint64_t synthetic_seed = 0;
};

// Parses the [task.dataset] table (a string is taken as the name);
// throws InputError on unknown keys or bad values.
DatasetConfig dataset_config_from_json(const nlohmann::json& json);
// The folder a dataset name reads by default ("" for synthetic).
std::string default_dataset_path(const std::string& name);

struct DatasetSplits {
  std::string name;
  ImageDataset train;
  ImageDataset validation;
  ImageDataset test;
};

DatasetSplits load_dataset(const DatasetConfig& config);

// Random CIFAR-shaped images whose label can be learnt: each class has its
// own random template and every image is its class's template plus noise.
ImageDataset make_synthetic_images(std::size_t count, std::int64_t channels, std::int64_t height,
                                   std::int64_t width, std::int64_t num_classes,
                                   std::uint64_t seed);

}  // namespace ecopt
