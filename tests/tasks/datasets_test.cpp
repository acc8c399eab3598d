#include "ecopt/tasks/datasets.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataset_files.hpp"
#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::cifar_records;
using testing::fresh_folder;
using testing::idx_images;
using testing::idx_labels;
using testing::write_bytes;
namespace fs = std::filesystem;

// Runs `action`, expecting an InputError whose message contains every part.
template <typename Action>
std::string input_error_of(Action action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no InputError was thrown";
  return "";
}

void write_idx_split(const fs::path& folder, const std::string& prefix, std::uint32_t count,
                     bool gzip) {
  const std::string suffix = gzip ? ".gz" : "";
  write_bytes(folder / (prefix + "-images-idx3-ubyte" + suffix), idx_images(count, 4, 3), gzip);
  write_bytes(folder / (prefix + "-labels-idx1-ubyte" + suffix), idx_labels(count), gzip);
}

TEST(IdxLoader, ReadsPlainFiles) {
  const auto folder = fresh_folder("idx_plain");
  write_idx_split(folder, "train", 5, false);
  const auto data = read_idx((folder / "train-images-idx3-ubyte").string(),
                             (folder / "train-labels-idx1-ubyte").string());
  EXPECT_EQ(data.size(), 5u);
  EXPECT_EQ(data.channels, 1);
  EXPECT_EQ(data.height, 4);
  EXPECT_EQ(data.width, 3);
  EXPECT_EQ(data.num_classes, 10);
  ASSERT_EQ(data.pixels.size(), 5u * 12u);
  EXPECT_EQ(data.pixels[2 * 12 + 5], (2 * 7 + 5) % 256);
  EXPECT_EQ(data.labels[3], 3);
}

TEST(IdxLoader, ReadsGzippedFilesLikePlainOnes) {
  const auto folder = fresh_folder("idx_gz");
  write_idx_split(folder, "t10k", 7, true);
  const auto data = read_idx((folder / "t10k-images-idx3-ubyte.gz").string(),
                             (folder / "t10k-labels-idx1-ubyte.gz").string());
  EXPECT_EQ(data.size(), 7u);
  EXPECT_EQ(data.pixels[6 * 12 + 11], (6 * 7 + 11) % 256);
  EXPECT_EQ(data.labels[6], 6);
}

TEST(IdxLoader, RejectsBadMagic) {
  const auto folder = fresh_folder("idx_magic");
  auto images = idx_images(3, 4, 3);
  images[3] = 0x01;  // magic 0x00000801: a label file where images belong
  write_bytes(folder / "images", images, false);
  write_bytes(folder / "labels", idx_labels(3), false);
  const auto message = input_error_of([&] {
    read_idx((folder / "images").string(), (folder / "labels").string());
  });
  EXPECT_THAT(message, AllOf(HasSubstr((folder / "images").string()), HasSubstr("magic")));
}

TEST(IdxLoader, RejectsTruncatedImages) {
  const auto folder = fresh_folder("idx_truncated");
  auto images = idx_images(3, 4, 3);
  images.resize(images.size() - 5);
  write_bytes(folder / "images.gz", images, true);
  write_bytes(folder / "labels", idx_labels(3), false);
  const auto message = input_error_of([&] {
    read_idx((folder / "images.gz").string(), (folder / "labels").string());
  });
  EXPECT_THAT(message, AllOf(HasSubstr("images.gz"), HasSubstr("truncated")));
}

TEST(IdxLoader, RejectsTrailingData) {
  const auto folder = fresh_folder("idx_trailing");
  auto images = idx_images(3, 4, 3);
  images.push_back(1);
  write_bytes(folder / "images", images, false);
  write_bytes(folder / "labels", idx_labels(3), false);
  EXPECT_THAT(input_error_of([&] {
                read_idx((folder / "images").string(), (folder / "labels").string());
              }),
              HasSubstr("continues after the 3 images"));
}

TEST(IdxLoader, RejectsLabelOutOfRange) {
  const auto folder = fresh_folder("idx_label");
  auto labels = idx_labels(3);
  labels.back() = 10;
  write_bytes(folder / "images", idx_images(3, 4, 3), false);
  write_bytes(folder / "labels", labels, false);
  EXPECT_THAT(input_error_of([&] {
                read_idx((folder / "images").string(), (folder / "labels").string());
              }),
              AllOf(HasSubstr("labels"), HasSubstr("label 10 of record 2")));
}

TEST(IdxLoader, RejectsLabelCountMismatch) {
  const auto folder = fresh_folder("idx_count");
  write_bytes(folder / "images", idx_images(3, 4, 3), false);
  write_bytes(folder / "labels", idx_labels(4), false);
  EXPECT_THAT(input_error_of([&] {
                read_idx((folder / "images").string(), (folder / "labels").string());
              }),
              HasSubstr("holds 4 labels but"));
}

TEST(IdxLoader, RejectsImplausibleHeaderWithoutAllocating) {
  const auto folder = fresh_folder("idx_huge");
  auto images = idx_images(1, 4, 3);
  images[4] = 0xff;  // count 0xff000001 images
  write_bytes(folder / "images", images, false);
  write_bytes(folder / "labels", idx_labels(1), false);
  EXPECT_THAT(input_error_of([&] {
                read_idx((folder / "images").string(), (folder / "labels").string());
              }),
              HasSubstr("corrupt"));
}

TEST(LoadDataset, SplitsIdxFolderIntoTrainValidationAndTest) {
  const auto folder = fresh_folder("load_idx");
  write_idx_split(folder, "train", 50, true);
  write_idx_split(folder, "t10k", 20, false);
  DatasetConfig config;
  config.name = "mnist";
  config.path = folder.string();
  config.train_subset = 40;
  config.test_subset = 15;
  const auto splits = load_dataset(config);
  EXPECT_EQ(splits.train.size(), 32u);  // 40 minus a validation fifth
  EXPECT_EQ(splits.validation.size(), 8u);
  EXPECT_EQ(splits.test.size(), 15u);
  EXPECT_EQ(splits.validation.labels.front(), 32 % 10);  // taken from the end
  EXPECT_EQ(splits.validation.pixels.front(), (32 * 7) % 256);
}

// train_offset skips images before the subset is taken: two studies on
// disjoint subsets of the same files (a related study and a warm-started one).
TEST(LoadDataset, TrainOffsetSkipsImagesBeforeTheSubset) {
  const auto folder = fresh_folder("load_offset");
  write_idx_split(folder, "train", 50, true);
  write_idx_split(folder, "t10k", 10, false);
  const auto config = [&](int offset) {
    return dataset_config_from_json(
        {{"name", "mnist"}, {"path", folder.string()}, {"train_offset", offset}, {"train_subset", 20}});
  };
  const auto splits = load_dataset(config(13));
  EXPECT_EQ(splits.train.size(), 16u);
  EXPECT_EQ(splits.validation.size(), 4u);
  EXPECT_EQ(splits.train.labels.front(), 13 % 10);  // image 13 first
  EXPECT_EQ(splits.train.pixels.front(), (13 * 7) % 256);
  EXPECT_EQ(splits.validation.labels.front(), 29 % 10);
  EXPECT_THAT(input_error_of([&] { load_dataset(config(50)); }), HasSubstr("task.dataset.train_offset"));
}

TEST(LoadDataset, ValidationSizeOverridesFraction) {
  const auto folder = fresh_folder("load_validation");
  write_idx_split(folder, "train", 50, false);
  write_idx_split(folder, "t10k", 10, false);
  auto config = dataset_config_from_json(
      {{"name", "mnist"}, {"path", folder.string()}, {"validation_size", 10}});
  const auto splits = load_dataset(config);
  EXPECT_EQ(splits.train.size(), 40u);
  EXPECT_EQ(splits.validation.size(), 10u);
  config.validation_size = 50;
  EXPECT_THAT(input_error_of([&] { load_dataset(config); }), HasSubstr("validation"));
}

TEST(LoadDataset, MissingFilesNameThePathAndTheFix) {
  const auto folder = fresh_folder("load_missing");
  DatasetConfig config;
  config.path = folder.string();
  EXPECT_THAT(input_error_of([&] { load_dataset(config); }),
              AllOf(HasSubstr((folder / "train-images-idx3-ubyte.gz").string()),
                    HasSubstr("apt-get install dataset-fashion-mnist")));
  config.name = "cifar10";
  EXPECT_THAT(input_error_of([&] { load_dataset(config); }),
              AllOf(HasSubstr("data_batch_1.bin"), HasSubstr("cifar-10-binary.tar.gz")));
}

TEST(LoadDataset, FindsTheInstalledFashionMnistFiles) {
  const auto config = dataset_config_from_json(nlohmann::json("fashion-mnist"));
  ASSERT_EQ(config.path, "/usr/share/datasets/fashion-mnist");
  auto small = config;
  small.train_subset = 100;
  small.test_subset = 10;
  const auto splits = load_dataset(small);
  EXPECT_EQ(splits.train.height, 28);
  EXPECT_EQ(splits.train.width, 28);
  EXPECT_EQ(splits.train.size() + splits.validation.size(), 100u);
  EXPECT_EQ(splits.test.size(), 10u);
}

TEST(CifarLoader, ReadsChannelMajorRecordsAcrossBatches) {
  const auto folder = fresh_folder("cifar_read");
  write_bytes(folder / "a.bin", cifar_records(3), false);
  write_bytes(folder / "b.bin", cifar_records(2, 3), false);
  const auto data = read_cifar10_batches({(folder / "a.bin").string(), (folder / "b.bin").string()});
  ASSERT_EQ(data.size(), 5u);
  EXPECT_EQ(data.channels, 3);
  EXPECT_EQ(data.height, 32);
  EXPECT_EQ(data.labels[4], 4);
  // Image 4, channel 2 (blue), last pixel.
  EXPECT_EQ(data.pixels[4 * 3072 + 2 * 1024 + 1023], 2 * 80 + 4);
  EXPECT_EQ(data.pixels[4 * 3072 + 1 * 1024], 80 + 4);
}

TEST(CifarLoader, LoadsTheStandardFolderLayout) {
  const auto folder = fresh_folder("cifar_folder");
  for (int batch = 1; batch <= 5; ++batch) {
    write_bytes(folder / ("data_batch_" + std::to_string(batch) + ".bin"), cifar_records(4, batch * 4),
                false);
  }
  write_bytes(folder / "test_batch.bin", cifar_records(6), false);
  const auto splits = load_dataset(
      dataset_config_from_json({{"name", "cifar10"}, {"path", folder.string()}, {"validation_size", 5}}));
  EXPECT_EQ(splits.train.size(), 15u);
  EXPECT_EQ(splits.validation.size(), 5u);
  EXPECT_EQ(splits.test.size(), 6u);
  EXPECT_EQ(splits.train.labels.front(), 4);  // data_batch_1 starts at record 4
}

TEST(CifarLoader, RejectsWrongRecordSize) {
  const auto folder = fresh_folder("cifar_size");
  auto bytes = cifar_records(2);
  bytes.pop_back();
  write_bytes(folder / "bad.bin", bytes, false);
  EXPECT_THAT(input_error_of([&] { read_cifar10_batches({(folder / "bad.bin").string()}); }),
              AllOf(HasSubstr("bad.bin"), HasSubstr("3073-byte")));
}

TEST(CifarLoader, RejectsLabelOutOfRange) {
  const auto folder = fresh_folder("cifar_label");
  auto bytes = cifar_records(2);
  bytes[3073] = 12;
  write_bytes(folder / "bad.bin", bytes, false);
  EXPECT_THAT(input_error_of([&] { read_cifar10_batches({(folder / "bad.bin").string()}); }),
              AllOf(HasSubstr("bad.bin"), HasSubstr("label 12 of record 1")));
}

TEST(ChannelStats, MeanAndStddevPerChannel) {
  const auto folder = fresh_folder("stats");
  write_bytes(folder / "a.bin", cifar_records(2), false);
  const auto data = read_cifar10_batches({(folder / "a.bin").string()});
  const auto stats = channel_stats(data);
  ASSERT_EQ(stats.mean.size(), 3u);
  // Channel 1 holds 80 in image 0 and 81 in image 1.
  EXPECT_NEAR(stats.mean[1], 80.5 / 255.0, 1e-9);
  EXPECT_NEAR(stats.stddev[1], 0.5 / 255.0, 1e-9);
}

TEST(SyntheticImages, AreDeterministicAndLabelled) {
  const auto a = make_synthetic_images(20, 3, 8, 8, 10, 5);
  const auto b = make_synthetic_images(20, 3, 8, 8, 10, 5);
  const auto c = make_synthetic_images(20, 3, 8, 8, 10, 6);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_NE(a.pixels, c.pixels);
  EXPECT_EQ(a.pixels.size(), 20u * 3 * 8 * 8);
  for (auto label : a.labels) EXPECT_LT(label, 10);
}

TEST(DatasetConfig, RejectsUnknownKeysAndNames) {
  EXPECT_THAT(input_error_of([] { dataset_config_from_json({{"nmae", "mnist"}}); }),
              HasSubstr("task.dataset.nmae"));
  EXPECT_THAT(input_error_of([] { dataset_config_from_json(nlohmann::json("imagenet")); }),
              HasSubstr("imagenet"));
  EXPECT_THAT(input_error_of([] { dataset_config_from_json({{"train_subset", -1}}); }),
              HasSubstr("task.dataset.train_subset"));
}

}  // namespace
}  // namespace ecopt
