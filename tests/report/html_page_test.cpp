// What the report page says, read from its HTML: axis labels with units,
// tick placement, error bars from the measured spread, signed importance
// with its interval, and the model card as HTML.
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "ecopt/report/export.hpp"
#include "ecopt/report/metrics.hpp"
#include "ecopt/report/report.hpp"
#include "known_study.hpp"
#include "page_text.hpp"

namespace ecopt::report {
namespace {

using testing::all;
using testing::render;

std::string known_page() {
  auto storage = open_storage("memory");
  return render(*storage, testing::make_known_study(*storage));
}

// The <svg> element whose aria-label is `label`.
std::string chart(const std::string& html, const std::string& label) {
  const auto at = html.find("aria-label=\"" + label + "\"");
  if (at == std::string::npos) return "";
  const auto start = html.rfind("<svg", at);
  return html.substr(start, html.find("</svg>", at) + 6 - start);
}

std::vector<std::string> axis_labels(const std::string& svg) {
  return all(svg, R"(class="axis-label"[^>]*>([^<]*))");
}

// The x tick labels: those drawn centred under the plot.
std::vector<std::string> x_ticks(const std::string& svg) {
  return all(svg, R"(<text class="tick" x="[^"]*" y="[^"]*" text-anchor="middle">([^<]*))");
}

TEST(MetricUnit, ReadsUnitsFromTheNamingConvention) {
  const auto efficiency = metric_unit("inference_samples_per_j");
  EXPECT_EQ(efficiency.label, "inference efficiency");
  EXPECT_EQ(efficiency.unit, "samples/J");
  EXPECT_EQ(efficiency.energy_power, -1);
  EXPECT_EQ(efficiency.counted, "sample");
  const auto per_token = metric_unit("generation_j_per_token");
  EXPECT_EQ(per_token.label, "generation energy");
  EXPECT_EQ(per_token.unit, "J/token");
  EXPECT_EQ(per_token.energy_power, 1);
  EXPECT_EQ(per_token.counted, "token");
  EXPECT_EQ(metric_unit("training_j").unit, "J");
  EXPECT_EQ(metric_unit("training_j").energy_power, 1);
  EXPECT_EQ(metric_unit("generation_tokens_per_s").unit, "tokens/s");
  EXPECT_EQ(metric_unit("generation_tokens_per_s").energy_power, 0);
  EXPECT_EQ(metric_unit("train_s").unit, "s");
  EXPECT_EQ(metric_unit("heldout_loss").unit, "nats/byte");
  EXPECT_EQ(metric_unit("accuracy").unit, "fraction");
  // Unknown names keep their name and get no made-up unit.
  for (const char* name : {"f0", "score", "layers_per_block", "inference_j_per_sample_mad"}) {
    EXPECT_EQ(metric_unit(name).label, name);
    EXPECT_EQ(metric_unit(name).unit, "") << name;
    EXPECT_EQ(metric_unit(name).energy_power, 0) << name;
  }
}

TEST(HtmlPage, ObjectiveAxesSayWhatTheyMeasureInWhichUnitAndWhichWayIsBetter) {
  const std::string html = known_page();
  const std::string front = chart(html, "accuracy against inference_samples_per_j");
  ASSERT_FALSE(front.empty());
  EXPECT_EQ(axis_labels(front),
            (std::vector<std::string>{"inference efficiency (samples/J) ↑", "accuracy (fraction) ↑"}));
  EXPECT_EQ(axis_labels(chart(html, "hypervolume by trial"))[1],
            "hypervolume (fraction × samples/J)");
  EXPECT_EQ(html.find("maximize ↑"), std::string::npos) << "the old raw label";
}

TEST(HtmlPage, AxesWithoutKnownUnitsShowTheNameAndLogOnlyWhereLog) {
  auto storage = open_storage("memory");
  StudySpec spec;
  spec.name = "plain";
  spec.objectives = {{"f0", Direction::Minimize, std::nullopt}, {"f1", Direction::Minimize, std::nullopt}};
  const StudyRecord study = storage->create_study(spec, nlohmann::json::object());
  const std::vector<std::vector<double>> values = {{0.1, 900.0}, {0.5, 40.0}, {0.9, 2.0}, {0.7, 300.0}};
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Trial trial = storage->create_trial(study.id, nlohmann::json::object());
    storage->set_trial_params(trial.id, {{"layers", std::int64_t(1 + i % 3)}, {"x", 0.25 * i}});
    storage->finish_trial(trial.id, {TrialState::Complete, values[i], {}, std::nullopt});
  }
  const std::string html = render(*storage, study);
  const std::string front = chart(html, "f0 against f1");
  EXPECT_EQ(axis_labels(front), (std::vector<std::string>{"f1 (log) ↓", "f0 ↓"}));
  EXPECT_EQ(axis_labels(chart(html, "hypervolume by trial"))[1], "hypervolume (objective units)");

  // Integer parameters get whole-number ticks only: layers 1..3 once
  // ticked 1.5 and 2.5.
  const auto layers = x_ticks(chart(html, "f0 against layers"));
  EXPECT_EQ(layers, (std::vector<std::string>{"1", "2", "3"}));
  // A float parameter over the same kind of range keeps fractional ticks.
  const auto x = x_ticks(chart(html, "f0 against x"));
  EXPECT_GE(x.size(), 4u);
  EXPECT_TRUE(std::any_of(x.begin(), x.end(), [](const std::string& t) { return t.find('.') != std::string::npos; }));
}

// A study whose definition declares its space: zeta (log, over only 10x,
// which a guess from the values would draw linear) before alpha (choices
// declared b before a, which alphabetical order would swap).
StudyRecord declared_space_study(Storage& storage) {
  StudySpec spec;
  spec.name = "declared";
  spec.objectives = {{"f0", Direction::Minimize, std::nullopt}, {"f1", Direction::Minimize, std::nullopt}};
  const StudyRecord study = storage.create_study(spec, nlohmann::json::object());
  storage.update_study_spec(study.id, [](StudySpec defined) {
    defined.search_space = nlohmann::ordered_json::parse(
        R"({"zeta": {"type": "float", "low": 0.001, "high": 0.01, "log": true},
            "alpha": {"type": "categorical", "choices": ["b", "a"]}})");
    return defined;
  });
  const std::vector<std::vector<double>> values = {{0.1, 0.9}, {0.5, 0.4}, {0.9, 0.2}, {0.7, 0.3}};
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Trial trial = storage.create_trial(study.id, nlohmann::json::object());
    storage.set_trial_params(trial.id, {{"zeta", 0.001 + 0.003 * double(i)}, {"alpha", std::string(i % 2 ? "a" : "b")}});
    storage.finish_trial(trial.id, {TrialState::Complete, values[i], {}, std::nullopt});
  }
  return *storage.find_study("declared");
}

TEST(HtmlPage, ParameterScalesAndOrderComeFromTheDeclaredSpace) {
  auto storage = open_storage("memory");
  const StudyRecord study = declared_space_study(*storage);
  const std::string html = render(*storage, study);
  EXPECT_EQ(axis_labels(chart(html, "f0 against zeta"))[0], "zeta (log)");
  EXPECT_EQ(x_ticks(chart(html, "f0 against alpha")), (std::vector<std::string>{"b", "a"}));
  const auto parameters = html.find("<figcaption>zeta</figcaption>");
  ASSERT_NE(parameters, std::string::npos);
  EXPECT_LT(parameters, html.find("<figcaption>alpha</figcaption>"));
  const auto csv = trials_to_csv(study.spec, storage->trials(study.id));
  EXPECT_LT(csv.find("params_zeta"), csv.find("params_alpha")) << csv.substr(0, 200);
}

TEST(HtmlPage, RolesComeFromTheDefinitionAndInferredOnesAreNamed) {
  auto storage = open_storage("memory");
  StudySpec spec;
  spec.name = "roles";
  // energy_mj (minimised) first: once taken as the quality objective.
  spec.objectives = {{"energy_mj", Direction::Minimize, std::nullopt}, {"accuracy", Direction::Maximize, std::nullopt}};
  const StudyRecord study = storage->create_study(spec, nlohmann::json::object());
  for (const auto& [energy_mj, accuracy] : std::vector<std::pair<double, double>>{{5.0, 0.9}, {2.0, 0.8}, {9.0, 0.95}}) {
    const Trial trial = storage->create_trial(study.id, nlohmann::json::object());
    TrialResult result{TrialState::Complete, {energy_mj, accuracy}, {}, std::nullopt};
    write_energy_records(result.user_attrs, {testing::inference_record(EnergySource::RaplPowercap, energy_mj / 1e3)});
    storage->finish_trial(trial.id, result);
  }
  const std::string inferred = render(*storage, study);
  // The stand-in baseline is the best accuracy (trial 2), not the least energy_mj.
  EXPECT_NE(inferred.find("trial 2 — no baseline stated ([study] baseline), so the best accuracy (maximize) stands in"),
            std::string::npos);
  EXPECT_NE(inferred.find("Objective roles inferred from their names: energy_mj as energy, accuracy as quality"),
            std::string::npos);
  storage->update_study_spec(study.id, [](StudySpec defined) {
    defined.objectives[0].role = ObjectiveRole::Energy;
    defined.objectives[1].role = ObjectiveRole::Quality;
    defined.objectives[1].unit = "share";
    return defined;
  });
  const std::string page = render(*storage, *storage->find_study("roles"));
  EXPECT_EQ(page.find("Objective roles inferred"), std::string::npos);
  EXPECT_NE(page.find("accuracy (share) ↑"), std::string::npos);
}

TEST(HtmlPage, AStatedBaselineIsTheTrialBreakEvenComparesWith) {
  auto storage = open_storage("memory");
  const StudyRecord study = testing::make_known_study(*storage);
  // Width 16.0 matches trial 1's integer 16.
  storage->update_study_spec(study.id, [](StudySpec defined) {
    defined.baseline = StatedBaseline{StatedBaseline::Kind::Params, -1, {{"width", 16.0}}};
    return defined;
  });
  const std::string page = render(*storage, *storage->find_study("known"));
  EXPECT_NE(page.find("trial 1 — the study&#39;s stated baseline, the trial with width = 16"), std::string::npos)
      << page.substr(page.find("<section id=\"impact\""), 1500);
  storage->update_study_spec(study.id, [](StudySpec defined) {
    defined.baseline = StatedBaseline{StatedBaseline::Kind::Trial, 7, {}};
    return defined;
  });
  const std::string missing = render(*storage, *storage->find_study("known"));
  EXPECT_NE(missing.find("the study&#39;s stated baseline, trial 7, has no complete trial yet"), std::string::npos);
}

TEST(HtmlPage, TheFrontUsesTheFullWidthWithAtLeastFourXTicks) {
  const std::string front = chart(known_page(), "accuracy against inference_samples_per_j");
  std::smatch width;
  ASSERT_TRUE(std::regex_search(front, width, std::regex(R"(viewBox="0 0 (\d+) )")));
  EXPECT_GE(std::stoi(width[1].str()), 1100);
  EXPECT_GE(x_ticks(front).size(), 4u);
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Known study (front 0, 1, 2; inference windows spread 0.96–1.04 of the
// median) plus trial 5 at 250 samples/J, within trial 0's spread (256), and
// trial 6 whose one window has no spread.
TEST(HtmlPage, FrontMembersCarryTheirMeasuredSpreadAndCloseOnesAreNamed) {
  auto storage = open_storage("memory");
  const StudyRecord study = testing::make_known_study(*storage);
  const auto add = [&](double accuracy, double j, bool repeated) {
    const Trial trial = storage->create_trial(study.id, nlohmann::json::object());
    TrialResult result{TrialState::Complete, {accuracy, 1.0 / j}, {}, std::nullopt};
    EnergyRecord record = testing::inference_record(EnergySource::RaplPowercap, j);
    if (!repeated) {
      record.windows = 1;
      record.spread.reset();
    }
    write_energy_records(result.user_attrs, {record});
    storage->finish_trial(trial.id, result);
  };
  add(0.85, 1.0 / 250, true);
  add(0.95, 1.0 / 10, false);
  const std::string html = render(*storage, study);
  const std::string front = chart(html, "accuracy against inference_samples_per_j");
  EXPECT_EQ(count(front, "class=\"error-bar\""), 4u) << "trials 0, 1, 2 and 5; not 6";
  EXPECT_NE(html.find("Within measurement spread of each other on inference efficiency "
                      "(samples/J): trials 0 and 5."),
            std::string::npos);
  EXPECT_NE(html.find("1 of the 5 front trials measured one window (or record no spread) and "
                      "draw no bar"),
            std::string::npos);
  // Accuracy is not an energy figure: no bar along it, no note on it.
  EXPECT_EQ(html.find("Error bars on accuracy"), std::string::npos);
}

TEST(HtmlPage, ImportanceIsSignedWithAnIntervalAndSaysHowManyTrials) {
  const std::string html = known_page();
  const std::string accuracy = chart(html, "accuracy");
  EXPECT_NE(accuracy.find(">ρ +0.80 [-0.73, +1.00]<"), std::string::npos) << accuracy;
  EXPECT_NE(accuracy.find(">η 0.29 (no sign)<"), std::string::npos);
  EXPECT_NE(accuracy.find("class=\"interval\""), std::string::npos);
  const std::string efficiency = chart(html, "inference_samples_per_j");
  EXPECT_NE(efficiency.find(">ρ -0.60 ["), std::string::npos) << efficiency;
  EXPECT_NE(efficiency.find("class=\"bar negative\""), std::string::npos);
  EXPECT_NE(html.find("over the n = 4 complete trials"), std::string::npos);
  EXPECT_NE(html.find("With n = 4 the intervals are wide"), std::string::npos);
  // Beside it, each parameter's share of the variance, ε² (issue 30).
  const std::string shares = chart(html, "accuracy: variance explained");
  ASSERT_FALSE(shares.empty());
  EXPECT_NE(shares.find(">ε² "), std::string::npos) << shares;
}

TEST(HtmlPage, TheModelCardIsHtmlAndThePageExplainsItselfWithoutTheDocs) {
  const std::string html = known_page();
  const auto card = html.find("<section id=\"model-card\">");
  ASSERT_NE(card, std::string::npos);
  const std::string section = html.substr(card, html.find("</section>", card) - card);
  EXPECT_NE(section.find("<h3>Model card: trial 2 of study &quot;known&quot;</h3>"), std::string::npos)
      << section;
  EXPECT_NE(section.find("<h4>Energy per inference</h4><table class=\"facts\"><thead><tr><th>Figure</th>"),
            std::string::npos);
  EXPECT_NE(section.find("<li>Energy source: rapl-powercap (as reported by the meter)</li>"),
            std::string::npos);
  EXPECT_EQ(section.find("<pre"), std::string::npos);
  EXPECT_EQ(section.find("| Field |"), std::string::npos) << "no raw Markdown left";
  EXPECT_EQ(html.find("docs/report.md"), std::string::npos);
  EXPECT_NE(html.find("<h2>How to read this report</h2>"), std::string::npos);
  EXPECT_NE(html.find("<b>Error bars</b>"), std::string::npos);
}

TEST(HtmlPage, PointsNameTheirTrialValuesAndParametersOnHover) {
  const std::string front = chart(known_page(), "accuracy against inference_samples_per_j");
  EXPECT_NE(front.find("<title>trial 1 · Pareto front\naccuracy = 0.9\ninference_samples_per_j = 64\n"
                       "kernel = 5\noptimizer = sgd\nwidth = 16</title>"),
            std::string::npos)
      << front;
  EXPECT_NE(front.find("<title>trial 3\naccuracy = 0.7\n"), std::string::npos);
}

// Issue 30: hovering any trial's marker, on whichever chart (front, history,
// parameters, hypervolume, tuning progress, proxies), names its objective
// values and its parameters.
TEST(HtmlPage, EveryTrialMarkerNamesItsValuesAndParametersOnHover) {
  const std::string html = known_page();
  const std::regex marker(R"re(<svg class="chart"[^>]*aria-label="([^"]*)"|<circle class="pt[^"]*"[^>]*data-trial="(\d+)"[^>]*><title>([^<]*)</title>)re");
  std::string chart;
  std::set<std::string> charts;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), marker); it != std::sregex_iterator(); ++it) {
    if ((*it)[1].matched) {
      chart = (*it)[1].str();
      continue;
    }
    charts.insert(chart);
    const std::string title = (*it)[3].str();
    for (const char* line : {"\naccuracy = ", "\nkernel = ", "\noptimizer = ", "\nwidth = "}) {
      EXPECT_NE(title.find(line), std::string::npos) << chart << ", trial " << (*it)[2] << ": " << title;
    }
  }
  EXPECT_GE(charts.size(), 5u);
  EXPECT_TRUE(charts.count("hypervolume by trial"));
}

TEST(HtmlPage, MarkersUseTheOkabeItoPalette) {
  const std::string html = known_page();
  const std::set<std::string> okabe_ito = {"#e69f00", "#56b4e9", "#009e73", "#f0e442",
                                           "#0072b2", "#d55e00", "#cc79a7", "#000000"};
  for (const char* role : {"front", "chosen", "baseline", "bar", "bar-negative", "shared", "estimate"}) {
    std::smatch colour;
    ASSERT_TRUE(std::regex_search(html, colour, std::regex(std::string("--") + role + ": (#[0-9a-f]{6})")))
        << role;
    EXPECT_TRUE(okabe_ito.count(colour[1].str())) << role << " is " << colour[1].str();
  }
}

TEST(HtmlPage, ParallelCoordinatesDrawEveryTrialOverEveryAxisWithTheFrontOnTop) {
  const std::string svg = chart(known_page(), "parallel coordinates of parameters and objectives");
  ASSERT_FALSE(svg.empty());
  // kernel, optimizer, width, then the two objectives.
  EXPECT_EQ(all(svg, R"(<text class="axis-label" x="[^"]*" y="14" text-anchor="middle">([^<]*))"),
            (std::vector<std::string>{"kernel", "optimizer", "width", "accuracy", "inference efficiency"}));
  EXPECT_EQ(count(svg, "class=\"axis-label unit\""), 2u) << "(fraction) ↑ and (samples/J) ↑ only";
  const auto lines = all(svg, R"re(<path class="pc-line ([^"]*)")re");
  // Trial 3 (dominated) first, then the front; trial 1 (the baseline) and 2
  // (chosen) drawn last.
  EXPECT_EQ(lines, (std::vector<std::string>{"dominated", "front", "front baseline", "front chosen"}));
  EXPECT_EQ(count(svg, "data-trial="), 4u);
  EXPECT_NE(svg.find(">adam<"), std::string::npos);  // the categorical axis names its categories
  EXPECT_NE(svg.find(">sgd<"), std::string::npos);
  // Each line passes through one point per axis: M then four L.
  for (const auto& d : all(svg, R"(class="pc-line[^"]*" d="([^"]*))")) {
    EXPECT_EQ(std::count(d.begin(), d.end(), 'M'), 1) << d;
    EXPECT_EQ(std::count(d.begin(), d.end(), 'L'), 4) << d;
  }
}

// Issue 30: a parameter every trial shares (a fixed one, or one the
// sampler never moved) is listed once, not drawn: its charts were a flat
// line over a range like -1e-09 to 1e-09 and half the parallel axes.
TEST(HtmlPage, ParametersEveryTrialSharesAreListedOnceNotCharted) {
  auto storage = open_storage("memory");
  const StudyRecord study = storage->create_study(testing::known_spec("fixed"), nlohmann::json::object());
  for (int i = 0; i < 3; ++i) {
    const Trial trial = storage->create_trial(study.id, nlohmann::json::object());
    storage->set_trial_params(trial.id, {{"width", std::int64_t{8 << i}},
                                         {"dropout", 0.0},
                                         {"pool", std::string("max")}});
    TrialResult result;
    result.values = {0.8 + 0.05 * i, 100.0 - 10.0 * i};
    storage->finish_trial(trial.id, result);
  }
  const std::string page = render(*storage, *storage->find_study("fixed"));
  const std::string parameters = page.substr(page.find("<section id=\"parameters\""));
  EXPECT_EQ(all(parameters.substr(0, parameters.find("</section>")), R"(<figcaption>([^<]*))"),
            std::vector<std::string>{"width"});
  EXPECT_NE(parameters.find("The same in every trial, so not charted: dropout = 0, pool = max."),
            std::string::npos)
      << parameters.substr(0, 600);
  const std::string svg = chart(page, "parallel coordinates of parameters and objectives");
  EXPECT_EQ(all(svg, R"(<text class="axis-label" x="[^"]*" y="14" text-anchor="middle">([^<]*))"),
            (std::vector<std::string>{"width", "accuracy", "inference efficiency"}));
}

// Issue 30: one diverged trial (accuracy 0.335 among 0.9s) squashed a
// 12-trial front into a thin band. The axes now span the others and the
// diverged trial is drawn at the edge, outlined and named, never dropped.
TEST(HtmlPage, AFarOutlierIsDrawnAtTheEdgeAndNamedNotSquashingTheFront) {
  auto storage = open_storage("memory");
  const StudyRecord study = storage->create_study(testing::known_spec("diverged"), nlohmann::json::object());
  for (int i = 0; i < 12; ++i) {
    const Trial trial = storage->create_trial(study.id, nlohmann::json::object());
    storage->set_trial_params(trial.id, {{"width", std::int64_t{4 + i}}});
    TrialResult result;
    result.values = {i == 11 ? 0.335 : 0.88 + 0.005 * i, 100.0 + 10.0 * (i % 4)};
    storage->finish_trial(trial.id, result);
  }
  const std::string page = render(*storage, *storage->find_study("diverged"));
  const std::string svg = chart(page, "accuracy against inference_samples_per_j");
  ASSERT_FALSE(svg.empty());
  for (const auto& tick : all(svg, R"(<text class="tick" x="[^"]*" y="[^"]*" text-anchor="end">([^<]*))")) {
    EXPECT_GE(std::stod(tick), 0.85) << "the y axis still reaches down to the outlier: " << tick;
  }
  EXPECT_NE(svg.find("class=\"pt dominated outlier\""), std::string::npos);
  EXPECT_NE(svg.find("data-trial=\"11\""), std::string::npos) << "the outlier is drawn, not dropped";
  const auto note = page.find("note outliers");
  ASSERT_NE(note, std::string::npos);
  EXPECT_NE(page.substr(note, 300).find("drawn at the chart&#39;s edge (outlined): trial 11 (accuracy 0.335"), std::string::npos) << page.substr(note, 300);
}

// Issue 30: each objective over trial numbers with its best value so far,
// the view Optuna users know as the optimisation history.
TEST(HtmlPage, EachObjectiveHasAHistoryWithItsBestSoFar) {
  const std::string page = known_page();
  ASSERT_NE(page.find("<section id=\"history\""), std::string::npos);
  ASSERT_NE(page.find("<a href=\"#history\">"), std::string::npos);
  // The known study's trials 0..3: accuracy 0.80, 0.90, 0.895, 0.70; the
  // best so far rises at trial 1 and holds to trial 3.
  const std::string accuracy = chart(page, "accuracy by trial");
  ASSERT_FALSE(accuracy.empty());
  EXPECT_EQ(count(accuracy, "data-trial="), 4u);
  const auto lines = all(accuracy, R"(<polyline class="history-line" points="([^"]*))");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(std::count(lines[0].begin(), lines[0].end(), ','), 4) << "start, step up (2 points), end: " << lines[0];
  EXPECT_FALSE(chart(page, "inference_samples_per_j by trial").empty());
}

}  // namespace
}  // namespace ecopt::report
