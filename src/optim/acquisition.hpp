#pragma once
// The MOBO acquisition: log expected hypervolume improvement over one or
// more fronts (NEHVI-style samples), plus log probability of feasibility
// for each outcome constraint.
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

class Acquisition {
 public:
  // Empty `fronts` means no feasible point is known yet: the acquisition
  // is then the log probability of feasibility alone.
  Acquisition(std::vector<GaussianProcess> objectives, std::vector<HypervolumeBoxes> fronts,
              std::vector<ConstraintModel> constraints);

  std::size_t dimensions() const;
  // Values for the rows of `points`.
  Eigen::VectorXd evaluate(const Eigen::MatrixXd& points) const;
  // Value at one point; fills gradient (size dimensions()) when not null.
  double evaluate(const double* point, double* gradient) const;

 private:
  std::vector<GaussianProcess> objectives_;
  std::vector<HypervolumeBoxes> fronts_;
  std::vector<ConstraintModel> constraints_;
};

}  // namespace ecopt::optim_detail
