#include "ecopt/math/sobol.hpp"

#include <bit>
#include <random>
#include <string>

#include "ecopt/core/error.hpp"
#include "sobol_table.hpp"

namespace ecopt {
namespace {

constexpr int kBits = 32;  // points are 32-bit binary fractions: 2^32 points per sequence

// Direction integers v_1 .. v_32 of one dimension, v_k = m_k / 2^k as a
// 32-bit fraction; the rest follow the primitive polynomial's recurrence.
std::vector<std::uint32_t> unscrambled_directions(std::size_t dimension) {
  std::vector<std::uint32_t> v(kBits);
  if (dimension == 0) {  // van der Corput: the identity generating matrix
    for (int k = 0; k < kBits; ++k) v[k] = std::uint32_t{1} << (kBits - 1 - k);
    return v;
  }
  const detail::JoeKuoRow& row = detail::kJoeKuoTable[dimension - 1];
  const int s = row.degree;
  for (int k = 0; k < s && k < kBits; ++k) v[k] = std::uint32_t{row.initial[k]} << (kBits - 1 - k);
  for (int k = s; k < kBits; ++k) {
    v[k] = v[k - s] ^ (v[k - s] >> s);
    for (int j = 1; j < s; ++j) {
      if ((row.coefficients >> (s - 1 - j)) & 1U) v[k] ^= v[k - j];
    }
  }
  return v;
}

// Random lower-triangular binary matrix with unit diagonal (row j as a mask
// over bits, most significant = column 0). Lower-triangular and non-singular
// keeps every (t, m, s)-net property of the sequence.
std::vector<std::uint32_t> random_lower_triangular(std::mt19937_64& rng) {
  std::vector<std::uint32_t> rows(kBits);
  for (int j = 0; j < kBits; ++j) {
    const std::uint32_t diagonal = std::uint32_t{1} << (kBits - 1 - j);
    const std::uint32_t below = ~(diagonal - 1) & ~diagonal;  // columns 0 .. j-1
    rows[j] = (static_cast<std::uint32_t>(rng() >> 32) & below) | diagonal;
  }
  return rows;
}

std::uint32_t multiply(const std::vector<std::uint32_t>& matrix_rows, std::uint32_t column) {
  std::uint32_t result = 0;
  for (int j = 0; j < kBits; ++j) {
    if (std::popcount(matrix_rows[j] & column) & 1) result |= std::uint32_t{1} << (kBits - 1 - j);
  }
  return result;
}

}  // namespace

SobolSequence::SobolSequence(std::size_t dimensions, std::uint64_t seed, bool scramble)
    : dimensions_(dimensions), directions_(dimensions), shift_(dimensions, 0) {
  if (dimensions == 0 || dimensions > max_dimensions()) {
    throw InputError("Sobol sequence asked for " + std::to_string(dimensions) +
                     " dimensions; it supports 1 to " + std::to_string(max_dimensions()) +
                     ", so use the random sampler for larger search spaces");
  }
  // One generator, dimension after dimension, so a dimension's scramble does
  // not depend on how many dimensions follow it.
  std::mt19937_64 rng(seed);
  for (std::size_t d = 0; d < dimensions; ++d) {
    directions_[d] = unscrambled_directions(d);
    if (!scramble) continue;
    const auto matrix = random_lower_triangular(rng);
    for (auto& v : directions_[d]) v = multiply(matrix, v);
    shift_[d] = static_cast<std::uint32_t>(rng() >> 32);
  }
}

std::size_t SobolSequence::max_dimensions() { return detail::kJoeKuoRows + 1; }

std::vector<double> SobolSequence::point(std::uint64_t index) const {
  if (index >> kBits) {
    throw InputError("Sobol point index " + std::to_string(index) +
                     " is beyond the 2^32 points of the sequence; start a new seed");
  }
  const std::uint64_t gray = index ^ (index >> 1);  // Gray-code order, as Joe–Kuo and SciPy
  constexpr double kScale = 1.0 / 4294967296.0;    // 2^-32
  std::vector<double> result(dimensions_);
  for (std::size_t d = 0; d < dimensions_; ++d) {
    std::uint32_t x = shift_[d];
    for (int k = 0; k < kBits && (gray >> k); ++k) {
      if ((gray >> k) & 1U) x ^= directions_[d][k];
    }
    result[d] = x * kScale;
  }
  return result;
}

}  // namespace ecopt
