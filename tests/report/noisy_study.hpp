#pragma once
// A study with noisy objectives, asked and told through the real Study on
// a real Storage: accuracy against energy per sample, one parameter x.
// Energy (1 + 3 x mJ per sample) rises with x; accuracy rises to 0.8 at
// x = 0.75 and falls beyond, so the true front is x <= 0.75 (true_front).
// Each reading gets seeded Gaussian noise (standard deviation 0.02 in
// accuracy, 0.15 mJ in energy: 5 % of its range), as readings vary between
// repeats; lucky readings then push truly
// optimal neighbours off the observed front, which the models' posterior
// means bring back.
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/study.hpp"

namespace ecopt::report::testing {

// `stated`: its definition says the objectives are noisy (as a study file's
// noisy = true, or an ask with {"noisy": true}, declare it).
inline StudySpec noisy_spec(const std::string& name, bool stated = false) {
  StudySpec spec;
  spec.name = name;
  spec.objectives = {{"accuracy", Direction::Maximize, std::nullopt},
                     {"inference_j_per_sample", Direction::Minimize, std::nullopt}};
  if (stated) {
    for (auto& objective : spec.objectives) objective.noisy = true;
  }
  return spec;
}

inline double true_accuracy(double x) { return x <= 0.75 ? 0.5 + 0.4 * x : 0.8 - 0.8 * (x - 0.75); }
inline bool on_true_front(const Trial& trial) { return std::get<double>(trial.params.at("x")) <= 0.75; }

// Asks and tells `trials` more trials of the study, the noise seeded by `seed`.
inline void add_noisy_trials(Storage& storage, const std::string& name, int trials, unsigned seed) {
  Study study = Study::load(storage, name);
  const SearchSpace space = search_space_from_json_text(
      R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0, "log": false, "step": null}}})");
  auto sampler = make_sampler("random", SamplerOptions{seed, 0, nlohmann::json::object()});
  std::mt19937 generator(seed);
  std::normal_distribution<double> accuracy_noise(0.0, 0.05 * 0.4);
  std::normal_distribution<double> energy_noise(0.0, 0.05 * 3e-3);
  for (int i = 0; i < trials; ++i) {
    const AskResult asked = study.ask(space, *sampler);
    const double x = std::get<double>(asked.params.at("x"));
    TrialResult result;
    result.values = {true_accuracy(x) + accuracy_noise(generator),
                     1e-3 * (1.0 + 3.0 * x) + energy_noise(generator)};
    study.tell(asked.number, result);
  }
}

// `stated`: the study's definition says its objectives are noisy;
// otherwise nothing does.
inline StudyRecord make_noisy_study(Storage& storage, const std::string& name, bool stated,
                                    int trials = 40, unsigned seed = 7) {
  const StudyRecord record = Study::create(storage, noisy_spec(name, stated)).record();
  add_noisy_trials(storage, name, trials, seed);
  return record;
}

// The trial numbers a page lists in an attribute (data-front,
// data-posterior-front of the trials section); empty when it has none.
inline std::vector<std::int64_t> attribute_numbers(const std::string& html, const std::string& attribute) {
  std::smatch match;
  if (!std::regex_search(html, match, std::regex(" " + attribute + "=\"([0-9 ]*)\""))) return {};
  std::vector<std::int64_t> numbers;
  std::istringstream words(match[1].str());
  for (std::int64_t n; words >> n;) numbers.push_back(n);
  return numbers;
}

inline std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace ecopt::report::testing
