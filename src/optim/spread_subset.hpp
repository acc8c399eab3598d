#pragma once
// At most `limit` of n rows, evenly spread over 0..n-1 in order: the subset
// a model fits its hyperparameters on, or conditions on, when there are too
// many points to use them all.
#include <algorithm>
#include <cstddef>
#include <vector>

#include <Eigen/Dense>

namespace ecopt::optim_detail {

inline std::vector<Eigen::Index> spread_subset(Eigen::Index n, std::size_t limit) {
  std::vector<Eigen::Index> rows;
  const auto count = std::min<Eigen::Index>(n, static_cast<Eigen::Index>(limit));
  for (Eigen::Index i = 0; i < count; ++i) rows.push_back(i * n / count);
  return rows;
}

}  // namespace ecopt::optim_detail
