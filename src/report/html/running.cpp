// The running-trials section of the report page: each RUNNING trial's
// parameters, how long it has run, its learning curve so far
// (Trial::intermediate) and the last lines of its log, so that the live
// dashboard shows work in progress, not only finished trials.
#include <chrono>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/core/param.hpp"
#include "ecopt/study/trial_log.hpp"
#include "html/sections.hpp"

namespace ecopt::report::html {
namespace {

// Bounds that keep the section small however many trials run and however
// long their curves and logs grow.
constexpr std::size_t kMaxRunningShown = 8;
constexpr std::size_t kMaxCurveCharts = 3;    // metrics charted per trial
constexpr std::size_t kMaxCurveMarkers = 60;  // beyond, a line with its last point marked
constexpr std::size_t kLogLines = 20;
constexpr std::size_t kLogBytes = std::size_t{16} << 10;
constexpr int kCurveWidth = kFullWidth / 3 - 10;
constexpr int kCurveHeight = 240;

double seconds_since(TimePoint time) {
  return std::chrono::duration<double>(Clock::now() - time).count();
}

// The metrics a curve reports: the objectives first, in the study's order,
// then the others by name.
std::vector<std::string> curve_metrics(const StudySpec& spec, const Trial& trial) {
  std::set<std::string> reported;
  for (const auto& [step, point] : trial.intermediate) {
    for (const auto& [name, value] : point.items()) {
      if (value.is_number()) reported.insert(name);
    }
  }
  std::vector<std::string> ordered;
  for (const auto& objective : spec.objectives) {
    if (reported.erase(objective.name)) ordered.push_back(objective.name);
  }
  ordered.insert(ordered.end(), reported.begin(), reported.end());
  return ordered;
}

const Objective* objective_named(const StudySpec& spec, const std::string& name) {
  for (const auto& objective : spec.objectives) {
    if (objective.name == name) return &objective;
  }
  return nullptr;
}

// One metric by step, as the trial reported it.
std::string curve_chart(const StudySpec& spec, const Trial& trial, const std::string& metric) {
  svg::Chart chart;
  chart.width = kCurveWidth;
  chart.height = kCurveHeight;
  chart.aria_label = fmt::format("trial {}: {} by step", trial.number, metric);
  chart.x = unit_axis("step", "");
  chart.x.integer = true;
  std::vector<double> ys;
  for (const auto& [step, point] : trial.intermediate) {
    const auto value = point.find(metric);
    if (value == point.end() || !value->is_number()) continue;
    chart.line.emplace_back(static_cast<double>(step), value->get<double>());
    ys.push_back(value->get<double>());
  }
  const Objective* objective = objective_named(spec, metric);
  chart.y = objective ? objective_axis(*objective, ys) : unit_axis(metric, "");
  chart.y.log = false;
  const bool every_point = chart.line.size() <= kMaxCurveMarkers;
  for (std::size_t i = 0; i < chart.line.size(); ++i) {
    if (!every_point && i + 1 < chart.line.size()) continue;
    const auto [step, value] = chart.line[i];
    chart.markers.push_back({step, value, -1, "running",
                             fmt::format("step {}: {} = {}", step, metric, number(value))});
  }
  chart.line_class = "history-line";
  return svg::render_chart(chart);
}

std::string parameters_text(const Page& page, const Trial& trial) {
  std::string out;
  for (const auto& name : page.parameters) {
    const auto value = trial.params.find(name);
    if (value == trial.params.end()) continue;
    out += "<code>" + html_escape(name + " = " + format_param(value->second)) + "</code> ";
  }
  return out.empty() ? "<p class=\"note\">No parameters sampled yet.</p>" : "<p class=\"params\">" + out + "</p>";
}

std::string curve_text(const Page& page, const Trial& trial) {
  const auto metrics = curve_metrics(page.spec, trial);
  if (metrics.empty()) return "<p class=\"note\">No point of its learning curve reported yet.</p>";
  std::string out = "<div class=\"charts\">";
  for (std::size_t i = 0; i < metrics.size() && i < kMaxCurveCharts; ++i) {
    out += curve_chart(page.spec, trial, metrics[i]);
  }
  out += "</div>";
  if (metrics.size() > kMaxCurveCharts) {
    const std::vector<std::string> rest(metrics.begin() + kMaxCurveCharts, metrics.end());
    out += "<p class=\"note\">" + html_escape(fmt::format("Also reported: {}.", fmt::join(rest, ", "))) + "</p>";
  }
  return out;
}

// The end of its log, read as `ecopt logs` reads it (study/trial_log.hpp).
std::string log_text(const Page& page, const Trial& trial) {
  const auto& dir = page.context.options.trial_log_dir;
  if (!dir) return "";
  const auto lines = trial_log_tail(trial_log_path(*dir, trial.number), kLogLines, kLogBytes);
  if (lines.empty()) {
    return "<p class=\"note\">No log yet: ecopt keeps one for the command trials that "
           "<code>tune</code> and <code>worker</code> run.</p>";
  }
  return fmt::format(
      "<details class=\"log\" open><summary>The last {} lines of its log (<code>ecopt logs {} "
      "--storage URL --trial {} --follow</code> prints it as it grows)</summary><pre>{}</pre></details>",
      lines.size(), html_escape(page.spec.name), trial.number,
      html_escape(fmt::format("{}", fmt::join(lines, "\n"))));
}

std::string running_trial(const Page& page, const Trial& trial) {
  std::string out = fmt::format(
      "<article class=\"running-trial\" data-trial=\"{}\"><h3>Trial {} · running for {}</h3>"
      "<p class=\"meta\">started {}",
      trial.number, trial.number, format_duration(seconds_since(trial.started_at)),
      format_time(trial.started_at));
  if (trial.heartbeat_at) {
    out += fmt::format(" · last heartbeat {} ago", format_duration(seconds_since(*trial.heartbeat_at)));
  }
  out += "</p>" + parameters_text(page, trial) + curve_text(page, trial) + log_text(page, trial);
  return out + "</article>";
}

}  // namespace

std::string running_section(const Page& page) {
  std::vector<const Trial*> running;
  for (const auto& trial : page.context.trials) {
    if (trial.state == TrialState::Running) running.push_back(&trial);
  }
  // Kept as an empty element, so that a live page can fill it in later.
  if (running.empty()) return "<section id=\"running\" hidden></section>";
  std::string out = fmt::format(
      "<section id=\"running\"><h2>Running trials</h2><p>{} running at {}. Curves show what each "
      "trial reported so far, step by step (<code>trial.report</code>, <code>ecopt "
      "intermediate</code>), as it reported it: an energy so far carries its source once the "
      "trial ends and stores its energy records.</p>",
      running.size(), format_time(Clock::now()));
  for (std::size_t i = 0; i < running.size() && i < kMaxRunningShown; ++i) {
    out += running_trial(page, *running[i]);
  }
  if (running.size() > kMaxRunningShown) {
    out += fmt::format("<p class=\"note\">The first {} by number; <code>ecopt trials</code> lists "
                       "the other {}.</p>",
                       kMaxRunningShown, running.size() - kMaxRunningShown);
  }
  return out + "</section>";
}

}  // namespace ecopt::report::html
