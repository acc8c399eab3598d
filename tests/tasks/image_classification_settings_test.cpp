#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "ecopt/core/error.hpp"
#include "ecopt/tasks/image_classification.hpp"

namespace ecopt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> layer_names(const ModelCost& cost) {
  std::vector<std::string> names;
  for (const auto& layer : cost.layers) names.push_back(layer.name);
  return names;
}

TEST(ModelCost, MatchesHandCountsForASmallNetwork) {
  CnnArchitecture arch{1, 8, 8, 10, 4, 3, 3, true};
  const auto cost = model_cost(arch);
  EXPECT_THAT(layer_names(cost), ElementsAre("conv1", "relu1", "conv2", "relu2", "pool2", "conv3",
                                             "relu3", "pool3", "linear"));
  // conv1: 1·4·9 + 4; conv2, conv3: 4·4·9 + 4; linear: (4·2·2)·10 + 10.
  EXPECT_EQ(cost.params, 40 + 148 + 148 + 170);
  // conv: 2·Cin·Cout·k²·H·W at 8x8, 8x8, 4x4; ReLU one per element; pool
  // three comparisons per output; linear 2·16·10.
  EXPECT_EQ(cost.layers[0].flops, 2 * 1 * 4 * 9 * 64);
  EXPECT_EQ(cost.layers[2].flops, 2 * 4 * 4 * 9 * 64);
  EXPECT_EQ(cost.layers[5].flops, 2 * 4 * 4 * 9 * 16);
  EXPECT_EQ(cost.flops, 4608 + 256 + 18432 + 256 + 192 + 4608 + 64 + 48 + 320);
  EXPECT_EQ(cost.layers.back().params, 170);
}

TEST(ModelCost, NoPoolKeepsTheImageSize) {
  CnnArchitecture arch{3, 6, 6, 10, 2, 2, 5, false};
  const auto cost = model_cost(arch);
  EXPECT_THAT(layer_names(cost), ElementsAre("conv1", "relu1", "conv2", "relu2", "linear"));
  EXPECT_EQ(cost.layers[0].params, 3 * 2 * 25 + 2);
  EXPECT_EQ(cost.layers.back().params, 2 * 36 * 10 + 10);
  EXPECT_EQ(cost.layers.back().flops, 2 * 72 * 10);
}

TEST(ModelCost, SkipsPoolsOnceTheImageIsOnePixel) {
  CnnArchitecture arch{1, 2, 2, 10, 3, 4, 1, true};
  const auto cost = model_cost(arch);
  EXPECT_THAT(layer_names(cost), ElementsAre("conv1", "relu1", "conv2", "relu2", "pool2", "conv3",
                                             "relu3", "conv4", "relu4", "linear"));
  EXPECT_EQ(cost.layers.back().params, 3 * 10 + 10);
  const auto json = cost.layers_json();
  EXPECT_EQ(json["pool2"]["output"], nlohmann::json({3, 1, 1}));
}

TEST(ModelCost, PaperSizedNetworkOnCifar) {
  // width 128, depth 6, k 9 with pools: 32 → 16 → 8 → 4 → 2 → 1.
  CnnArchitecture arch{3, 32, 32, 10, 128, 6, 9, true};
  const auto cost = model_cost(arch);
  EXPECT_EQ(cost.layers.back().params, 128 * 10 + 10);
  EXPECT_EQ(std::ranges::count_if(cost.layers, [](const LayerCost& l) { return l.kind == LayerKind::MaxPool; }), 5);
}

ImageDataset shape(std::int64_t channels, std::int64_t side) {
  return ImageDataset{channels, side, side, 10, {}, {}};
}

TEST(TrialSettings, TrialParamsOverrideFixedOverrideDefaults) {
  const ParamMap fixed = {{"lr", 1e-3}, {"batch_size", std::int64_t{64}}, {"width", std::int64_t{8}}};
  const ParamMap params = {{"width", std::int64_t{32}}, {"pool", false},
                           {"optimizer", std::string("sgd")}, {"momentum", 0.5}};
  const auto settings = resolve_trial_settings(params, fixed, shape(3, 32));
  EXPECT_EQ(settings.architecture.width, 32);
  EXPECT_EQ(settings.architecture.in_channels, 3);
  EXPECT_FALSE(settings.architecture.pool);
  EXPECT_EQ(settings.optimizer, "sgd");
  EXPECT_DOUBLE_EQ(settings.momentum, 0.5);
  EXPECT_DOUBLE_EQ(settings.lr, 1e-3);
  EXPECT_EQ(settings.batch_size, 64);
  EXPECT_EQ(settings.architecture.kernel_size, 3);  // default
  EXPECT_EQ(settings.dtype, "float32");
  EXPECT_FALSE(settings.epochs.has_value());  // task.epochs then
  const auto searched = resolve_trial_settings(
      {{"epochs", std::int64_t{4}}}, {{"patience", std::int64_t{2}}}, shape(1, 28));
  EXPECT_EQ(searched.epochs, 4);
  EXPECT_EQ(searched.patience, 2);
  EXPECT_THROW(resolve_trial_settings({{"epochs", std::int64_t{0}}}, {}, shape(1, 28)), InputError);
}

TEST(TrialSettings, RejectsBadValuesNamingTheParameter) {
  const auto data = shape(1, 28);
  EXPECT_THAT([&] { resolve_trial_settings({{"kernel_size", std::int64_t{4}}}, {}, data); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("kernel_size = 4 must be odd")));
  EXPECT_THAT([&] { resolve_trial_settings({{"width", std::int64_t{0}}}, {}, data); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("width")));
  EXPECT_THAT([&] { resolve_trial_settings({{"optimizer", std::string("lbfgs")}}, {}, data); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("adam, sgd")));
  EXPECT_THAT([&] { resolve_trial_settings({{"dropout", 0.1}}, {}, data); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("\"dropout\" is not a setting")));
}

TEST(SearchSpace, DefaultHoldsArchitectureTrainingAndInferenceKnobs) {
  const auto space = image_classification_search_space(ImageClassificationConfig{});
  std::vector<std::string> names;
  for (const auto& parameter : space.parameters()) names.push_back(parameter.name);
  EXPECT_THAT(names, ElementsAre("width", "depth", "kernel_size", "pool", "lr", "batch_size",
                                 "optimizer", "momentum", "weight_decay", "inference_batch_size",
                                 "threads", "dtype"));
  const auto* momentum = space.find("momentum");
  ASSERT_TRUE(momentum->condition.has_value());
  EXPECT_EQ(momentum->condition->parent, "optimizer");
  const auto& width = std::get<IntDistribution>(space.find("width")->distribution);
  EXPECT_EQ(width.low, 1);
  EXPECT_EQ(width.high, 128);
  EXPECT_TRUE(width.log);
}

TEST(SearchSpace, FixedValuesPinParametersAndDropUnusedMomentum) {
  const auto config = image_classification_config_from_json(
      {{"kind", "image-classification"},
       {"fixed", {{"optimizer", "adam"}, {"lr", 1e-3}, {"batch_size", 64}}}});
  const auto space = image_classification_search_space(config);
  EXPECT_EQ(space.find("momentum"), nullptr);
  EXPECT_TRUE(std::holds_alternative<FixedDistribution>(space.find("lr")->distribution));
  EXPECT_EQ(space.dimensions(), 12u - 1u - 3u);
  // Every decoded point is a valid trial.
  const auto params = space.decode(std::vector<double>(space.dimensions(), 0.3));
  EXPECT_NO_THROW(resolve_trial_settings(params, config.fixed, shape(1, 28)));
  EXPECT_DOUBLE_EQ(as_double(params.at("lr")), 1e-3);
}

TEST(Config, ParsesEveryTableAndRejectsUnknownKeys) {
  const auto config = image_classification_config_from_json(
      {{"kind", "image-classification"},
       {"dataset", {{"name", "synthetic"}, {"synthetic_train", 100}}},
       {"epochs", 2},
       {"patience", 1},
       {"energy", {{"min_window_s", 0.1}, {"repeats", 3}}}});
  EXPECT_EQ(config.dataset.name, "synthetic");
  EXPECT_EQ(config.dataset.synthetic_train, 100u);
  EXPECT_EQ(config.epochs, 2);
  EXPECT_EQ(config.patience, 1);
  EXPECT_DOUBLE_EQ(config.min_delta, 0.001);
  EXPECT_DOUBLE_EQ(config.energy.min_window_s, 0.1);
  EXPECT_EQ(config.energy.repeats, 3);
  EXPECT_THAT([] { image_classification_config_from_json({{"epoch", 2}}); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("unknown setting task.epoch")));
  EXPECT_THAT([] { image_classification_config_from_json({{"device", "tpu"}}); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("cpu, cuda or cuda:N")));
  EXPECT_THAT([] { image_classification_config_from_json({{"fixed", {{"width", 0}}}}); },
              ::testing::ThrowsMessage<InputError>(HasSubstr("width")));
}

}  // namespace
}  // namespace ecopt
