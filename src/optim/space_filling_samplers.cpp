// The model-free samplers: uniform random and scrambled Sobol.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/error.hpp"
#include "ecopt/math/sobol.hpp"
#include "random_stream.hpp"
#include "samplers.hpp"

namespace ecopt::optim_detail {
namespace {

class RandomSampler final : public Sampler {
 public:
  explicit RandomSampler(std::uint64_t seed) : seed_(seed) {}
  std::string name() const override { return "random"; }
  HistoryNeed history_need() const override { return HistoryNeed::None; }
  std::vector<double> suggest(const SamplingContext& context) override {
    RandomStream random(mix_seed(seed_, static_cast<std::uint64_t>(context.trial_number)));
    std::vector<double> point(context.space.dimensions());
    for (double& u : point) u = random.uniform();
    return point;
  }

 private:
  std::uint64_t seed_;
};

class SobolSampler final : public Sampler {
 public:
  explicit SobolSampler(std::uint64_t seed) : seed_(seed) {}
  std::string name() const override { return "sobol"; }
  HistoryNeed history_need() const override { return HistoryNeed::None; }
  std::vector<double> suggest(const SamplingContext& context) override {
    return sobol_point(context.space.dimensions(), seed_,
                       static_cast<std::uint64_t>(std::max<std::int64_t>(context.trial_number, 0)));
  }

 private:
  std::uint64_t seed_;
};

}  // namespace

std::vector<double> sobol_point(std::size_t dimensions, std::uint64_t seed, std::uint64_t index) {
  if (dimensions == 0) return {};
  if (dimensions > SobolSequence::max_dimensions()) {
    throw InputError(fmt::format("the Sobol sequence supports at most {} parameters but the search "
                                 "space has {}; use --sampler random",
                                 SobolSequence::max_dimensions(), dimensions));
  }
  return SobolSequence(dimensions, seed).point(index);
}

void check_extra_keys(std::string_view sampler, const SamplerOptions& options,
                      std::initializer_list<std::string_view> known) {
  if (!options.extra.is_object()) {
    throw InputError(fmt::format("options for sampler '{}' must be a JSON object", sampler));
  }
  for (const auto& [key, value] : options.extra.items()) {
    bool found = false;
    for (std::string_view name : known) found = found || name == key;
    if (!found) {
      throw InputError(fmt::format("sampler '{}' has no option '{}'; known options: {}", sampler, key,
                                   known.size() == 0 ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
    }
  }
}

std::unique_ptr<Sampler> make_random_sampler(const SamplerOptions& options) {
  check_extra_keys("random", options, {});
  return std::make_unique<RandomSampler>(options.seed);
}

std::unique_ptr<Sampler> make_sobol_sampler(const SamplerOptions& options) {
  check_extra_keys("sobol", options, {});
  return std::make_unique<SobolSampler>(options.seed);
}

}  // namespace ecopt::optim_detail
