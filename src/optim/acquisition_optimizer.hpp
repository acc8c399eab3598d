#pragma once
// Maximises an acquisition over the unit cube of a search space: scores
// many cheap candidates (scrambled Sobol + perturbations of the best known
// points), then refines the best few with L-BFGS-B on the continuous
// coordinates. Discrete coordinates are rounded by decode -> encode.
#include <cstdint>
#include <vector>

#include "acquisition.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt::optim_detail {

struct AcquisitionSearch {
  int sobol_candidates = 1024;
  int local_candidates = 1024;
  int refine_starts = 5;
  int refine_evaluations = 50;
};

// `anchors`: unit-cube points worth searching around (the current Pareto
// set). Deterministic for a given seed.
std::vector<double> maximise_acquisition(const Acquisition& acquisition, const SearchSpace& space,
                                         const std::vector<std::vector<double>>& anchors,
                                         const AcquisitionSearch& search, std::uint64_t seed);

}  // namespace ecopt::optim_detail
