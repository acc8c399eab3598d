#include "ecopt/math/sobol.hpp"

#include <cmath>
#include <numbers>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

TEST(Sobol, FirstUnscrambledPointsAreTheKnownOnes) {
  const SobolSequence sobol(2, 0, /*scramble=*/false);
  EXPECT_EQ(sobol.point(0), (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(sobol.point(1), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(sobol.point(2), (std::vector<double>{0.75, 0.25}));
  EXPECT_EQ(sobol.point(3), (std::vector<double>{0.25, 0.75}));
  EXPECT_EQ(sobol.point(4), (std::vector<double>{0.375, 0.375}));
}

// Reference values from an independent implementation of the same table:
// torch.quasirandom.SobolEngine(1111, scramble=False) (PyTorch 1.13), its
// coordinates times 2^30, at dimensions 1, 2, 3, 10, 100 and 1111.
TEST(Sobol, UnscrambledPointsMatchPyTorchAcrossTheTable) {
  const SobolSequence sobol(1111, 0, /*scramble=*/false);
  const std::size_t dims[] = {1, 2, 3, 10, 100, 1111};
  const struct {
    std::uint64_t index;
    std::int64_t scaled[6];
  } expected[] = {
      {100, {444596224, 276824064, 830472192, 746586112, 947912704, 494927872}},
      {1000, {235929600, 103809024, 556793856, 74448896, 200278016, 397410304}},
      {123456, {28450816, 196222976, 329916416, 267427840, 994041856, 181313536}},
  };
  for (const auto& row : expected) {
    const auto point = sobol.point(row.index);
    for (int k = 0; k < 6; ++k) {
      EXPECT_EQ(point[dims[k] - 1] * 1073741824.0, static_cast<double>(row.scaled[k]))
          << "index " << row.index << ", dimension " << dims[k];
    }
  }
}

TEST(Sobol, ScrambledPointsAreInTheUnitCubeAndDeterministic) {
  const SobolSequence a(8, 42), b(8, 42), other(8, 43);
  bool differs = false;
  for (std::uint64_t i = 0; i < 256; ++i) {
    const auto p = a.point(i);
    EXPECT_EQ(p, b.point(i));
    differs = differs || p != other.point(i);
    for (double x : p) {
      EXPECT_GE(x, 0.0);
      EXPECT_LT(x, 1.0);
    }
  }
  EXPECT_TRUE(differs);
  EXPECT_NE(a.point(0), std::vector<double>(8, 0.0));  // the shift moves the origin
}

TEST(Sobol, AddingDimensionsKeepsTheLeadingCoordinates) {
  const SobolSequence small(3, 7), large(6, 7);
  for (std::uint64_t i = 0; i < 64; ++i) {
    const auto p = small.point(i), q = large.point(i);
    EXPECT_EQ(p, std::vector<double>(q.begin(), q.begin() + 3));
  }
}

// Scrambling must keep the net property: the first 2^k points put exactly
// one point in each of the 2^k equal intervals of every dimension.
TEST(Sobol, ScrambledPointsStayBalancedInEveryDimension) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const SobolSequence sobol(20, seed);
    for (int k : {1, 4, 8, 10}) {
      const std::uint64_t n = std::uint64_t{1} << k;
      std::vector<std::set<std::uint64_t>> cells(20);
      for (std::uint64_t i = 0; i < n; ++i) {
        const auto p = sobol.point(i);
        for (std::size_t d = 0; d < p.size(); ++d) cells[d].insert(static_cast<std::uint64_t>(p[d] * n));
      }
      for (std::size_t d = 0; d < cells.size(); ++d) {
        EXPECT_EQ(cells[d].size(), n) << "seed " << seed << ", 2^" << k << ", dimension " << d + 1;
      }
    }
  }
}

// Dimensions 1 and 2 form a (0, 2)-sequence: every 2^a x 2^b box with
// a + b = k holds exactly one of the first 2^k points, scrambled or not.
TEST(Sobol, FirstTwoDimensionsFormAZeroTNet) {
  const int k = 8;
  const std::uint64_t n = std::uint64_t{1} << k;
  const SobolSequence sobol(2, 99);
  for (int a = 0; a <= k; ++a) {
    std::set<std::pair<std::uint64_t, std::uint64_t>> boxes;
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto p = sobol.point(i);
      boxes.emplace(static_cast<std::uint64_t>(std::ldexp(p[0], a)),
                    static_cast<std::uint64_t>(std::ldexp(p[1], k - a)));
    }
    EXPECT_EQ(boxes.size(), n) << "split 2^" << a << " x 2^" << k - a;
  }
}

// A smooth integrand whose integral over [0,1]^5 is 1: scrambled Sobol
// should beat plain Monte Carlo by far at 4096 points.
TEST(Sobol, IntegratesASmoothFunctionFarBetterThanRandomPoints) {
  const std::size_t dims = 5, n = 4096;
  auto integrand = [](const std::vector<double>& x) {
    double product = 1.0;
    for (double v : x) product *= std::numbers::pi / 2 * std::sin(std::numbers::pi * v);
    return product;
  };
  double sobol_square_error = 0.0, random_square_error = 0.0;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    const SobolSequence sobol(dims, seed);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    double sobol_sum = 0.0, random_sum = 0.0;
    std::vector<double> x(dims);
    for (std::uint64_t i = 0; i < n; ++i) {
      sobol_sum += integrand(sobol.point(i));
      for (double& v : x) v = unit(rng);
      random_sum += integrand(x);
    }
    sobol_square_error += std::pow(sobol_sum / n - 1.0, 2);
    random_square_error += std::pow(random_sum / n - 1.0, 2);
  }
  EXPECT_LT(std::sqrt(sobol_square_error), std::sqrt(random_square_error) / 10);
}

TEST(Sobol, RefusesUnsupportedDimensionsAndIndices) {
  EXPECT_EQ(SobolSequence::max_dimensions(), 1111u);
  EXPECT_THROW(SobolSequence(0, 1), InputError);
  EXPECT_THROW(SobolSequence(1112, 1), InputError);
  EXPECT_NO_THROW(SobolSequence(1111, 1));
  const SobolSequence sobol(2, 1);
  EXPECT_NO_THROW(sobol.point((std::uint64_t{1} << 32) - 1));
  EXPECT_THROW(sobol.point(std::uint64_t{1} << 32), InputError);
}

}  // namespace
}  // namespace ecopt
