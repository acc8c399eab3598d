// Runs a short study through the installed library: storage, search space,
// sampler, hypervolume. Prints the hypervolume so the test can check it.
#include <cstdio>

#include "ecopt/math/hypervolume.hpp"
#include "ecopt/math/benchmark_problems.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/storage/storage.hpp"

int main() {
  using namespace ecopt;
  auto storage = open_storage("memory");
  const StudySpec spec{"consumer", objectives_from_directions("minimize,minimize"), {}};
  const auto study = storage->create_study(spec, nlohmann::json::object());
  const auto problem = make_test_problem("zdt1", 2, 2);
  const SearchSpace space({{"x0", FloatDistribution{0.0, 1.0, false, {}}, {}},
                           {"x1", FloatDistribution{0.0, 1.0, false, {}}, {}}});
  auto sampler = make_sampler("sobol", SamplerOptions{});
  std::vector<Point> values;
  for (int i = 0; i < 16; ++i) {
    auto trial = storage->create_trial(study.id, nlohmann::json::object());
    const auto history = storage->trials(study.id);
    const auto params = space.decode(sampler->suggest({spec, space, history, trial.number}));
    storage->set_trial_params(trial.id, params);
    values.push_back(problem.evaluate({as_double(params.at("x0")), as_double(params.at("x1"))}));
    storage->finish_trial(trial.id, TrialResult{TrialState::Complete, values.back(), {}, {}});
  }
  std::printf("trials %zu hypervolume %.6f\n", storage->trials(study.id).size(),
              hypervolume(values, problem.reference));
}
