#pragma once
// A small counter-based random stream (SplitMix64). Samplers are rebuilt on
// every ask, so each draw must follow from (seed, trial number, purpose)
// alone; std distributions are implementation-defined, hence our own.
#include <cmath>
#include <cstdint>
#include <numbers>

namespace ecopt::optim_detail {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seeds for independent purposes: mix_seed(seed, trial_number, purpose).
inline std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) {
  return splitmix64(splitmix64(splitmix64(a) ^ b) ^ c);
}

class RandomStream {
 public:
  explicit RandomStream(std::uint64_t seed) : state_(splitmix64(seed)) {}

  std::uint64_t next() { return splitmix64(state_++); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint64_t state_;
};

}  // namespace ecopt::optim_detail
