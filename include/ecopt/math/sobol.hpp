#pragma once
// Scrambled Sobol sequence: Joe–Kuo direction numbers (new-joe-kuo-6.21201)
// with a random linear matrix scramble plus digital shift (Owen's LMS+shift,
// as SciPy's and BoTorch's default). Deterministic under a seed; point i is
// computed directly, so no state is kept between suggestions.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ecopt {

class SobolSequence {
 public:
  // Throws InputError above the supported dimension count.
  SobolSequence(std::size_t dimensions, std::uint64_t seed, bool scramble = true);
  std::size_t dimensions() const { return dimensions_; }
  std::vector<double> point(std::uint64_t index) const;
  static std::size_t max_dimensions();

 private:
  std::size_t dimensions_;
  std::vector<std::vector<std::uint32_t>> directions_;  // [dim][bit], scrambled
  std::vector<std::uint32_t> shift_;
};

}  // namespace ecopt
