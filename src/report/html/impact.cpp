// The carbon and impact section of the report page: tuning energy, the
// chosen model against the baseline, and break-even.
#include "html/sections.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ecopt/core/escape.hpp"

namespace ecopt::report::html {
namespace {

std::string impact_row(std::string_view label, const std::string& value) {
  return fmt::format("<tr><th scope=\"row\">{}</th><td>{}</td></tr>", label, value);
}

// On the net basis the impact's tuning figure differs from the study's
// (gross) one that the header card and ecopt tune state: both are shown.
std::string tuning_gross_note(const NetImpact& impact) {
  if (impact.tuning_j == impact.tuning.gross_j) return "";
  return fmt::format(" ({} gross, as the header and ecopt tune state it)", format_joules(impact.tuning.gross_j));
}

}  // namespace

std::string impact_section(const Page& page) {
  const auto& context = page.context;
  const auto& carbon = context.carbon;
  std::string out = R"(<section id="impact"><h2>Carbon and net impact of tuning</h2>)";
  if (!context.impact) {
    out += "<p class=\"note\">Net impact not computed: ";
    out += context.notes.empty() ? "no complete trial with inference energy."
                                 : html_escape(fmt::format("{}", fmt::join(context.notes, "; ")));
    return out + "</p></section>";
  }
  const NetImpact& impact = *context.impact;
  const std::string unit = html_escape(impact.unit);
  out += fmt::format("<p>Every energy figure in this section is {}.{}{}</p>", html_escape(impact.basis),
                     impact.tuning.estimate
                         ? " Some of it is an <span class=\"badge estimate\">estimate</span> from "
                           "CPU time, not a sensor reading."
                         : "",
                     impact.tuning.shared
                         ? " Some trials ran on <span class=\"badge shared\">shared devices</span>, "
                           "so their energy includes parallel trials' work."
                         : "");
  out += "<table class=\"facts\"><tbody>";
  out += impact_row("Chosen model", fmt::format("trial {} — {}", impact.chosen_trial,
                                                html_escape(context.chosen->reason)));
  out += impact_row("Baseline", fmt::format("trial {} — {}", impact.baseline_trial,
                                            html_escape(context.baseline->reason)));
  out += impact_row(fmt::format("Energy per {}: chosen / baseline", unit),
                    fmt::format("{} / {}", format_joules(impact.chosen_j_per_inference),
                                format_joules(impact.baseline_j_per_inference)));
  out += impact_row(fmt::format("Saved per {}", unit), format_joules(impact.saved_j_per_inference));
  out += impact_row("Tuning energy (every trial, training and measuring)",
                    fmt::format("{} over {} trials{}{}", format_joules(impact.tuning_j),
                                impact.tuning.measured, tuning_gross_note(impact),
                                impact.tuning.unmeasured
                                    ? fmt::format(" (lower bound: {} trials record no energy)",
                                                  impact.tuning.unmeasured)
                                    : ""));
  out += impact_row("Break-even",
                    impact.break_even_inferences
                        ? fmt::format("<strong>{} {}s</strong>", format_count(*impact.break_even_inferences), unit)
                        : std::string("never — the chosen model saves nothing per inference"));
  out += impact_row("Tuning carbon", format_grams(impact.tuning_g_co2e) + " CO2e");
  out += impact_row(fmt::format("Carbon per 1,000 {}s: chosen / baseline", unit),
                    fmt::format("{} / {} CO2e", format_grams(impact.chosen_g_co2e_per_1000),
                                format_grams(impact.baseline_g_co2e_per_1000)));
  out += impact_row("Carbon intensity and PUE",
                    fmt::format("{:g} gCO2e/kWh ({}), PUE {:g} ({})", carbon.intensity_g_per_kwh,
                                html_escape(carbon.intensity_source), carbon.pue,
                                html_escape(carbon.pue_source)));
  out += "</tbody></table>";
  out += "<p>Break-even = ⌈tuning energy ÷ energy saved per inference⌉; gCO2e = kWh × PUE × "
         "carbon intensity. After that many inferences with the chosen model instead of the "
         "baseline, the tuning has paid back its own energy.</p></section>";
  return out;
}

}  // namespace ecopt::report::html
