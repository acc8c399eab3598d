#pragma once
// The observed front as the models see it, for the hypervolume
// improvement. Without noise: the posterior means of the points near the
// front. With noise, as NEHVI does: joint posterior samples of the latent
// values at those points (the baseline), one front per sample, and a
// candidate's outcome conditioned on each sample, so that a point already
// measured gains only what its noise still hides, not its lucky or unlucky
// draw.
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "ecopt/math/pareto.hpp"
#include "ecopt/optim/ehvi.hpp"
#include "ecopt/optim/gaussian_process.hpp"

namespace ecopt::optim_detail {

// A candidate's outcome of one objective given each front sample s:
// Gaussian with mean (its posterior mean + shift[s]) and variance (its
// posterior variance - reduction); gradients by the candidate's point.
struct ConditionedOutcome {
  Eigen::VectorXd shift;    // per sample
  double reduction = 0.0;
  Eigen::MatrixXd d_shift;  // samples x d
  Eigen::VectorXd d_reduction;
};

class FrontSamples {
 public:
  // The posterior-mean front alone: nothing to condition on.
  FrontSamples(const Eigen::MatrixXd& means, const Point& reference);
  // The posterior-mean front against `inner` plus outer_weight times
  // against `reference`, in one split decomposition (ehvi.hpp).
  FrontSamples(const Eigen::MatrixXd& means, const Point& reference, const Point& inner, double outer_weight);
  // `samples` joint draws (fixed normals from `seed`) of every model's
  // latent values at the rows of baseline_x, whose posterior means are
  // baseline_means (baseline x objectives).
  FrontSamples(const std::vector<GaussianProcess>& models, Eigen::MatrixXd baseline_x,
               const Eigen::MatrixXd& baseline_means, const Point& reference, int samples, std::uint64_t seed);

  const std::vector<HypervolumeBoxes>& fronts() const { return fronts_; }
  bool conditioned() const { return !objectives_.empty(); }

  // For one point (with gradients), objective j of `model`.
  ConditionedOutcome condition(std::size_t j, const GaussianProcess& model, const double* point) const;
  // For the rows of `points`, in two steps: w (baseline x points, below),
  // all that depends on the points, then the shifts (samples x points) and
  // reductions (per point) it gives with this object's draws.
  Eigen::MatrixXd weights(std::size_t j, const GaussianProcess& model, const Eigen::MatrixXd& points) const;
  void condition(std::size_t j, const Eigen::MatrixXd& weights, Eigen::MatrixXd& shifts,
                 Eigen::VectorXd& reductions) const;
  // Whether `other` was drawn on the same baseline with the same models, so
  // that its weights are these (mobo's beyond term takes one sample of the
  // inner term's draws).
  bool same_baseline(const FrontSamples& other) const;

 private:
  // With the baseline's posterior covariance L L^T and the draws L z_s,
  // the candidate c given draw s is shifted by w^T z_s and its variance
  // reduced by |w|^2, where w = L^-1 cov(baseline, c).
  struct ObjectiveDraws {
    Eigen::MatrixXd factor;   // L
    Eigen::MatrixXd solved;   // GaussianProcess::solve_at(baseline)
    Eigen::MatrixXd normals;  // baseline x samples
  };

  Eigen::MatrixXd baseline_x_;
  std::vector<ObjectiveDraws> objectives_;
  std::vector<HypervolumeBoxes> fronts_;
};

}  // namespace ecopt::optim_detail
