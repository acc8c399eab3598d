#pragma once
// What every output of `ecopt report` shares: the study, its trials and
// the resolved choices (chosen model, baseline, net impact). Private to
// src/report.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ecopt/core/format.hpp"
#include "ecopt/report/analysis.hpp"
#include "ecopt/report/metrics.hpp"
#include "ecopt/report/report.hpp"

namespace ecopt::report {

// The front judged by the models' posterior means, shown beside the
// observed one when the objectives are noisy.
struct PosteriorFront {
  std::set<std::int64_t> members;
  std::string why;  // "the study's definition says its objectives are noisy", ...
};

struct ReportContext {
  const StudyRecord& study;
  const std::vector<Trial>& trials;
  std::string storage_description;
  ReportOptions options;
  CarbonSettings carbon;
  std::optional<TrialChoice> chosen;
  std::optional<TrialChoice> baseline;
  std::optional<NetImpact> impact;
  std::optional<PosteriorFront> posterior_front;
  std::vector<std::string> notes;  // what could not be computed, and why
};

// Resolves the carbon settings, chosen and baseline trials, the net impact
// and the front by posterior means. Throws
// NotFoundError / InputError for trials the user named that do not exist
// or record no inference energy; defaults that cannot be used become notes.
ReportContext make_context(const StudyRecord& study, const std::vector<Trial>& trials,
                           const std::string& storage_description, const ReportOptions& options);

ReportPage render_page(const ReportContext& context);
std::string render_html(const ReportContext& context);

// Shared number formatting (format_number and format_joules are core's):
// "1.235 g", "4.5 kg", ... and "n/a" for NaN.
std::string format_grams(double grams);
std::string format_count(double count);  // 12,345,678

}  // namespace ecopt::report
