#pragma once
// The one Pareto front of a study: which trials count (feasibility), which
// of them are Pareto-optimal, the hypervolume reference point and its rule.
// tune's progress and closing lines, best-trials, trials, the report (page,
// model card, CSV/JSON) and the samplers' reference all come from here, so
// every place prints the same figures for the same study.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/math/pareto.hpp"

namespace ecopt {

// Whether a trial satisfies every outcome constraint; a constraint whose
// metric the trial lacks counts as broken (nothing proves it holds).
bool is_feasible(const Trial& trial, const StudySpec& spec);

// COMPLETE, one finite value per objective, and feasible: the trials a
// front, a hypervolume or a reference point is made of.
bool counts_for_front(const Trial& trial, const StudySpec& spec);

// Where an objective's reference coordinate comes from when it has no
// threshold. A threshold, when given, always wins.
enum class ReferenceRule {
  // The worst value among all feasible trials, moved outwards by a tenth
  // of their range. Fixed by what was observed, never by the front alone,
  // so a point beyond the current front still adds hypervolume. Every
  // figure ECOpt prints uses it (StudyFront::reference, which also keeps a
  // maximised objective whose values are all >= 0 from a reference below 0).
  ObservedWorst,
  // Ax's inference: the nadir of the Pareto front moved outwards by a
  // tenth of the front's range (the whole feasible range for a front of one).
  FrontNadir,
};

std::string_view to_string(ReferenceRule rule);

struct ReferencePoint {
  Point minimization;                // smaller is better in every coordinate
  std::vector<bool> from_threshold;  // per objective
  // Per objective: the rule's value would have been below 0 for a
  // maximised objective never seen negative, so 0 was taken instead.
  std::vector<bool> held_at_zero;
  ReferenceRule rule = ReferenceRule::ObservedWorst;

  // In the objectives' own directions (a maximised one keeps its sign).
  std::vector<double> values(const StudySpec& spec) const;
  // "accuracy 0.51 (threshold), energy_j 12.3 (worst feasible + 10% of range)".
  std::string describe(const StudySpec& spec) const;
  // "(0.51, 12.3)": the values alone, for a progress line.
  std::string coordinates(const StudySpec& spec) const;
};

// `points` in minimisation form, all feasible. Where an objective has no
// threshold and every point has the same value, the margin is 1e-3 of
// that value's magnitude (at least 1e-3). Empty `points` and a missing
// threshold: that coordinate is +infinity.
ReferencePoint reference_point(const StudySpec& spec, const std::vector<Point>& points,
                               ReferenceRule rule);

// The feasible front of a study, built trial by trial: adding a trial costs
// O(front size), independent of how many trials came before, and the
// figures always equal those of front_of(all trials added so far).
class StudyFront {
 public:
  explicit StudyFront(StudySpec spec = {});

  // Adds a finished trial; those that do not count_for_front are ignored.
  // Returns whether it joined the front.
  bool add(const Trial& trial);

  const StudySpec& spec() const { return spec_; }
  // Pareto-optimal feasible trials in trial-number order (equal values all kept).
  std::vector<Trial> members() const;
  std::vector<std::int64_t> member_numbers() const;
  std::size_t size() const { return members_.size(); }
  bool contains(std::int64_t trial_number) const;
  std::size_t feasible_count() const { return feasible_count_; }

  // ObservedWorst over every feasible trial added; thresholds win.
  ReferencePoint reference() const;
  // Hypervolume of the front against reference(), in the objectives' own
  // units; 0 while nothing feasible was added.
  double hypervolume() const;
  // Against another reference point (a history drawn against the final one).
  double hypervolume(const ReferencePoint& reference) const;
  // "hypervolume 0.4537 (reference accuracy 0.51 (threshold), ...)".
  std::string describe_hypervolume() const;

 private:
  struct Member {
    Trial trial;
    Point point;  // minimisation form
  };
  StudySpec spec_;
  std::vector<Member> members_;
  Point worst_;  // over every feasible point, minimisation form
  Point best_;
  std::size_t feasible_count_ = 0;
};

StudyFront front_of(const std::vector<Trial>& trials, const StudySpec& spec);

// The reference point a growing study's hypervolume is measured against,
// held fixed so that the figure rises only when the front improves and is
// the same on every resume and in every worker: the thresholds when every
// objective has one, else reference() over the first
// kFixedReferenceTrials trials that count for the front, in number order;
// nullopt before there are that many. (Closing figures, best-trials and
// the report use the final front's reference instead.)
inline constexpr std::size_t kFixedReferenceTrials = 5;
std::optional<ReferencePoint> fixed_reference(const std::vector<Trial>& trials, const StudySpec& spec);

// Hypervolume after each trial that counts for the front, in trial order,
// all against the final front's reference (so the curve never falls).
struct HypervolumeHistory {
  ReferencePoint reference;
  std::vector<std::int64_t> trial_numbers;
  std::vector<double> hypervolume;
};
HypervolumeHistory hypervolume_history(const std::vector<Trial>& trials, const StudySpec& spec);

}  // namespace ecopt
