// The parameter sections of the report page: importance, one chart per
// parameter, parallel coordinates and the size proxies.
#include "html/sections.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "ecopt/core/escape.hpp"
#include "ecopt/math/stats.hpp"

namespace ecopt::report::html {
namespace {

using svg::Chart;

constexpr std::size_t kMaxParamPlots = 12;

// "+0.42", "-0.08", and "0.00" rather than "-0.00".
std::string signed_2(double value) {
  return std::abs(value) < 0.005 ? "0.00" : fmt::format("{:+.2f}", value);
}

svg::Bar importance_bar(const ParamImportance& item) {
  svg::Bar bar;
  bar.label = item.param;
  if (item.method == "eta") {
    bar.value = item.score;
    bar.value_text = std::isfinite(item.score) ? fmt::format("η {:.2f} (no sign)", item.score) : "n/a";
    bar.tooltip = fmt::format("{}: correlation ratio η = {}, n = {}", item.param, number(item.score),
                              item.trials_used);
    return bar;
  }
  bar.value = item.rho;
  bar.low = item.rho_95.low;
  bar.high = item.rho_95.high;
  const bool interval = std::isfinite(item.rho_95.low);
  bar.value_text = !std::isfinite(item.rho) ? "n/a"
                   : interval ? fmt::format("ρ {} [{}, {}]", signed_2(item.rho), signed_2(item.rho_95.low),
                                            signed_2(item.rho_95.high))
                              : fmt::format("ρ {} (no interval)", signed_2(item.rho));
  bar.tooltip = fmt::format("{}: Spearman ρ = {}{}, n = {}", item.param, number(item.rho),
                            interval ? fmt::format(", 95 % interval {} to {}", number(item.rho_95.low),
                                                   number(item.rho_95.high))
                                     : "",
                            item.trials_used);
  return bar;
}

svg::Bar variance_bar(const ParamImportance& item) {
  svg::Bar bar;
  bar.label = item.param;
  bar.value = item.variance_share;
  bar.value_text = std::isfinite(item.variance_share) ? fmt::format("ε² {:.2f}", item.variance_share) : "n/a";
  bar.tooltip = fmt::format("{}: explains {} of the objective's variance alone (epsilon squared over {}), n = {}",
                            item.param,
                            std::isfinite(item.variance_share)
                                ? fmt::format("{:.0f} %", 100.0 * item.variance_share)
                                : std::string("an unknown share"),
                            item.method == "eta" ? "its categories" : "bins of equal count",
                            item.trials_used);
  return bar;
}

// How sure the signs are at this many trials: the interval of rho = 0.
std::string importance_caution(std::size_t n) {
  if (n <= 3) return fmt::format(" With n = {} there is no interval: too few trials to judge.", n);
  const double half = spearman_interval_95(0.0, n).high;
  if (half <= 0.3) return "";
  return fmt::format(" With n = {} the intervals are wide: even ρ = 0 spans ±{:.2f}, so read the "
                     "signs and the order of the strongest parameters, not the digits.",
                     n, half);
}

// Position of a parameter value on the x axis: its number, or the index
// of its category.
struct ParamAxis {
  svg::Axis axis;
  std::map<std::string, double> category_index;

  void add_category(const std::string& label) {
    category_index[label] = static_cast<double>(axis.categories.size());
    axis.categories.push_back(label);
  }

  // NaN for a value the axis cannot place (a told value outside the
  // declared choices): such a trial is left off this axis only.
  double position(const ParamValue& value) const {
    if (axis.categories.empty()) {
      return std::holds_alternative<std::string>(value) ? std::nan("") : as_double(value);
    }
    const auto at = category_index.find(to_string(value));
    return at == category_index.end() ? std::nan("") : at->second;
  }
};

// Categories in the declared order of the choices.
ParamAxis categorical_axis(std::string name, const std::vector<ParamValue>& choices) {
  ParamAxis result;
  result.axis.label = std::move(name);
  for (const auto& choice : choices) result.add_category(to_string(choice));
  return result;
}

// From the parameter's declared distribution: a log axis for a log
// distribution, whole numbers for integers, the declared choices in order.
std::optional<ParamAxis> declared_axis(const Page& page, const std::string& name) {
  const Parameter* parameter = page.space ? page.space->find(name) : nullptr;
  if (!parameter) return std::nullopt;
  if (const auto* choices = std::get_if<CategoricalDistribution>(&parameter->distribution)) {
    return categorical_axis(name, choices->choices);
  }
  if (const auto* choices = std::get_if<OrdinalDistribution>(&parameter->distribution)) {
    return categorical_axis(name, choices->choices);
  }
  if (const auto* fixed = std::get_if<FixedDistribution>(&parameter->distribution)) {
    return categorical_axis(name, {fixed->value});
  }
  ParamAxis result;
  result.axis.label = name;
  if (const auto* ints = std::get_if<IntDistribution>(&parameter->distribution)) {
    result.axis.integer = true;
    result.axis.log = ints->log;
  } else {
    result.axis.log = std::get<FloatDistribution>(parameter->distribution).log;
  }
  return result;
}

// A parameter the definition does not declare (told from outside): its
// scale guessed from the values, as docs/report.md states.
ParamAxis guessed_axis(const Page& page, const std::string& name) {
  ParamAxis result;
  result.axis.label = name;
  std::set<std::string> categories;
  std::vector<double> values;
  bool categorical = false;
  bool integer = true;
  for (const Trial* trial : page.complete) {
    const auto it = trial->params.find(name);
    if (it == trial->params.end()) continue;
    integer = integer && std::holds_alternative<std::int64_t>(it->second);
    categorical = categorical || std::holds_alternative<std::string>(it->second) ||
                  std::holds_alternative<bool>(it->second);
    if (!std::holds_alternative<std::string>(it->second)) values.push_back(as_double(it->second));
  }
  result.axis.integer = integer;
  if (categorical) {
    for (const Trial* trial : page.complete) {  // only now: text for 100,000 numbers is slow
      const auto it = trial->params.find(name);
      if (it != trial->params.end()) categories.insert(to_string(it->second));
    }
    for (const auto& category : categories) result.add_category(category);
  } else {
    result.axis.log = svg::choose_log(values);
  }
  return result;
}

ParamAxis param_axis(const Page& page, const std::string& name) {
  if (auto declared = declared_axis(page, name)) return *declared;
  return guessed_axis(page, name);
}

}  // namespace

svg::Axis parameter_axis(const Page& page, const std::string& name) { return param_axis(page, name).axis; }

namespace {

// The page data's field of a parameter's values: params.i, i its place in
// page.parameters.
std::string param_field(const Page& page, const std::string& name) {
  return fmt::format("params.{}", std::find(page.parameters.begin(), page.parameters.end(), name) - page.parameters.begin());
}

// One small chart per objective for one parameter; a numeric parameter's
// may be brushed.
std::string param_charts(const Page& page, const std::string& name) {
  const ParamAxis x = param_axis(page, name);
  std::string out;
  for (std::size_t o = 0; o < page.spec.objectives.size(); ++o) {
    const Objective& objective = page.spec.objectives[o];
    Chart chart;
    chart.width = 285;  // two side by side, two parameters a row on a 1280 px page
    chart.height = 230;
    chart.x = x.axis;
    if (x.axis.categories.empty()) {
      chart.x_field = param_field(page, name);
      chart.y_field = fmt::format("values.{}", o);
    }
    chart.aria_label = fmt::format("{} against {}", objective.name, name);
    std::vector<double> ys;
    std::vector<TrialPoint> points;
    for (const Trial* trial : page.complete) {
      const auto it = trial->params.find(name);
      if (it == trial->params.end()) continue;
      const double position = x.position(it->second);
      if (std::isnan(position)) continue;
      ys.push_back(trial->values[o]);
      points.push_back({trial, position, trial->values[o]});
    }
    scatter(chart, page, points);
    chart.y = objective_axis(objective, ys);
    out += svg::render_chart(chart);
  }
  return out;
}

std::string proxy_chart(const ProxyCorrelation& proxy, const std::string& x_label,
                        const Page& page) {
  Chart chart;
  chart.width = 460;
  chart.height = 340;
  chart.x = unit_axis(x_label, "", svg::choose_log(proxy.proxy));
  chart.y = unit_axis("measured inference energy", "J/inference", svg::choose_log(proxy.energy_j));
  chart.aria_label = "inference energy against " + x_label;
  std::vector<TrialPoint> points;
  for (std::size_t i = 0; i < proxy.proxy.size(); ++i) {
    points.push_back({page.by_number.at(proxy.trial_numbers[i]), proxy.proxy[i], proxy.energy_j[i]});
  }
  scatter(chart, page, points, [&](const TrialPoint& point) {
    return fmt::format("trial {}: {} = {}, {}{}", point.trial->number, x_label, number(point.x),
                       format_joules(point.y), values_and_parameters(page, *point.trial));
  });
  return svg::render_chart(chart);
}

}  // namespace

std::string importance_section(const Page& page) {
  std::string out = R"(<section id="importance"><h2>Parameter importance</h2>)";
  out += fmt::format(
      "<p>How each parameter goes with each objective over the n = {} complete trials: the signed "
      "Spearman ρ for numeric parameters (+1: the objective rises with the parameter, −1: it "
      "falls, 0: no monotone relation), drawn with its 95 % interval (Fisher's z), and the "
      "correlation ratio η (0 to 1, no sign) for categorical ones; beside it, the share of the "
      "objective's variance each parameter explains alone (ε², epsilon squared, over its categories "
      "or up to 10 bins of equal count: a main effect, as fANOVA's first-order terms, which also sees "
      "an effect that rises and falls). They show association, not causation, and miss effects that "
      "only appear in combination.{}</p><div class=\"charts\">",
      page.complete.size(), importance_caution(page.complete.size()));
  const auto& importance = page.importance;
  for (std::size_t o = 0; o < importance.size(); ++o) {
    const std::string& name = page.spec.objectives[o].name;
    if (importance[o].empty()) {
      out += "<figure><figcaption>" + html_escape(name) + "</figcaption><p class=\"note\">No parameters.</p></figure>";
      continue;
    }
    std::vector<svg::Bar> bars;
    for (const auto& item : importance[o]) bars.push_back(importance_bar(item));
    auto by_share = importance[o];
    std::stable_sort(by_share.begin(), by_share.end(), [](const ParamImportance& a, const ParamImportance& b) {
      return (std::isnan(a.variance_share) ? -1.0 : a.variance_share) >
             (std::isnan(b.variance_share) ? -1.0 : b.variance_share);
    });
    std::vector<svg::Bar> shares;
    for (const auto& item : by_share) shares.push_back(variance_bar(item));
    out += fmt::format(R"(<figure><figcaption>{}</figcaption>{}</figure>)", html_escape(name),
                       svg::render_bars(bars, 560, name));
    out += fmt::format(R"(<figure><figcaption>{}: variance explained</figcaption>{}</figure>)", html_escape(name),
                       svg::render_bars(shares, 560, name + ": variance explained"));
  }
  return out + "</div></section>";
}

std::string param_plots_section(const Page& page) {
  std::string out = R"(<section id="parameters"><h2>Parameters against objectives</h2>)";
  const auto& names = page.charted_parameters;
  out += shared_parameters_note(page);
  if (names.empty()) {
    return out + (page.parameters.empty() ? "<p class=\"note\">No parameters recorded.</p>" : "") + "</section>";
  }
  if (names.size() > kMaxParamPlots) {
    out += fmt::format("<p class=\"note\">Showing the first {} of {} parameters.</p>",
                       kMaxParamPlots, names.size());
  }
  out += R"(<div class="param-grid">)";
  std::size_t shown = 0;
  for (const auto& name : names) {
    if (shown++ == kMaxParamPlots) break;
    out += "<figure><figcaption>" + html_escape(name) + "</figcaption>";
    out += param_charts(page, name);
    out += "</figure>";
  }
  return out + "</div>" + density_note(page, complete_numbers(page)) + "</section>";
}

// Every parameter (up to kMaxParamPlots) and every objective on its own
// axis; a line per trial, front members drawn over the others. Beyond
// kMaxMarkers lines, the marked trials and an even share of the others.
std::string parallel_section(const Page& page) {
  std::string out = R"(<section id="parallel"><h2>Parallel coordinates</h2>)";
  if (page.complete.empty()) return out + "<p class=\"note\">No complete trial yet.</p></section>";
  const auto& names = page.charted_parameters;
  std::vector<ParamAxis> params;
  for (const auto& name : names) {
    if (params.size() == kMaxParamPlots) break;
    params.push_back(param_axis(page, name));
  }
  svg::ParallelChart chart;
  chart.aria_label = "parallel coordinates of parameters and objectives";
  // A numeric axis may be brushed.
  for (const auto& param : params) {
    chart.axes.push_back(param.axis);
    chart.fields.push_back(param.axis.categories.empty() ? param_field(page, param.axis.label) : "");
  }
  for (std::size_t o = 0; o < page.spec.objectives.size(); ++o) {
    chart.axes.push_back(objective_axis(page.spec.objectives[o], objective_values(page, o)));
    chart.fields.push_back(fmt::format("values.{}", o));
  }
  const auto others = static_cast<std::size_t>(std::count_if(
      page.complete.begin(), page.complete.end(), [&](const Trial* t) { return !page.marked.count(t->number); }));
  const std::size_t room = kMaxMarkers - std::min(kMaxMarkers - 1, page.complete.size() - others);
  const std::size_t stride = std::max<std::size_t>(1, (others + room - 1) / room);
  std::size_t other_index = 0;
  std::size_t drawn = 0;
  for (const Trial* trial : page.complete) {
    if (!page.marked.count(trial->number) && other_index++ % stride != 0) continue;
    svg::ParallelLine line{{}, trial->number, marker_class(page, trial->number), point_title(page, *trial)};
    for (const auto& param : params) {
      const auto it = trial->params.find(param.axis.label);
      line.values.push_back(it == trial->params.end() ? std::nan("") : param.position(it->second));
    }
    line.values.insert(line.values.end(), trial->values.begin(), trial->values.end());
    chart.lines.push_back(std::move(line));
    ++drawn;
  }
  // Front lines over the others, chosen and baseline over all.
  std::stable_partition(chart.lines.begin(), chart.lines.end(),
                        [](const svg::ParallelLine& l) { return l.css_class.find("front") != 0; });
  std::stable_partition(chart.lines.begin(), chart.lines.end(), [](const svg::ParallelLine& l) {
    return l.css_class.find("chosen") == std::string::npos && l.css_class.find("baseline") == std::string::npos;
  });
  out += "<p>One line per complete trial through its parameters (left) and objectives (right); "
         "front members are drawn over the others, so the settings the front shares stand out. "
         "Hover a line for the trial, click it for its details.</p>";
  if (names.size() > params.size()) {
    out += fmt::format("<p class=\"note\">Showing the first {} of {} parameters.</p>", params.size(),
                       names.size());
  }
  out += svg::render_parallel(chart);
  if (drawn < page.complete.size()) {
    out += fmt::format("<p class=\"note\">{} of {} complete trials drawn: every front member, the "
                       "chosen and baseline trials (as the charts above draw them one by one), and every {}th of the others.</p>",
                       drawn, page.complete.size(), stride);
  }
  return out + legend(page, false) + "</section>";
}

std::string proxies_section(const Page& page) {
  std::string out = R"(<section id="proxies"><h2>Do parameter and FLOP counts predict energy?</h2>)";
  out += "<div class=\"charts\">";
  std::string explanations;
  std::string density_notes;
  std::string table =
      "<table class=\"compact\"><thead><tr><th>Proxy</th><th>Trials</th><th>Spearman ρ</th>"
      "<th>Pearson r</th></tr></thead><tbody>";
  for (const auto& [key, label] : {std::pair<std::string, std::string>{"params", "parameter count"},
                                   {"flops_per_sample", "FLOPs per sample"}}) {
    const ProxyCorrelation proxy = proxy_correlation(page.context.trials, key);
    out += proxy.proxy.empty()
               ? fmt::format("<p class=\"note\">No trial records {} ({}).</p>", label, key)
               : proxy_chart(proxy, label, page);
    density_notes += density_note(page, proxy.trial_numbers);
    table += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
                         "class=\"num\">{}</td></tr>",
                         label, proxy.proxy.size(), number(proxy.spearman), number(proxy.pearson));
    explanations += "<li>" + html_escape(explain_proxy(proxy)) + "</li>";
  }
  out += "</div>" + density_notes + table + "</tbody></table><ul>" + explanations + "</ul>";
  out += "<p>Where proxies mislead: parameter and FLOP counts ignore what actually drives joules "
         "— memory traffic and activation sizes (a wide kernel on a large feature map costs far "
         "more than its parameter count suggests), how well the work fills the hardware, and the "
         "inference knobs (batch size, threads, data type), which change energy without changing "
         "either count. Rank models by measured energy, not by size.</p></section>";
  return out;
}

}  // namespace ecopt::report::html
