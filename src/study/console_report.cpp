#include "console_report.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "ecopt/core/format.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/energy/front_flags.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/study/noisy_front.hpp"
#include "ecopt/study/text_table.hpp"

namespace ecopt {
namespace {

// Parameters whose values differ among the front's trials, in declared
// order: the ones that explain the trade-off. All parameters when the
// front has one trial.
std::vector<std::string> key_params(const std::vector<Trial>& front, const StudySpec& spec) {
  const std::vector<std::string> names = parameter_names(spec, front);
  if (front.size() < 2) return names;
  std::vector<std::string> varying;
  for (const auto& name : names) {
    std::set<std::string> seen;
    for (const auto& trial : front) {
      auto it = trial.params.find(name);
      seen.insert(it == trial.params.end() ? "-" : to_string(it->second));
    }
    if (seen.size() > 1) varying.push_back(name);
  }
  return varying;
}

// The trial record's source with its marks, and the measured work's flags.
std::string energy_cell(const Trial& trial) {
  const auto records = energy_records(trial.user_attrs);
  const auto whole = std::find_if(records.begin(), records.end(),
                                  [](const EnergyRecord& record) { return record.name == kTrialRecord; });
  std::string cell = whole == records.end() ? "-" : whole->labelled_source();
  for (const auto& label : flag_labels(records)) cell += " (" + label + ")";
  return cell;
}

// front_flag_note on a line of its own; nothing when no member is flagged.
std::string flag_line(const std::vector<Trial>& members) {
  const std::string note = front_flag_note(members);
  return note.empty() ? note : note + '\n';
}

std::string front_table(const StudyFront& study_front, const StudySpec& spec) {
  auto front = study_front.members();
  std::sort(front.begin(), front.end(), [](const Trial& a, const Trial& b) {
    return a.values.front() < b.values.front();
  });
  const auto params = key_params(front, spec);
  std::vector<std::string> header{"trial"};
  for (const auto& objective : spec.objectives) header.push_back(objective.name);
  header.insert(header.end(), params.begin(), params.end());
  header.emplace_back("energy source");
  std::vector<std::vector<std::string>> rows;
  for (const auto& trial : front) {
    std::vector<std::string> row{std::to_string(trial.number)};
    for (double value : trial.values) row.push_back(format_number(value));
    for (const auto& name : params) {
      auto it = trial.params.find(name);
      row.push_back(it == trial.params.end() ? "-" : format_param(it->second));
    }
    row.push_back(energy_cell(trial));
    rows.push_back(std::move(row));
  }
  return format_table(header, rows);
}

std::string live_hypervolume(const StudyFront& front, const std::optional<ReferencePoint>& reference) {
  if (!reference) {
    return fmt::format("HV - (reference set after {} feasible trials)", kFixedReferenceTrials);
  }
  return fmt::format("HV {:.4g} (reference {})", front.hypervolume(*reference),
                     reference->coordinates(front.spec()));
}

// A failure reason after the progress line: its first line there, the
// others (a program's last lines of stderr) indented below it, each made
// printable on its own rather than joined by literal "\n"s.
std::string reason_lines(const std::string& reason) {
  std::string text = " · " + printable(first_line(reason));
  for (std::size_t end = reason.find('\n'); end != std::string::npos;) {
    const std::size_t next = reason.find('\n', end + 1);
    text += "\n    " + printable(std::string_view(reason).substr(end + 1, next - end - 1));
    end = next;
  }
  return text;
}

std::string progress_line(std::int64_t finished, std::int64_t n_trials, const Trial& trial,
                          double elapsed_s, std::int64_t run_so_far, const StudyFront& front,
                          const std::optional<ReferencePoint>& reference, const TuningEnergy& tuning) {
  const double per_trial_s = run_so_far > 0 ? elapsed_s / static_cast<double>(run_so_far) : 0.0;
  const double left_s = per_trial_s * static_cast<double>(std::max<std::int64_t>(0, n_trials - finished));
  std::string line = fmt::format(
      "trial {}/{} · #{} {} · {} elapsed · ~{} left · front {} · {} · tuning energy {} ({})",
      finished, n_trials, trial.number, to_string(trial.state), format_duration(elapsed_s),
      format_duration(left_s), front.size(), live_hypervolume(front, reference),
      format_joules(tuning.gross_j), tuning.labelled_source());
  if (trial.state != TrialState::Complete && trial.fail_reason) line += reason_lines(*trial.fail_reason);
  return line;
}

// A study whose definition says its objectives are noisy also names the
// front judged by the models' posterior means, which a lucky or unlucky
// draw does not move (ecopt best-trials --noisy).
std::string noisy_front_line(const Study& study, const SearchSpace& space, const std::vector<Trial>& trials) {
  if (study.spec().noisy() != true) return "";
  const auto numbers = posterior_mean_front_numbers(study.spec(), space, trials);
  return fmt::format("noisy objectives: by the models' posterior means the front is trials {}\n",
                     numbers.empty() ? "(none yet)" : fmt::format("#{}", fmt::join(numbers, ", #")));
}

}  // namespace

std::string space_table(const SearchSpace& space, const StudyFile& file, const SearchSpace& task_default,
                        const std::string& task_kind) {
  std::vector<std::vector<std::string>> rows;
  std::size_t from_file = 0;
  for (const Parameter& parameter : space.parameters()) {
    const bool in_file = file.space.contains(parameter.name);
    from_file += in_file ? 1 : 0;
    const bool overrides = in_file && file.space_mode == SpaceMode::Override && task_default.find(parameter.name);
    rows.push_back({parameter.name, describe(parameter),
                    in_file ? (overrides ? "study file (in place of the task's default)" : "study file")
                            : fmt::format("the {} task's default space", task_kind)});
  }
  return fmt::format("space searched: {} parameters, {} from the study file's [space], {} from the {} task's "
                     "default space\n{}",
                     space.parameters().size(), from_file, space.parameters().size() - from_file, task_kind,
                     format_table({"parameter", "values", "from"}, rows));
}

void ConsoleReport::started(const Storage& storage, const Sampler& sampler, std::int64_t max_failed_trials) {
  out_ << fmt::format("study {} · {} · sampler {} · objectives {}\n", printable(study_.name()),
                      printable(storage.describe()), sampler.name(), printable(describe_objectives(study_.spec())))
       << fmt::format("n_trials {} (COMPLETE and PRUNED trials; up to {} failed trials in this run) · budget {}\n",
                      n_trials_, max_failed_trials, describe(study_.spec().budget))
       << std::flush;
}

void ConsoleReport::stopped(const StopReason& reason) {
  out_ << fmt::format("stopped by [budget] {}: {}\n", reason.rule, reason.message) << std::flush;
}

void ConsoleReport::trial_told(const Trial& told, const RunProgress& progress) {
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  out_ << progress_line(progress.answered, n_trials_, told, elapsed_s, progress.run_here, progress.front,
                        progress.reference, progress.tuning)
       << '\n'
       << std::flush;
}

void ConsoleReport::finished(const RunSummary& summary, const std::vector<Trial>& trials) {
  const TuningEnergy tuning = tuning_energy(trials);
  const auto carbon = tuning_carbon(trials, carbon_);
  out_ << fmt::format("\nPareto front of {} ({} of {} trials finished, {}):\n", printable(study_.name()),
                      summary.trials_finished, n_trials_, printable(summary.front.describe_hypervolume()))
       << front_table(summary.front, study_.spec()) << flag_line(summary.front.members())
       << noisy_front_line(study_, space_, trials)
       << fmt::format("tuning energy {} ({}){} ≈ {} gCO2e ({})\n", format_joules(summary.tuning_energy_j),
                      tuning.labelled_source(), tuning.tuner_text(), format_number(carbon.grams_co2e),
                      carbon.labelled_source(carbon_))
       << std::flush;
}

}  // namespace ecopt
