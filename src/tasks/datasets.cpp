#include "ecopt/tasks/datasets.hpp"

#include <zlib.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <memory>
#include <random>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "json_config.hpp"

namespace ecopt {
namespace fs = std::filesystem;

std::size_t ImageDataset::pixels_per_image() const {
  return static_cast<std::size_t>(channels * height * width);
}

ImageDataset ImageDataset::slice(std::size_t begin, std::size_t end) const {
  end = std::min(end, size());
  begin = std::min(begin, end);
  ImageDataset part{channels, height, width, num_classes, {}, {}};
  const auto stride = pixels_per_image();
  part.pixels.assign(pixels.begin() + static_cast<std::ptrdiff_t>(begin * stride),
                     pixels.begin() + static_cast<std::ptrdiff_t>(end * stride));
  part.labels.assign(labels.begin() + static_cast<std::ptrdiff_t>(begin),
                     labels.begin() + static_cast<std::ptrdiff_t>(end));
  return part;
}

ImageDataset ImageDataset::head(std::size_t count) const {
  return slice(0, count == 0 ? size() : count);
}

ChannelStats channel_stats(const ImageDataset& dataset) {
  ChannelStats stats;
  const auto plane = static_cast<std::size_t>(dataset.height * dataset.width);
  for (std::int64_t channel = 0; channel < dataset.channels; ++channel) {
    double sum = 0.0;
    double sum_squares = 0.0;
    for (std::size_t image = 0; image < dataset.size(); ++image) {
      const auto* first =
          dataset.pixels.data() + image * dataset.pixels_per_image() + channel * plane;
      for (std::size_t i = 0; i < plane; ++i) {
        const double value = first[i] / 255.0;
        sum += value;
        sum_squares += value * value;
      }
    }
    const double count = static_cast<double>(plane * std::max<std::size_t>(dataset.size(), 1));
    const double mean = sum / count;
    const double variance = std::max(sum_squares / count - mean * mean, 0.0);
    stats.mean.push_back(mean);
    // A constant channel would divide by zero; leave it unscaled instead.
    stats.stddev.push_back(variance > 1e-12 ? std::sqrt(variance) : 1.0);
  }
  return stats;
}

namespace {

// zlib's gz* functions read gzipped and plain files alike.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (file_ == nullptr) {
      throw InputError(fmt::format("cannot open {}: check the path and its permissions", path));
    }
  }
  ~GzFile() { gzclose(file_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads up to `size` bytes; returns how many were read.
  std::size_t read_some(void* buffer, std::size_t size) {
    std::size_t total = 0;
    auto* bytes = static_cast<unsigned char*>(buffer);
    while (total < size) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(size - total, 1u << 30));
      const int got = gzread(file_, bytes + total, chunk);
      if (got < 0) {
        int code = 0;
        throw InputError(fmt::format("{} is corrupt ({}): download or reinstall it", path_,
                                     gzerror(file_, &code)));
      }
      if (got == 0) break;
      total += static_cast<std::size_t>(got);
    }
    return total;
  }

  void read_exact(void* buffer, std::size_t size, const std::string& what) {
    const auto got = read_some(buffer, size);
    if (got != size) {
      throw InputError(fmt::format("{} is truncated: expected {} bytes of {}, found {}; "
                                   "download or reinstall it",
                                   path_, size, what, got));
    }
  }

  bool at_end() {
    unsigned char extra = 0;
    return read_some(&extra, 1) == 0;
  }

 private:
  std::string path_;
  gzFile file_;
};

std::uint32_t read_big_endian_u32(GzFile& file, const std::string& what) {
  std::array<unsigned char, 4> bytes{};
  file.read_exact(bytes.data(), bytes.size(), what);
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

void expect_magic(GzFile& file, const std::string& path, std::uint32_t expected,
                  const char* kind) {
  const auto magic = read_big_endian_u32(file, "the IDX header");
  if (magic != expected) {
    throw InputError(fmt::format("{} is not an IDX {} file (magic 0x{:08x}, expected 0x{:08x}); "
                                 "point the dataset path at the right files",
                                 path, kind, magic, expected));
  }
}

void check_labels(const std::vector<std::uint8_t>& labels, std::int64_t num_classes,
                  const std::string& path) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes) {
      throw InputError(fmt::format("{} is corrupt: label {} of record {} is outside 0..{}", path,
                                   labels[i], i, num_classes - 1));
    }
  }
}

void require_file(const std::string& path, const std::string& how_to_get_it) {
  if (!fs::exists(path)) {
    throw InputError(fmt::format("dataset file {} not found: {}", path, how_to_get_it));
  }
}

constexpr std::int64_t kIdxClasses = 10;

}  // namespace

ImageDataset read_idx(const std::string& images_path, const std::string& labels_path) {
  ImageDataset dataset;
  dataset.channels = 1;
  dataset.num_classes = kIdxClasses;

  GzFile images(images_path);
  expect_magic(images, images_path, 0x00000803, "image (ubyte, 3 dimensions)");
  const auto image_count = read_big_endian_u32(images, "the IDX header");
  dataset.height = read_big_endian_u32(images, "the IDX header");
  dataset.width = read_big_endian_u32(images, "the IDX header");
  if (dataset.height == 0 || dataset.width == 0 || dataset.height > 4096 ||
      dataset.width > 4096) {
    throw InputError(fmt::format("{} is corrupt: image size {}x{} is implausible", images_path,
                                 dataset.height, dataset.width));
  }
  constexpr std::uint64_t kMaxBytes = 1ull << 33;  // a corrupt count must not exhaust memory
  if (std::uint64_t{image_count} * dataset.pixels_per_image() > kMaxBytes) {
    throw InputError(fmt::format("{} is corrupt: its header announces {} images of {}x{}",
                                 images_path, image_count, dataset.height, dataset.width));
  }
  dataset.pixels.resize(image_count * dataset.pixels_per_image());
  images.read_exact(dataset.pixels.data(), dataset.pixels.size(),
                    fmt::format("{} images", image_count));
  if (!images.at_end()) {
    throw InputError(fmt::format("{} is corrupt: data continues after the {} images its header "
                                 "announces",
                                 images_path, image_count));
  }

  GzFile labels(labels_path);
  expect_magic(labels, labels_path, 0x00000801, "label (ubyte, 1 dimension)");
  const auto label_count = read_big_endian_u32(labels, "the IDX header");
  if (label_count != image_count) {
    throw InputError(fmt::format("{} holds {} labels but {} holds {} images; use files from the "
                                 "same split",
                                 labels_path, label_count, images_path, image_count));
  }
  dataset.labels.resize(label_count);
  labels.read_exact(dataset.labels.data(), dataset.labels.size(),
                    fmt::format("{} labels", label_count));
  check_labels(dataset.labels, dataset.num_classes, labels_path);
  return dataset;
}

ImageDataset read_cifar10_batches(const std::vector<std::string>& paths) {
  constexpr std::size_t kPixels = 3 * 32 * 32;
  constexpr std::size_t kRecord = 1 + kPixels;
  ImageDataset dataset{3, 32, 32, 10, {}, {}};
  for (const auto& path : paths) {
    const auto bytes = fs::file_size(path);
    if (bytes == 0 || bytes % kRecord != 0) {
      throw InputError(fmt::format("{} is corrupt: {} bytes is not a whole number of {}-byte "
                                   "CIFAR-10 records; download it again",
                                   path, bytes, kRecord));
    }
    GzFile file(path);
    std::vector<unsigned char> record(kRecord);
    const auto first = dataset.labels.size();
    for (std::size_t i = 0; i < bytes / kRecord; ++i) {
      file.read_exact(record.data(), kRecord, "a CIFAR-10 record");
      dataset.labels.push_back(record[0]);
      dataset.pixels.insert(dataset.pixels.end(), record.begin() + 1, record.end());
    }
    check_labels({dataset.labels.begin() + static_cast<std::ptrdiff_t>(first),
                  dataset.labels.end()},
                 dataset.num_classes, path);
  }
  return dataset;
}

ImageDataset make_synthetic_images(std::size_t count, std::int64_t channels, std::int64_t height,
                                   std::int64_t width, std::int64_t num_classes,
                                   std::uint64_t seed) {
  ImageDataset dataset{channels, height, width, num_classes, {}, {}};
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> pixel(0, 255);
  std::normal_distribution<double> noise(0.0, 40.0);
  const auto stride = dataset.pixels_per_image();
  std::vector<std::vector<double>> templates(static_cast<std::size_t>(num_classes));
  for (auto& image : templates) {
    for (std::size_t i = 0; i < stride; ++i) image.push_back(pixel(random));
  }
  std::uniform_int_distribution<std::int64_t> label(0, num_classes - 1);
  for (std::size_t n = 0; n < count; ++n) {
    const auto cls = label(random);
    dataset.labels.push_back(static_cast<std::uint8_t>(cls));
    for (double value : templates[static_cast<std::size_t>(cls)]) {
      dataset.pixels.push_back(static_cast<std::uint8_t>(std::clamp(value + noise(random), 0.0, 255.0)));
    }
  }
  return dataset;
}

DatasetConfig dataset_config_from_json(const nlohmann::json& json) {
  DatasetConfig config;
  if (json.is_string()) {
    config.name = json.get<std::string>();
  } else {
    detail::JsonConfig settings(json, "task.dataset");
    settings.reject_unknown({"name", "path", "train_subset", "train_offset", "test_subset", "validation_size",
                             "validation_fraction", "synthetic_train", "synthetic_test",
                             "synthetic_seed"});
    constexpr std::int64_t kMax = 100'000'000;
    config.name = settings.text("name", config.name);
    config.path = settings.text("path", "");
    config.train_subset = settings.integer("train_subset", 0, 0, kMax);
    config.train_offset = settings.integer("train_offset", 0, 0, kMax);
    config.test_subset = settings.integer("test_subset", 0, 0, kMax);
    config.validation_size = settings.integer("validation_size", 0, 0, kMax);
    config.validation_fraction =
        settings.number("validation_fraction", config.validation_fraction, 0.0, 0.9);
    config.synthetic_train =
        settings.integer("synthetic_train", static_cast<std::int64_t>(config.synthetic_train), 1, kMax);
    config.synthetic_test =
        settings.integer("synthetic_test", static_cast<std::int64_t>(config.synthetic_test), 1, kMax);
    config.synthetic_seed = settings.integer("synthetic_seed", 0, 0, kMax);
  }
  if (config.name != "fashion-mnist" && config.name != "mnist" && config.name != "cifar10" &&
      config.name != "synthetic") {
    throw InputError(fmt::format("unknown dataset \"{}\" in task.dataset.name; use fashion-mnist, "
                                 "mnist, cifar10 or synthetic",
                                 config.name));
  }
  if (config.path.empty()) config.path = default_dataset_path(config.name);
  return config;
}

std::string default_dataset_path(const std::string& name) {
  if (name == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (name == "mnist") return "data/mnist";
  if (name == "cifar10") return "data/cifar-10-batches-bin";
  return "";
}

namespace {

std::string how_to_get(const DatasetConfig& config) {
  if (config.name == "fashion-mnist") {
    return "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or "
           "set task.dataset.path to a folder holding its IDX files";
  }
  if (config.name == "mnist") {
    return "download the four MNIST IDX files (train-images-idx3-ubyte.gz, ...) into that "
           "folder or set task.dataset.path";
  }
  return "download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, "
         "extract it and set task.dataset.path to its cifar-10-batches-bin folder";
}

// "train-images-idx3-ubyte" may be stored plain or with a .gz suffix.
std::string find_idx_file(const DatasetConfig& config, const std::string& stem) {
  const auto plain = fs::path(config.path) / stem;
  if (fs::exists(plain)) return plain.string();
  const auto gzipped = plain.string() + ".gz";
  require_file(gzipped, how_to_get(config));
  return gzipped;
}

ImageDataset read_idx_split(const DatasetConfig& config, const std::string& prefix) {
  const auto images = find_idx_file(config, prefix + "-images-idx3-ubyte");
  return read_idx(images, find_idx_file(config, prefix + "-labels-idx1-ubyte"));
}

ImageDataset read_cifar10_split(const DatasetConfig& config, bool train) {
  std::vector<std::string> paths;
  if (train) {
    for (int batch = 1; batch <= 5; ++batch) {
      paths.push_back((fs::path(config.path) / fmt::format("data_batch_{}.bin", batch)).string());
    }
  } else {
    paths.push_back((fs::path(config.path) / "test_batch.bin").string());
  }
  for (const auto& path : paths) require_file(path, how_to_get(config));
  return read_cifar10_batches(paths);
}

std::size_t validation_count(const DatasetConfig& config, std::size_t train_images) {
  const auto count = config.validation_size > 0
                         ? config.validation_size
                         : static_cast<std::size_t>(std::llround(
                               config.validation_fraction * static_cast<double>(train_images)));
  if (count == 0 || count >= train_images) {
    throw InputError(fmt::format("task.dataset: a validation split of {} leaves no training or no "
                                 "validation images out of {}; adjust validation_size, "
                                 "validation_fraction or train_subset",
                                 count, train_images));
  }
  return count;
}

}  // namespace

DatasetSplits load_dataset(const DatasetConfig& config) {
  DatasetSplits splits;
  splits.name = config.name;
  ImageDataset train;
  if (config.name == "synthetic") {
    const auto all = make_synthetic_images(config.synthetic_train + config.synthetic_test, 3, 32,
                                           32, 10, config.synthetic_seed);
    train = all.slice(0, config.synthetic_train);
    splits.test = all.slice(config.synthetic_train, all.size());
  } else if (config.name == "cifar10") {
    train = read_cifar10_split(config, true);
    splits.test = read_cifar10_split(config, false);
  } else {
    train = read_idx_split(config, "train");
    splits.test = read_idx_split(config, "t10k");
  }
  if (config.train_offset > 0 && config.train_offset >= train.size()) {
    throw InputError(fmt::format("task.dataset.train_offset {} skips all {} training images; lower it",
                                 config.train_offset, train.size()));
  }
  train = train.slice(config.train_offset, train.size()).head(config.train_subset);
  splits.test = splits.test.head(config.test_subset);
  const auto validation = validation_count(config, train.size());
  splits.validation = train.slice(train.size() - validation, train.size());
  splits.train = train.slice(0, train.size() - validation);
  return splits;
}

}  // namespace ecopt
