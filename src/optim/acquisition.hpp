#pragma once
// The MOBO acquisition: log expected hypervolume improvement over one or
// more fronts (NEHVI-style samples), plus log probability of feasibility
// for each outcome constraint.
#include <span>
#include <vector>

#include <Eigen/Dense>

#include "ecopt/optim/ehvi.hpp"
#include "ecopt/optim/gaussian_process.hpp"

namespace ecopt::optim_detail {

struct ConstraintModel {
  GaussianProcess model;
  double bound = 0.0;
  bool less_equal = true;  // metric <= bound, else metric >= bound
};

// The expected hypervolume improvement over the boxes of one reference
// point (one decomposition per front sample), weighted.
struct ImprovementTerm {
  std::vector<HypervolumeBoxes> fronts;
  double weight = 1.0;
};

class Acquisition {
 public:
  // The log of the weighted sum of the terms' EHVIs. No terms means no
  // feasible point is known yet: the acquisition is then the log
  // probability of feasibility alone.
  Acquisition(std::vector<GaussianProcess> objectives, std::vector<ImprovementTerm> terms,
              std::vector<ConstraintModel> constraints);

  std::size_t dimensions() const;
  // Values for the rows of `points`.
  Eigen::VectorXd evaluate(const Eigen::MatrixXd& points) const;
  // Value at one point; fills gradient (size dimensions()) when not null.
  double evaluate(const double* point, double* gradient) const;

 private:
  // log sum_k weight_k EHVI_k and its gradient by mean and stddev.
  double log_improvement(std::span<const double> mean, std::span<const double> stddev,
                         std::span<double> d_mean, std::span<double> d_stddev) const;

  std::vector<GaussianProcess> objectives_;
  std::vector<ImprovementTerm> terms_;
  std::vector<ConstraintModel> constraints_;
};

}  // namespace ecopt::optim_detail
