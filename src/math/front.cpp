#include "ecopt/math/front.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ecopt/math/hypervolume.hpp"

namespace ecopt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool all_finite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

double threshold_in_minimization(const Objective& objective) {
  return objective.direction == Direction::Maximize ? -*objective.threshold : *objective.threshold;
}

// worst + 10% of (worst - best); a zero range gets 1e-3 of the magnitude.
double outward(double worst, double best) {
  double range = worst - best;
  if (!(range > 0.0)) range = 1e-3 * std::max(1.0, std::abs(worst));
  return worst + 0.1 * range;
}

ReferencePoint reference_from_bounds(const StudySpec& spec, const Point& worst, const Point& best,
                                     ReferenceRule rule) {
  ReferencePoint reference;
  reference.rule = rule;
  for (std::size_t j = 0; j < spec.objectives.size(); ++j) {
    const Objective& objective = spec.objectives[j];
    const bool threshold = objective.threshold.has_value();
    reference.from_threshold.push_back(threshold);
    if (threshold) {
      reference.minimization.push_back(threshold_in_minimization(objective));
      continue;
    }
    reference.minimization.push_back(std::isfinite(worst[j]) ? outward(worst[j], best[j]) : kInf);
  }
  return reference;
}

void widen(Point& worst, Point& best, const Point& point) {
  for (std::size_t j = 0; j < point.size(); ++j) {
    worst[j] = std::max(worst[j], point[j]);
    best[j] = std::min(best[j], point[j]);
  }
}

}  // namespace

bool is_feasible(const Trial& trial, const StudySpec& spec) {
  return std::all_of(spec.constraints.begin(), spec.constraints.end(), [&](const auto& constraint) {
    const auto value = trial.metric(constraint.metric);
    return value && std::isfinite(*value) && constraint.violation(*value) <= 0.0;
  });
}

bool counts_for_front(const Trial& trial, const StudySpec& spec) {
  return trial.state == TrialState::Complete && trial.values.size() == spec.objectives.size() &&
         all_finite(trial.values) && is_feasible(trial, spec);
}

std::string_view to_string(ReferenceRule rule) {
  switch (rule) {
    case ReferenceRule::ObservedWorst: return "worst feasible + 10% of range";
    case ReferenceRule::FrontNadir: return "front nadir + 10% of range";
  }
  return "?";
}

std::vector<double> ReferencePoint::values(const StudySpec& spec) const {
  auto own = to_minimization(minimization, spec.directions());  // negation is its own inverse
  for (double& value : own) value += 0.0;  // a negated 0 prints as "-0" otherwise
  return own;
}

std::string ReferencePoint::describe(const StudySpec& spec) const {
  const auto own = values(spec);
  std::string text;
  for (std::size_t j = 0; j < own.size(); ++j) {
    if (!text.empty()) text += ", ";
    const bool held = j < held_at_zero.size() && held_at_zero[j];
    text += fmt::format("{} {:.4g} ({})", spec.objectives[j].name, own[j],
                        from_threshold[j] ? std::string_view("threshold")
                        : held            ? std::string_view("held at 0: never negative")
                                          : to_string(rule));
  }
  return text;
}

std::string ReferencePoint::coordinates(const StudySpec& spec) const {
  std::vector<std::string> parts;
  for (const double value : values(spec)) parts.push_back(fmt::format("{:.4g}", value));
  return fmt::format("({})", fmt::join(parts, ", "));
}

ReferencePoint reference_point(const StudySpec& spec, const std::vector<Point>& points,
                               ReferenceRule rule) {
  const std::size_t m = spec.objectives.size();
  std::vector<Point> basis;
  if (rule == ReferenceRule::FrontNadir) {
    for (std::size_t i : pareto_front(points)) basis.push_back(points[i]);
  } else {
    basis = points;
  }
  Point worst(m, -kInf);
  Point best(m, kInf);
  for (const Point& point : basis) widen(worst, best, point);
  if (rule == ReferenceRule::FrontNadir) {
    // One front point has no range of its own: take the feasible spread.
    Point all_worst(m, -kInf);
    Point all_best(m, kInf);
    for (const Point& point : points) widen(all_worst, all_best, point);
    for (std::size_t j = 0; j < m; ++j) {
      if (!(worst[j] > best[j])) best[j] = worst[j] - (all_worst[j] - best[j]);
    }
  }
  return reference_from_bounds(spec, worst, best, rule);
}

StudyFront::StudyFront(StudySpec spec)
    : spec_(std::move(spec)),
      worst_(spec_.objectives.size(), -kInf),
      best_(spec_.objectives.size(), kInf) {}

bool StudyFront::add(const Trial& trial) {
  if (!counts_for_front(trial, spec_)) return false;
  ++feasible_count_;
  Point point = to_minimization(trial.values, spec_.directions());
  widen(worst_, best_, point);
  const bool dominated = std::any_of(members_.begin(), members_.end(),
                                     [&](const Member& m) { return dominates(m.point, point); });
  if (dominated) return false;
  std::erase_if(members_, [&](const Member& m) { return dominates(point, m.point); });
  const auto position = std::upper_bound(
      members_.begin(), members_.end(), trial.number,
      [](std::int64_t number, const Member& m) { return number < m.trial.number; });
  members_.insert(position, Member{trial, std::move(point)});
  return true;
}

std::vector<Trial> StudyFront::members() const {
  std::vector<Trial> trials;
  trials.reserve(members_.size());
  for (const Member& member : members_) trials.push_back(member.trial);
  return trials;
}

std::vector<std::int64_t> StudyFront::member_numbers() const {
  std::vector<std::int64_t> numbers;
  numbers.reserve(members_.size());
  for (const Member& member : members_) numbers.push_back(member.trial.number);
  return numbers;
}

bool StudyFront::contains(std::int64_t trial_number) const {
  return std::any_of(members_.begin(), members_.end(),
                     [&](const Member& m) { return m.trial.number == trial_number; });
}

ReferencePoint StudyFront::reference() const {
  ReferencePoint reference = reference_from_bounds(spec_, worst_, best_, ReferenceRule::ObservedWorst);
  // In the objectives' own units a maximised quantity never seen negative
  // (accuracy, samples per joule) gets no negative reference: 0 is its
  // natural worst. (Samplers work in model units, where this does not hold.)
  reference.held_at_zero.assign(spec_.objectives.size(), false);
  for (std::size_t j = 0; j < spec_.objectives.size(); ++j) {
    if (!reference.from_threshold[j] && spec_.objectives[j].direction == Direction::Maximize &&
        worst_[j] <= 0.0 && reference.minimization[j] > 0.0) {
      reference.minimization[j] = 0.0;
      reference.held_at_zero[j] = true;
    }
  }
  return reference;
}

double StudyFront::hypervolume() const { return hypervolume(reference()); }

double StudyFront::hypervolume(const ReferencePoint& reference) const {
  if (members_.empty()) return 0.0;
  std::vector<Point> points;
  points.reserve(members_.size());
  for (const Member& member : members_) points.push_back(member.point);
  return ecopt::hypervolume(points, reference.minimization);
}

std::string StudyFront::describe_hypervolume() const {
  if (feasible_count_ == 0) return "hypervolume 0 (no feasible complete trial yet)";
  return fmt::format("hypervolume {:.4g} (reference {})", hypervolume(), reference().describe(spec_));
}

StudyFront front_of(const std::vector<Trial>& trials, const StudySpec& spec) {
  StudyFront front(spec);
  for (const Trial& trial : trials) front.add(trial);
  return front;
}

std::optional<ReferencePoint> fixed_reference(const std::vector<Trial>& trials, const StudySpec& spec) {
  StudyFront first(spec);
  const bool thresholds = std::all_of(spec.objectives.begin(), spec.objectives.end(),
                                      [](const Objective& objective) { return objective.threshold.has_value(); });
  if (thresholds) return first.reference();
  for (const Trial& trial : trials) {  // in number order
    first.add(trial);
    if (first.feasible_count() >= kFixedReferenceTrials) return first.reference();
  }
  return std::nullopt;
}

HypervolumeHistory hypervolume_history(const std::vector<Trial>& trials, const StudySpec& spec) {
  std::vector<const Trial*> counted;
  for (const Trial& trial : trials) {
    if (counts_for_front(trial, spec)) counted.push_back(&trial);
  }
  std::sort(counted.begin(), counted.end(),
            [](const Trial* a, const Trial* b) { return a->number < b->number; });
  HypervolumeHistory history;
  history.reference = front_of(trials, spec).reference();
  StudyFront front(spec);
  double current = 0.0;
  for (const Trial* trial : counted) {
    if (front.add(*trial)) current = front.hypervolume(history.reference);
    history.trial_numbers.push_back(trial->number);
    history.hypervolume.push_back(current);
  }
  return history;
}

}  // namespace ecopt
