#include "ecopt/report/report.hpp"

#include <cmath>
#include <future>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/replace_file.hpp"
#include "ecopt/report/export.hpp"
#include "ecopt/report/model_card.hpp"
#include "ecopt/study/noisy_front.hpp"
#include "report_context.hpp"

namespace ecopt::report {
namespace {

// A trial the user named must exist and carry inference energy; a default
// that lacks it only leaves a note.
bool usable_for_impact(const std::vector<Trial>& trials, std::int64_t number, bool named,
                       const char* flag, std::vector<std::string>& notes) {
  if (inference_energy(trial_by_number(trials, number))) return true;
  const std::string message = fmt::format(
      "trial {} records no inference energy (an \"inference\" or \"generation\" energy record)",
      number);
  if (named) throw InputError(fmt::format("{}; pass another trial to {}", message, flag));
  notes.push_back(message + ", so the net impact of tuning is not computed");
  return false;
}

void resolve_chosen(ReportContext& context) {
  const auto& options = context.options;
  if (options.chosen_trial) {
    trial_by_number(context.trials, *options.chosen_trial);
    context.chosen = TrialChoice{*options.chosen_trial, "named with --trial"};
    return;
  }
  context.chosen = default_chosen_trial(context.study.spec, context.trials);
  if (!context.chosen) context.notes.push_back("no complete trial yet, so no model card");
}

void resolve_baseline(ReportContext& context) {
  const auto& options = context.options;
  const StudySpec& spec = context.study.spec;
  if (options.baseline_trial) {
    trial_by_number(context.trials, *options.baseline_trial);
    context.baseline = TrialChoice{*options.baseline_trial, "named with --baseline"};
    return;
  }
  if (spec.baseline) {
    const std::string stated = describe(*spec.baseline);
    if (const auto number = stated_baseline_trial(*spec.baseline, context.trials)) {
      context.baseline = TrialChoice{*number, fmt::format("the study's stated baseline, {}", stated)};
    } else {
      context.notes.push_back(fmt::format(
          "the study's stated baseline, {}, has no complete trial yet, so the net impact of tuning is not "
          "computed",
          stated));
    }
    return;
  }
  if (auto number = best_quality_trial(spec, context.trials)) {
    const auto& objective = spec.objectives[*spec.quality_objective()];
    context.baseline = TrialChoice{
        *number, fmt::format("no baseline stated ([study] baseline), so the best {} ({}) stands in: the model one "
                             "would pick without energy in view",
                             objective.name, to_string(objective.direction))};
  }
}

// Shown when the user asks, or the study file says the objectives are
// noisy; a study nobody has asked a trial of yet has nothing to model (an
// InputError when the user asked).
void resolve_posterior_front(ReportContext& context) {
  const bool asked = context.options.noisy;
  if (!asked && context.study.spec.noisy() != true) return;
  if (!asked && !declared_search_space(context.study.spec)) return;
  const auto numbers = posterior_mean_front_numbers(context.study, context.trials);
  context.posterior_front = PosteriorFront{
      {numbers.begin(), numbers.end()},
      asked ? "asked for with --noisy" : "the study's definition says its objectives are noisy"};
}

// A write that fails (a full disk) leaves the previous file whole.
void write_file(const std::filesystem::path& path, const std::string& content) {
  replace_file(path, content, 0644);
}

}  // namespace

ReportContext make_context(const StudyRecord& study, const std::vector<Trial>& trials,
                           const std::string& storage_description, const ReportOptions& options) {
  ReportContext context{study, trials, storage_description, options,
                        resolve_carbon(options.carbon, study.user_attrs), {}, {}, {}, {}, {}};
  resolve_posterior_front(context);
  resolve_chosen(context);
  resolve_baseline(context);
  if (!context.chosen || !context.baseline) return context;
  const bool chosen_ok = usable_for_impact(trials, context.chosen->number,
                                           options.chosen_trial.has_value(), "--trial",
                                           context.notes);
  const bool baseline_ok = usable_for_impact(trials, context.baseline->number,
                                             options.baseline_trial.has_value(), "--baseline",
                                             context.notes);
  if (chosen_ok && baseline_ok) {
    context.impact =
        net_impact(trials, context.chosen->number, context.baseline->number, context.carbon);
  }
  return context;
}

std::string format_grams(double grams) {
  if (!std::isfinite(grams)) return "n/a";
  const double magnitude = std::abs(grams);
  if (magnitude >= 1e6) return fmt::format("{:.4g} t", grams / 1e6);
  if (magnitude >= 1e3) return fmt::format("{:.4g} kg", grams / 1e3);
  if (magnitude >= 1.0 || grams == 0.0) return fmt::format("{:.4g} g", grams);
  if (magnitude >= 1e-3) return fmt::format("{:.4g} mg", grams * 1e3);
  return fmt::format("{:.4g} µg", grams * 1e6);
}

std::string format_count(double count) {
  if (!std::isfinite(count)) return "n/a";
  if (std::abs(count) >= 1e15) return fmt::format("{:.3g}", count);
  const std::string digits = fmt::format("{:.0f}", std::abs(count));
  std::string grouped = count < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return grouped;
}

std::string render_html_report(const StudyRecord& study, const std::vector<Trial>& trials,
                               const std::string& storage_description,
                               const ReportOptions& options) {
  return render_html(make_context(study, trials, storage_description, options));
}

ReportPage render_report_page(const StudyRecord& study, const std::vector<Trial>& trials,
                              const std::string& storage_description,
                              const ReportOptions& options) {
  return render_page(make_context(study, trials, storage_description, options));
}

ReportFiles write_report(Storage& storage, const ReportOptions& options) {
  const auto study = storage.find_study(options.study_name);
  if (!study) {
    throw NotFoundError(fmt::format(
        "no study named '{}' in {}; list them with `ecopt studies --storage URL`",
        options.study_name, storage.describe()));
  }
  const std::vector<Trial> trials = storage.trials(study->id);
  const ReportContext context = make_context(*study, trials, storage.describe(), options);

  // Render everything before touching the disk, so a failure writes nothing.
  // The exports read the same trials as the page and nothing else, so they
  // render on their own threads meanwhile (a second of each at 100,000 trials).
  auto csv_text = std::async(std::launch::async, [&] { return trials_to_csv(study->spec, trials); });
  auto json_text = std::async(std::launch::async, [&] { return trials_to_json(study->spec, trials); });
  const std::string html = render_html(context);
  std::optional<std::string> card;
  if (context.chosen) {
    card = render_model_card({study->spec, trials, context.chosen->number, context.chosen->reason,
                              context.carbon, context.impact});
  }
  const std::string csv = csv_text.get();
  const std::string json = json_text.get();

  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) {
    throw InputError(fmt::format("cannot create the folder {} ({}); pass another --out",
                                 options.out_dir.string(), error.message()));
  }
  ReportFiles files{options.out_dir / "report.html", options.out_dir / "model-card.md",
                    options.out_dir / "trials.csv", options.out_dir / "trials.json",
                    context.notes, context.carbon};
  write_file(files.html, html);
  if (card) {
    write_file(files.model_card, *card);
  } else {
    files.model_card.clear();
  }
  write_file(files.csv, csv);
  write_file(files.json, json);
  return files;
}

}  // namespace ecopt::report
