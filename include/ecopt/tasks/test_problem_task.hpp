#pragma once
// A task that evaluates a standard multi-objective test problem (ZDT1,
// ZDT2, DTLZ2 from math/benchmark_problems.hpp), so studies, samplers and
// reports run without libtorch. Parameters x0..x{n-1} in [0, 1]; metrics
// f0, f1, ... (all to be minimised).
#include <memory>

#include <nlohmann/json.hpp>

#include "ecopt/tasks/task.hpp"

namespace ecopt {

// config: {"kind": "test-problem", "problem": "zdt1" | "zdt2" | "dtlz2",
// "n_vars": 6, "n_objectives": 3 (dtlz2 only)}. Throws InputError on bad
// settings.
std::unique_ptr<Task> make_test_problem_task(const nlohmann::json& config);

}  // namespace ecopt
