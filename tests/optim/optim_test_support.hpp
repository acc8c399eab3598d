#pragma once
// Small builders shared by the optimiser tests.
#include <cmath>
#include <string>
#include <vector>

#include "ecopt/core/trial.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt::testing_support {

inline Trial complete_trial(std::int64_t number, ParamMap params, std::vector<double> values,
                            nlohmann::json user_attrs = nlohmann::json::object()) {
  Trial trial;
  trial.id = number;
  trial.number = number;
  trial.state = TrialState::Complete;
  trial.params = std::move(params);
  trial.values = std::move(values);
  trial.user_attrs = std::move(user_attrs);
  return trial;
}

inline Trial running_trial(std::int64_t number, ParamMap params) {
  Trial trial;
  trial.id = number;
  trial.number = number;
  trial.params = std::move(params);
  return trial;
}

inline double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double total = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) total += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(total);
}

inline std::vector<double> values_of(const ParamMap& params, std::size_t count) {
  std::vector<double> x;
  for (std::size_t i = 0; i < count; ++i) x.push_back(as_double(params.at("x" + std::to_string(i))));
  return x;
}

}  // namespace ecopt::testing_support
