#include "ecopt/math/stats.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

TEST(Stats, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median({3.0, 1.0, 2.0}), 2.0);
  EXPECT_DOUBLE_EQ(median({4.0, 1.0, 3.0, 2.0}), 2.5);
  EXPECT_DOUBLE_EQ(median({7.0}), 7.0);
  EXPECT_TRUE(std::isnan(median({})));
}

TEST(Stats, MedianAbsoluteDeviation) {
  // median 2; deviations 1 1 0 0 2 4 7 -> median 1.
  EXPECT_DOUBLE_EQ(median_absolute_deviation({1, 1, 2, 2, 4, 6, 9}), 1.0);
  EXPECT_DOUBLE_EQ(median_absolute_deviation({5, 5, 5}), 0.0);
  EXPECT_TRUE(std::isnan(median_absolute_deviation({})));
}

TEST(Stats, MeanAndSampleStddev) {
  EXPECT_DOUBLE_EQ(mean({1, 2, 3, 4}), 2.5);
  EXPECT_TRUE(std::isnan(mean({})));
  // mean 5, squared deviations sum to 32, over n - 1 = 7.
  EXPECT_NEAR(sample_stddev({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_TRUE(std::isnan(sample_stddev({1.0})));
}

TEST(Stats, StddevStaysAccurateFarFromZero) {
  EXPECT_NEAR(sample_stddev({1e9 + 1, 1e9 + 2, 1e9 + 3}), 1.0, 1e-6);
}

TEST(Stats, QuantileInterpolatesLinearly) {
  const std::vector<double> values{4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(quantile(values, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile(values, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile(values, 0.25), 1.75);  // position 0.75
  EXPECT_DOUBLE_EQ(quantile(values, 0.9), 3.7);    // position 2.7
  EXPECT_TRUE(std::isnan(quantile({}, 0.5)));
  EXPECT_THROW(quantile(values, 1.5), InputError);
  EXPECT_THROW(quantile(values, -0.1), InputError);
}

TEST(Stats, PearsonByHand) {
  // dx = -2 -1 0 1 2, dy = -2 0 1 0 1: sxy 6, sxx 10, syy 6.
  EXPECT_NEAR(pearson({1, 2, 3, 4, 5}, {2, 4, 5, 4, 5}), 6.0 / std::sqrt(60.0), 1e-12);
  EXPECT_NEAR(pearson({1, 2, 3}, {6, 4, 2}), -1.0, 1e-12);
  EXPECT_TRUE(std::isnan(pearson({1, 2, 3}, {5, 5, 5})));
  EXPECT_THROW(pearson({1, 2}, {1, 2, 3}), InputError);
}

TEST(Stats, SpearmanAveragesTiedRanks) {
  // y ranks: 1, 2.5, 4.5, 2.5, 4.5; sxy 7, sxx 10, syy 9.
  EXPECT_NEAR(spearman({1, 2, 3, 4, 5}, {2, 4, 5, 4, 5}), 7.0 / std::sqrt(90.0), 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {std::exp(1.0), std::exp(2.0), std::exp(3.0), std::exp(4.0)}),
              1.0, 1e-12);
  EXPECT_NEAR(spearman({3, 1, 2}, {1, 3, 2}), -1.0, 1e-12);
  EXPECT_THROW(spearman({1}, {}), InputError);
}

TEST(Stats, SpearmanIntervalByFisherZ) {
  // z = atanh(0.5) = 0.5493; half width 1.96 * sqrt(1.06 / 16) = 0.5045.
  const Interval half = spearman_interval_95(0.5, 19);
  EXPECT_NEAR(half.low, 0.0447995, 1e-6);
  EXPECT_NEAR(half.high, 0.7832727, 1e-6);
  // Four pairs: almost the whole range, and not symmetric around rho.
  const Interval four = spearman_interval_95(-0.8, 4);
  EXPECT_NEAR(four.low, -0.9960807, 1e-6);
  EXPECT_NEAR(four.high, 0.7255633, 1e-6);
  EXPECT_TRUE(std::isnan(spearman_interval_95(0.5, 3).low));
  EXPECT_TRUE(std::isnan(spearman_interval_95(std::nan(""), 30).high));
}

}  // namespace
}  // namespace ecopt
