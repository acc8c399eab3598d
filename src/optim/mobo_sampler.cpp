// The default sampler: scrambled Sobol for the initial trials (with a
// warm start, a spread of the related study's Pareto set first), then
// multi-objective Bayesian optimisation (one GP per objective, log-EHVI
// with NEHVI's conditioned front samples for up to 3 objectives, ParEGO beyond,
// probability of feasibility for outcome constraints; RUNNING trials
// taken at their predicted outcomes, the Kriging believer).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "acquisition.hpp"
#include "acquisition_optimizer.hpp"
#include "front_samples.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/math/pareto.hpp"
#include "ecopt/optim/nsga2.hpp"
#include "observations.hpp"
#include "random_stream.hpp"
#include "reference_box.hpp"
#include "samplers.hpp"
#include "spread_subset.hpp"

namespace ecopt::optim_detail {
namespace {

// Model size up to which the full candidate budget is scored.
constexpr std::size_t kFullSearchPoints = 150;

// How the hypervolume improvement treats objectives without a threshold.
enum class ReferenceMode {
  // Ax's rule alone: the front's nadir + 10% of its range. Nothing beyond
  // it gains, so a front that must grow past its current extent (a
  // disconnected piece, a front still narrow after the Sobol start) stalls.
  FrontNadir,
  // The worst feasible observation + 10% of the observed range (the rule
  // ECOpt reports hypervolume with). Never stalls, but the large boxes at
  // the front's extremes pull suggestions there: slow on DTLZ2.
  ObservedWorst,
  // The default: FrontNadir's improvement plus beyond_weight times
  // ObservedWorst's, so the region past the front's nadir still counts
  // (at a tenth with 2 objectives). With 3 or more objectives the first
  // box is the front's dense part, never widened after the Sobol start
  // (reference_box.hpp).
  FrontAndBeyond,
};

struct MoboSettings {
  AcquisitionSearch search;
  // RUNNING trials' outcomes: their posterior means taken as observed
  // (Kriging believer), or, with pending_outcomes = "sampled", drawn with
  // the front (fantasies). Level in quality on ZDT1 and DTLZ2 (10 seeds)
  // at a third of the CPU: docs/benchmarks/optimizers.md.
  bool believe_pending = true;
  ReferenceMode reference_rule = ReferenceMode::FrontAndBeyond;
  // Unset: 0.1 per objective beyond the first (0.1 for 2 objectives, 0.01
  // for 3). The region beyond the front's box grows in every objective's
  // direction at once; at 0.1 it drew too many 3-objective suggestions
  // past the front's extremes (DTLZ2, docs/benchmarks/optimizers.md).
  std::optional<double> beyond_weight;
  // Front samples when observations are noisy or trials pending: 8 gave
  // ZDT1 with 5% noise the same front as 16 (0.987 against 0.988) at two
  // thirds of the cost.
  int posterior_samples = 8;
  int max_baseline = 64;        // observed points sampled jointly per front sample
  // Without `noisy`: the standardised noise variance below which the
  // posterior-mean front is used instead of front samples (noise sd under
  // 10% of the outcome's).
  double tiny_noise = 1e-2;
  // With 2 objectives, front samples also where an objective's noise sd
  // exceeds this share of its range over the posterior-mean front.
  double front_noise = 1e-2;
  int max_model_points = 300;   // observations the GPs condition on, at most
  GpFitOptions fit;
};

ReferenceMode read_reference_mode(const nlohmann::json& extra) {
  if (!extra.contains("reference_rule")) return ReferenceMode::FrontAndBeyond;
  const nlohmann::json& rule = extra.at("reference_rule");
  if (rule == "front_and_beyond") return ReferenceMode::FrontAndBeyond;
  if (rule == "front_nadir") return ReferenceMode::FrontNadir;
  if (rule == "observed_worst") return ReferenceMode::ObservedWorst;
  throw InputError(fmt::format("mobo option 'reference_rule' must be \"front_and_beyond\" (the default), "
                               "\"front_nadir\" (Ax's) or \"observed_worst\", got {}",
                               rule.dump()));
}

MoboSettings read_settings(const SamplerOptions& options) {
  check_extra_keys("mobo", options,
                   {"sobol_candidates", "local_candidates", "refine_starts", "refine_evaluations",
                    "posterior_samples", "fit_restarts", "max_fit_points", "max_model_points",
                    "reference_rule", "beyond_weight", "noisy", "pending_outcomes"});
  const nlohmann::json& extra = options.extra;
  MoboSettings s;
  // `noisy` declares the study's objectives noisy or exact in its
  // definition (Study::declare_asked_with, the study file), which is where
  // the sampler reads it; here it is only checked.
  if (extra.contains("noisy") && !extra.at("noisy").is_boolean()) {
    throw InputError(fmt::format("mobo option 'noisy' must be true or false (leave it out to infer it from the "
                                 "data), got {}",
                                 extra.at("noisy").dump()));
  }
  if (extra.contains("pending_outcomes")) {
    const nlohmann::json& pending = extra.at("pending_outcomes");
    if (pending != "sampled" && pending != "believed") {
      throw InputError(fmt::format("mobo option 'pending_outcomes' must be \"believed\" (the default: "
                                   "Kriging believer) or \"sampled\" (drawn with the front), got {}",
                                   pending.dump()));
    }
    s.believe_pending = pending == "believed";
  }
  s.reference_rule = read_reference_mode(extra);
  if (extra.contains("beyond_weight")) {
    const nlohmann::json& weight = extra.at("beyond_weight");
    if (!weight.is_number() || !(weight.get<double>() > 0.0 && weight.get<double>() <= 1.0)) {
      throw InputError(fmt::format("mobo option 'beyond_weight' must be a number in (0, 1], got {}", weight.dump()));
    }
    s.beyond_weight = weight.get<double>();
  }
  // Ranges as docs/cli.md gives them: wide enough for any study, narrow
  // enough that the candidate and sample buffers fit in memory.
  const OptionReader option(extra, "mobo option");
  const auto count = [&](const char* key, int fallback, int low, int high) {
    return static_cast<int>(option.integer(key, fallback, low, high));
  };
  s.search.sobol_candidates = count("sobol_candidates", s.search.sobol_candidates, 1, 100'000);
  s.search.local_candidates = count("local_candidates", s.search.local_candidates, 0, 100'000);
  s.search.refine_starts = count("refine_starts", s.search.refine_starts, 0, 1'000);
  s.search.refine_evaluations = count("refine_evaluations", s.search.refine_evaluations, 1, 100'000);
  s.posterior_samples = count("posterior_samples", s.posterior_samples, 1, 1'024);
  s.fit.restarts = count("fit_restarts", s.fit.restarts, 1, 100);
  s.fit.max_fit_points = static_cast<std::size_t>(count("max_fit_points", 100, 8, 5'000));
  s.max_model_points = count("max_model_points", s.max_model_points, 8, 5'000);
  s.fit.seed = options.seed;
  return s;
}

// ParEGO: an augmented Chebyshev scalarisation with random weights (drawn
// per trial) of the objectives normalised to the observed range.
Eigen::VectorXd parego_scalarisation(const Eigen::MatrixXd& objectives, std::uint64_t seed) {
  RandomStream random(seed);
  const Eigen::Index m = objectives.cols();
  Eigen::VectorXd weights(m);
  for (Eigen::Index j = 0; j < m; ++j) weights[j] = -std::log(1.0 - random.uniform());
  weights /= weights.sum();
  const Eigen::RowVectorXd low = objectives.colwise().minCoeff();
  const Eigen::RowVectorXd range = (objectives.colwise().maxCoeff() - low).cwiseMax(1e-12);
  Eigen::VectorXd scalar(objectives.rows());
  for (Eigen::Index i = 0; i < objectives.rows(); ++i) {
    const Eigen::VectorXd weighted =
        ((objectives.row(i) - low).cwiseQuotient(range)).transpose().cwiseProduct(weights);
    scalar[i] = weighted.maxCoeff() + 0.05 * weighted.sum();
  }
  return scalar;
}

class MoboSampler final : public Sampler {
 public:
  explicit MoboSampler(const SamplerOptions& options) : options_(options), settings_(read_settings(options)) {}
  std::string name() const override { return "mobo"; }
  HistoryNeed history_need() const override { return HistoryNeed::Trials; }

  std::vector<double> suggest(const SamplingContext& context) override {
    const std::size_t d = context.space.dimensions();
    if (d == 0) return {};
    const Observations observations = collect_observations(context);
    if (context.trial_number < initial_trials(context) || observations.size() < 2) return start_point(context);
    return model_based(context, observations);
  }

 private:
  std::vector<double> model_based(const SamplingContext& context, const Observations& obs) const {
    const std::vector<InputKind> kinds = input_kinds(context.space);
    const auto trial = static_cast<std::uint64_t>(context.trial_number);
    const bool scalarise = obs.objectives.cols() > 3;
    const Eigen::MatrixXd targets =
        scalarise ? Eigen::MatrixXd(parego_scalarisation(obs.objectives, mix_seed(options_.seed, trial, 7)))
                  : obs.objectives;

    const std::vector<Eigen::Index> rows = modelling_subset(obs);
    // Pruned trials' last values, within the models' size (a ParEGO
    // scalarisation is of complete trials only).
    const std::vector<Eigen::Index> stopped_rows =
        scalarise ? std::vector<Eigen::Index>{} : spread_subset(obs.stopped_x.rows(), room_beside(rows.size()));
    const auto stopped = static_cast<Eigen::Index>(stopped_rows.size());
    // A scalarisation mixes the objectives: its noise is fitted, and a
    // related study's values (in other units) stay out of it.
    const Observations related =
        scalarise ? Observations{} : related_observations(context, obs, kinds, rows.size() + stopped_rows.size());
    std::vector<GaussianProcess> models;
    for (Eigen::Index j = 0; j < targets.cols(); ++j) {
      const auto own = static_cast<Eigen::Index>(rows.size());
      Eigen::MatrixXd x(own + stopped + related.size(), obs.x.cols());
      Eigen::VectorXd y(x.rows());
      Eigen::VectorXd known = Eigen::VectorXd::Zero(x.rows());
      x.topRows(own) = obs.x(rows, Eigen::all);
      y.head(own) = targets(rows, j);
      if (!scalarise) known.head(own) = obs.noise(rows, j);
      if (stopped > 0) {
        x.middleRows(own, stopped) = obs.stopped_x(stopped_rows, Eigen::all);
        y.segment(own, stopped) = obs.stopped_objectives(stopped_rows, j);
      }
      if (related.size() > 0) {
        x.bottomRows(related.size()) = related.x;
        y.tail(related.size()) = related.objectives.col(j);
      }
      models.push_back(GaussianProcess::fit(std::move(x), std::move(y), kinds, settings_.fit, std::move(known)));
    }
    std::vector<ConstraintModel> constraints = fit_constraints(context.spec, obs, rows, kinds);
    for (ConstraintModel& c : constraints) believe(obs.pending, c.model);
    if (settings_.believe_pending) {
      for (GaussianProcess& model : models) believe(obs.pending, model);
    }

    // Points that may sit on the front: feasible observations, and pending
    // points the constraint models expect to be feasible.
    std::vector<Eigen::Index> feasible;
    for (Eigen::Index i = 0; i < obs.size(); ++i) {
      if (obs.feasible(i)) feasible.push_back(i);
    }
    Eigen::MatrixXd front_x(static_cast<Eigen::Index>(feasible.size()) + obs.pending.rows(), obs.x.cols());
    Eigen::Index count = 0;
    for (Eigen::Index i : feasible) front_x.row(count++) = obs.x.row(i);
    const Eigen::Index first_pending = count;
    for (Eigen::Index p = 0; p < obs.pending.rows(); ++p) {
      if (predicted_feasible(constraints, obs.pending.row(p))) front_x.row(count++) = obs.pending.row(p);
    }
    front_x.conservativeResize(count, Eigen::NoChange);

    std::vector<ImprovementTerm> terms;
    std::vector<std::vector<double>> anchors;
    if (count > 0) {
      Eigen::MatrixXd front_means(count, static_cast<Eigen::Index>(models.size()));
      for (std::size_t j = 0; j < models.size(); ++j) {
        front_means.col(static_cast<Eigen::Index>(j)) = models[j].predict(front_x).mean;
      }
      const FrontDraws draws{front_x, front_means, first_pending,
                             noisy(context.spec, models, noise_judged_against_front(context, obs) ? &front_means : nullptr) ||
                                     (first_pending < count && !settings_.believe_pending)
                                 ? settings_.posterior_samples
                                 : 0,
                             mix_seed(options_.seed, trial, 0x6e656876ULL)};
      if (scalarise) {
        terms.push_back({sample_fronts(models, draws, Point{front_means.minCoeff()}), 1.0});
      } else {
        const std::vector<Point> values = feasible_values(obs, targets, front_means);
        const ReferenceMode rule = settings_.reference_rule;
        const Point near = near_reference(context, values);
        const Point far = reference_point(context.spec, values, ReferenceRule::ObservedWorst).minimization;
        const bool beyond = rule == ReferenceMode::FrontAndBeyond && far != near;
        const double weight = settings_.beyond_weight.value_or(std::pow(0.1, static_cast<double>(targets.cols() - 1)));
        if (beyond && draws.samples == 0 && targets.cols() == 3) {
          // Both boxes from one split decomposition of the posterior-mean
          // front, the same sum up to rounding: with 3 objectives two
          // decompositions were most of a suggestion's cost. (2 objectives
          // keep two terms, the path their figures were measured on.)
          terms.push_back({FrontSamples(draws.means, far, near, weight), 1.0});
        } else {
          if (rule != ReferenceMode::ObservedWorst) terms.push_back({sample_fronts(models, draws, near), 1.0});
          if (rule == ReferenceMode::ObservedWorst) terms.push_back({sample_fronts(models, draws, far), 1.0});
          // The region beyond only steers exploration: one front sample (or
          // the posterior-mean front) is enough there.
          if (beyond) {
            FrontDraws one = draws;
            one.samples = std::min(one.samples, 1);
            terms.push_back({sample_fronts(models, one, far), weight});
          }
        }
      }
      anchors = pareto_anchors(front_x, front_means);
    }
    const Acquisition acquisition(std::move(models), std::move(terms), std::move(constraints));
    return maximise_acquisition(acquisition, context.space, anchors, search_for(rows.size()),
                                mix_seed(options_.seed, trial, 11));
  }

  std::int64_t initial_trials(std::size_t dimensions) const {
    return options_.initial_trials < 0 ? default_initial_trials(dimensions) : options_.initial_trials;
  }

  // A cold start's Sobol design: 2 (d + 1) trials.
  static std::int64_t default_initial_trials(std::size_t dimensions) {
    return 2 * (static_cast<std::int64_t>(dimensions) + 1);
  }

  // With a warm start of at least a full Sobol start's trials, half the
  // start: the models already know the space, and the study's own first
  // trials only have to place it on this study's scale.
  std::int64_t initial_trials(const SamplingContext& context) const {
    const std::int64_t full = initial_trials(context.space.dimensions());
    const bool warm = context.warm_start && options_.initial_trials < 0 &&
                      static_cast<std::int64_t>(context.warm_start->trials.size()) >= full;
    return warm ? full / 2 : full;
  }

  // The start design's point for this trial. A warm start begins with what
  // the related study learned (as meta-learned initial designs do, Feurer
  // et al. 2015): a spread of its Pareto set fills the first half of the
  // start, and the Sobol design's first points the rest, which cover the
  // space for a study that turns out unrelated and spread the points the
  // related values are mapped by.
  std::vector<double> start_point(const SamplingContext& context) const {
    const auto trial = static_cast<std::size_t>(std::max<std::int64_t>(context.trial_number, 0));
    const std::vector<std::vector<double>> related =
        context.warm_start ? related_pareto_spread(context, static_cast<std::size_t>(initial_trials(context) / 2))
                           : std::vector<std::vector<double>>{};
    if (trial < related.size()) return related[trial];
    return sobol_point(context.space.dimensions(), options_.seed, trial - related.size());
  }

  // Up to `count` points of the related study's Pareto set (feasible
  // trials, its own values), spread in the unit cube: its extreme in the
  // first objective, then each time the point farthest from those taken.
  static std::vector<std::vector<double>> related_pareto_spread(const SamplingContext& context, std::size_t count) {
    const RelatedHistory& warm = *context.warm_start;
    const Observations related = collect_observations({warm.spec, context.space, warm.trials, -1});
    std::vector<Eigen::Index> rows;
    std::vector<Point> values;
    for (Eigen::Index i = 0; i < related.size(); ++i) {
      if (!related.feasible(i)) continue;
      rows.push_back(i);
      values.push_back(row_vector(related.objectives, i));
    }
    std::vector<Eigen::Index> pareto_set;
    for (std::size_t i : pareto_front(values)) pareto_set.push_back(rows[i]);
    if (pareto_set.empty() || count == 0) return {};
    const auto lower_values = [&](Eigen::Index a, Eigen::Index b) {
      return row_vector(related.objectives, a) < row_vector(related.objectives, b);
    };
    std::vector<Eigen::Index> taken{*std::min_element(pareto_set.begin(), pareto_set.end(), lower_values)};
    Eigen::VectorXd nearest = Eigen::VectorXd::Constant(related.size(), std::numeric_limits<double>::infinity());
    while (taken.size() < std::min(count, pareto_set.size())) {
      Eigen::Index farthest = -1;
      for (Eigen::Index i : pareto_set) {
        nearest[i] = std::min(nearest[i], (related.x.row(i) - related.x.row(taken.back())).norm());
        if (farthest < 0 || nearest[i] > nearest[farthest]) farthest = i;
      }
      if (!(nearest[farthest] > 0.0)) break;  // the rest repeat points taken
      taken.push_back(farthest);
    }
    std::vector<std::vector<double>> points;
    for (Eigen::Index i : taken) points.push_back(row_vector(related.x, i));
    return points;
  }

  // How many more points the models may hold beside `points`.
  std::size_t room_beside(std::size_t points) const {
    return static_cast<std::size_t>(
        std::max<std::int64_t>(0, settings_.max_model_points - static_cast<std::int64_t>(points)));
  }

  // The related study's observations (warm start) in this study's units:
  // per objective, a GP of the related study's values predicts them at
  // this study's points, and the least-squares line from those predictions
  // to this study's values (shift and positive scale) maps every related
  // value. Empty while this study has fewer than 3 observations or any
  // objective's line does not rise (the studies disagree), and once it has
  // as many as a cold start's Sobol design, 2 (d + 1): from there its own
  // observations decide, as a cold study's do, so a related study whose
  // optimum lies elsewhere cannot hold the search there (inputs moved:
  // ZDT1 at 50 evaluations 0.479 with the related values kept, 0.981 with
  // them left out, cold 0.984; docs/benchmarks/optimizers.md). At most as
  // many as keep the models within max_model_points, evenly spread.
  Observations related_observations(const SamplingContext& context, const Observations& obs,
                                    const std::vector<InputKind>& kinds, std::size_t own_points) const {
    const auto cold_start = static_cast<Eigen::Index>(default_initial_trials(context.space.dimensions()));
    if (!context.warm_start || obs.size() < 3 || obs.size() >= cold_start) return {};
    const RelatedHistory& warm = *context.warm_start;
    Observations related = collect_observations({warm.spec, context.space, warm.trials, -1});
    if (related.size() < 2 || related.objectives.cols() != obs.objectives.cols()) return {};
    const std::vector<Eigen::Index> kept = spread_subset(related.size(), room_beside(own_points));
    related.x = related.x(kept, Eigen::all).eval();
    related.objectives = related.objectives(kept, Eigen::all).eval();
    for (Eigen::Index j = 0; j < related.objectives.cols(); ++j) {
      const Eigen::VectorXd predicted =
          GaussianProcess::fit(related.x, related.objectives.col(j), kinds, settings_.fit).predict(obs.x).mean;
      const Eigen::ArrayXd p = predicted.array() - predicted.mean();
      const Eigen::ArrayXd y = obs.objectives.col(j).array() - obs.objectives.col(j).mean();
      const double slope = (p * y).sum() / std::max((p * p).sum(), 1e-300);
      if (!(slope > 0.0) || !std::isfinite(slope)) return {};
      related.objectives.col(j) =
          ((related.objectives.col(j).array() - predicted.mean()) * slope + obs.objectives.col(j).mean()).matrix();
    }
    return related;
  }

  // The box of the main improvement term: the thresholds where given,
  // else Ax's front nadir, or with 3+ objectives under the default rule
  // the front's dense part as it settled after the Sobol start.
  Point near_reference(const SamplingContext& context, const std::vector<Point>& values) const {
    ReferencePoint near = reference_point(context.spec, values, ReferenceRule::FrontNadir);
    if (settings_.reference_rule != ReferenceMode::FrontAndBeyond || near.minimization.size() < 3) {
      return near.minimization;
    }
    const Point settled = settled_dense_reference(values, static_cast<std::size_t>(initial_trials(context)));
    for (std::size_t j = 0; j < settled.size(); ++j) {
      if (!near.from_threshold[j]) near.minimization[j] = settled[j];
    }
    return near.minimization;
  }

  // The observed values the reference point is inferred from, in trial
  // order (believed pending values only when nothing feasible has been
  // observed).
  static std::vector<Point> feasible_values(const Observations& obs, const Eigen::MatrixXd& targets,
                                            const Eigen::MatrixXd& front_means) {
    std::vector<Eigen::Index> rows;
    for (Eigen::Index i = 0; i < obs.size(); ++i) {
      if (obs.feasible(i)) rows.push_back(i);
    }
    // In trial order: the settled box depends on it (reference_box.hpp).
    std::stable_sort(rows.begin(), rows.end(), [&](Eigen::Index a, Eigen::Index b) {
      return obs.numbers[static_cast<std::size_t>(a)] < obs.numbers[static_cast<std::size_t>(b)];
    });
    std::vector<Point> values;
    for (Eigen::Index i : rows) values.push_back(row_vector(targets, i));
    if (values.empty()) {
      for (Eigen::Index r = 0; r < front_means.rows(); ++r) values.push_back(row_vector(front_means, r));
    }
    return values;
  }

  // Rows the GPs are conditioned on. Beyond max_model_points the cubic
  // cost would dominate, so half the budget goes to the best
  // constrained-domination layers (where the acquisition looks) and half
  // to an even spread of the rest (so the models still know where not to
  // look).
  std::vector<Eigen::Index> modelling_subset(const Observations& obs) const {
    const auto n = static_cast<std::size_t>(obs.size());
    const auto limit = static_cast<std::size_t>(settings_.max_model_points);
    std::vector<Eigen::Index> rows;
    if (n <= limit) {
      for (Eigen::Index i = 0; i < obs.size(); ++i) rows.push_back(i);
      return rows;
    }
    std::vector<Point> values;
    for (Eigen::Index i = 0; i < obs.size(); ++i) values.push_back(row_vector(obs.objectives, i));
    std::vector<bool> chosen(n, false);
    for (const auto& layer : constrained_fronts(values, obs.violations)) {
      if (rows.size() >= limit / 2) break;
      for (std::size_t i : layer) {
        if (rows.size() < limit / 2) {
          rows.push_back(static_cast<Eigen::Index>(i));
          chosen[i] = true;
        }
      }
    }
    std::vector<Eigen::Index> rest;
    for (std::size_t i = 0; i < n; ++i) {
      if (!chosen[i]) rest.push_back(static_cast<Eigen::Index>(i));
    }
    const std::size_t wanted = limit - rows.size();
    for (std::size_t k = 0; k < wanted; ++k) rows.push_back(rest[k * rest.size() / wanted]);
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  // Fewer acquisition candidates for larger models: each costs O(n^2).
  AcquisitionSearch search_for(std::size_t model_points) const {
    AcquisitionSearch search = settings_.search;
    if (model_points > kFullSearchPoints) {
      const double share = static_cast<double>(kFullSearchPoints) / static_cast<double>(model_points);
      search.sobol_candidates = std::max(64, static_cast<int>(share * search.sobol_candidates));
      search.local_candidates = static_cast<int>(share * search.local_candidates);
    }
    return search;
  }

  std::vector<ConstraintModel> fit_constraints(const StudySpec& spec, const Observations& obs,
                                               const std::vector<Eigen::Index>& subset,
                                               const std::vector<InputKind>& kinds) const {
    std::vector<ConstraintModel> constraints;
    for (std::size_t c = 0; c < spec.constraints.size(); ++c) {
      const auto column = static_cast<Eigen::Index>(c);
      std::vector<Eigen::Index> rows;
      for (Eigen::Index i : subset) {
        if (std::isfinite(obs.constraint_metrics(i, column))) rows.push_back(i);
      }
      if (rows.size() < 2) continue;  // nothing to learn from yet
      const Eigen::VectorXd metric = obs.constraint_metrics(rows, column);
      constraints.push_back({GaussianProcess::fit(obs.x(rows, Eigen::all), metric, kinds, settings_.fit),
                             spec.constraints[c].bound,
                             spec.constraints[c].comparison == Comparison::LessEqual});
    }
    return constraints;
  }

  // Kriging believer: each pending point is added with its posterior mean
  // as if observed, which collapses the variance (and so the improvement)
  // there. Always for the constraint models; for the objectives' unless
  // pending_outcomes = "sampled" (then they are sampled with the front).
  static void believe(const Eigen::MatrixXd& pending, GaussianProcess& model) {
    if (pending.rows() > 0) model = model.with_observations(pending, model.predict(pending).mean);
  }

  static bool predicted_feasible(const std::vector<ConstraintModel>& constraints, const Eigen::RowVectorXd& x) {
    for (const ConstraintModel& c : constraints) {
      const double mean = c.model.predict(x).mean[0];
      if (c.less_equal ? mean > c.bound : mean < c.bound) return false;
    }
    return true;
  }

  // The points that may sit on the front (pending ones from first_pending
  // on) and how to sample them.
  struct FrontDraws {
    const Eigen::MatrixXd& x;
    const Eigen::MatrixXd& means;
    Eigen::Index first_pending;
    int samples;  // 0: the posterior-mean front
    std::uint64_t seed;
  };

  // The front as the models see it (front_samples.hpp): their posterior
  // means when the observations are exact and nothing is pending, else
  // joint posterior samples of the points near the front and of every
  // pending point (fantasies of their outcomes, as qNEHVI draws them), on
  // which candidates are conditioned.
  FrontSamples sample_fronts(const std::vector<GaussianProcess>& models, const FrontDraws& draws,
                             const Point& reference) const {
    if (draws.samples == 0) return FrontSamples(draws.means, reference);
    std::vector<Point> mean_points;
    for (Eigen::Index r = 0; r < draws.means.rows(); ++r) mean_points.push_back(row_vector(draws.means, r));
    std::vector<Eigen::Index> baseline;
    for (std::size_t b : baseline_points(mean_points)) baseline.push_back(static_cast<Eigen::Index>(b));
    for (Eigen::Index p = draws.first_pending; p < draws.x.rows(); ++p) {
      if (std::find(baseline.begin(), baseline.end(), p) == baseline.end()) baseline.push_back(p);
    }
    return FrontSamples(models, draws.x(baseline, Eigen::all), draws.means(baseline, Eigen::all), reference,
                        draws.samples, draws.seed);
  }

  // Front samples where any observation's noise (fitted or known) exceeds
  // tiny_noise, unless the study's definition says every objective is
  // exact. An objective declared noisy decides the same way: sampling
  // fronts from the start, before the models know the noise, was worse at
  // 25 evaluations (0.18 against 0.52 on issue 28's hidden problem; DTLZ2
  // with 5% noise, 3 seeds, 0.761 at 100 against the default's 0.797 over
  // 5), so the declaration changes
  // which front is reported (posterior means), not the search.
  // With front_means, each objective's noise is also judged against its
  // range over the posterior-mean front (front_noise), the scale the
  // hypervolume is decided on.
  bool noisy(const StudySpec& spec, const std::vector<GaussianProcess>& models,
             const Eigen::MatrixXd* front_means) const {
    if (spec.noisy() == false) return false;
    const Eigen::VectorXd front_range = front_means ? pareto_range(*front_means) : Eigen::VectorXd();
    for (std::size_t j = 0; j < models.size(); ++j) {
      const double noise = models[j].largest_standardised_noise();
      if (noise > settings_.tiny_noise) return true;
      const double range = front_means ? front_range[static_cast<Eigen::Index>(j)] : 0.0;
      if (range > 0.0 && std::sqrt(noise) * models[j].outcome_scale() > settings_.front_noise * range) return true;
    }
    return false;
  }

  // Branin-Currin's Branin reaches 300 off its front and spans 17 on it, so
  // noise of 2-5 % of that span is under 0.001 of the outcome's variance,
  // yet with the posterior-mean front the search stalled (5 %: 0.906 at 100
  // against 0.949 with front samples). Judged against the front only with
  // 2 objectives and from twice the Sobol start's observations on: before,
  // the fitted noise is the prior's (a twentieth of the outcome's spread),
  // large against an early front even on exact problems; with 3 objectives
  // the models' misfit read as such noise and cost noise-free DTLZ2 0.06 at
  // 100 (docs/benchmarks/optimizers.md).
  bool noise_judged_against_front(const SamplingContext& context, const Observations& obs) const {
    return obs.objectives.cols() == 2 && obs.size() >= 2 * initial_trials(context);
  }

  // Each column's range over the Pareto front of the rows.
  static Eigen::VectorXd pareto_range(const Eigen::MatrixXd& values) {
    std::vector<Point> points;
    for (Eigen::Index r = 0; r < values.rows(); ++r) points.push_back(row_vector(values, r));
    const std::vector<std::size_t> front = pareto_front(points);
    const Eigen::MatrixXd on_front = values(std::vector<Eigen::Index>(front.begin(), front.end()), Eigen::all);
    return on_front.colwise().maxCoeff() - on_front.colwise().minCoeff();
  }

  // The points of the first few non-dominated layers (by posterior mean),
  // at most max_baseline: only they can shape a sampled front.
  std::vector<std::size_t> baseline_points(const std::vector<Point>& mean_points) const {
    std::vector<std::size_t> chosen;
    const auto limit = static_cast<std::size_t>(settings_.max_baseline);
    for (const auto& layer : non_dominated_sort(mean_points)) {
      for (std::size_t i : layer) {
        if (chosen.size() < limit) chosen.push_back(i);
      }
      if (chosen.size() >= limit) break;
    }
    return chosen;
  }

  // Unit-cube points of the current (posterior-mean) Pareto set.
  static std::vector<std::vector<double>> pareto_anchors(const Eigen::MatrixXd& front_x,
                                                         const Eigen::MatrixXd& front_means) {
    std::vector<Point> means;
    for (Eigen::Index r = 0; r < front_means.rows(); ++r) means.push_back(row_vector(front_means, r));
    std::vector<std::vector<double>> anchors;
    for (std::size_t i : pareto_front(means)) anchors.push_back(row_vector(front_x, static_cast<Eigen::Index>(i)));
    return anchors;
  }

  SamplerOptions options_;
  MoboSettings settings_;
};

}  // namespace

std::unique_ptr<Sampler> make_mobo_sampler(const SamplerOptions& options) {
  return std::make_unique<MoboSampler>(options);
}

}  // namespace ecopt::optim_detail
