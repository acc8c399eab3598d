#pragma once
// The MOBO acquisition: log expected hypervolume improvement over the
// posterior-mean front or over conditioned front samples (NEHVI), plus log
// probability of feasibility for each outcome constraint.
#include <span>
#include <vector>

#include <Eigen/Dense>

#include "ecopt/optim/gaussian_process.hpp"
#include "front_samples.hpp"

namespace ecopt::optim_detail {

struct ConstraintModel {
  GaussianProcess model;
  double bound = 0.0;
  bool less_equal = true;  // metric <= bound, else metric >= bound
};

// The expected hypervolume improvement against one reference point,
// weighted.
struct ImprovementTerm {
  FrontSamples fronts;
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
  // log EHVI of one term for a candidate with these means and standard
  // deviations (already conditioned), averaged over the term's fronts with
  // front s seeing mean + shifts.col(s) (shifts: objectives x fronts, or
  // empty). With gradients: by_mean per front (fronts x objectives), and
  // by_stddev summed over fronts.
  static double log_term(const ImprovementTerm& term, std::span<const double> mean, std::span<const double> stddev,
                         const Eigen::MatrixXd& shifts, Eigen::MatrixXd* by_mean, Eigen::VectorXd* by_stddev);

  std::vector<GaussianProcess> objectives_;
  std::vector<ImprovementTerm> terms_;
  std::vector<ConstraintModel> constraints_;
};

}  // namespace ecopt::optim_detail
