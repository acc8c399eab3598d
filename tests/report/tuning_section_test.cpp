// The report's "Tuning energy and what it bought" section (issue 26 item
// 5) on studies made by the real `ecopt tune` and ask/tell CLI in SQLite,
// rendered by the real `ecopt report`: hypervolume against cumulative
// tuning energy and carbon, pruned trials marked, the budget rule that
// stopped the study, and what pruning saved by the stated rule.
#include <algorithm>
#include <regex>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ecopt/core/escape.hpp"
#include "ecopt/core/format.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/math/front.hpp"
#include "ecopt/storage/storage.hpp"
#include "subprocess.hpp"
#include "tuned_study.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using testing::ProcessResult;
using testing::TempDir;

class TuningSection : public ::testing::Test {
 protected:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), testing::kEcoptCli);
    return testing::run_process(args, dir_.path());
  }
  // The real `ecopt report`'s page, cut to the section.
  std::string tuning_section(const std::string& study) {
    const auto out = dir_ / ("report-" + study);
    const auto run = ecopt({"report", "--storage", url_, "--study-name", study, "--out", out.string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const std::string html = testing::read_file(out / "report.html");
    const auto begin = html.find("<section id=\"tuning\">");
    if (begin == std::string::npos) return "";
    return html.substr(begin, html.find("</section>", begin) - begin);
  }

  TempDir dir_{"tuning-section"};
  std::string url_ = "sqlite:///" + (dir_ / "study.db").string();
};

std::vector<std::int64_t> marked(const std::string& section, const std::string& css_class) {
  std::vector<std::int64_t> numbers;
  const std::regex marker("<circle class=\"pt " + css_class + "\"[^>]*data-trial=\"(\\d+)\"");
  for (std::sregex_iterator it(section.begin(), section.end(), marker), end; it != end; ++it) {
    numbers.push_back(std::stoll((*it)[1]));
  }
  return numbers;
}

TEST_F(TuningSection, PlotsHypervolumeAgainstEnergyAndCarbonMarksPruningAndTheStop) {
  const auto run = testing::tune_pruned_study(dir_.path(), url_, "shown");
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;

  auto storage = open_storage(url_);
  const StudyRecord study = *storage->find_study("shown");
  const std::vector<Trial> trials = storage->trials(study.id);
  ASSERT_EQ(trials.size(), 5u) << run.out;
  std::vector<std::int64_t> pruned;
  double saved_j = 0.0;
  double grams = 0.0;
  for (const Trial& trial : trials) {
    grams += trial.user_attrs["carbon"]["grams_co2e"].get<double>();
    if (trial.state != TrialState::Pruned) continue;
    pruned.push_back(trial.number);
    // The stated rule: its energy scaled from its last step to step 10.
    const auto step = static_cast<double>(trial.intermediate.rbegin()->first);
    saved_j += *trial_tuning_energy_j(trial) * (10.0 - step) / step;
  }
  ASSERT_GE(pruned.size(), 1u) << run.out;

  const std::string section = tuning_section("shown");
  ASSERT_FALSE(section.empty()) << "no tuning section";
  // One chart against energy, one against carbon, each marking the pruned
  // trials and where the rule stopped the study.
  EXPECT_THAT(section, HasSubstr("aria-label=\"hypervolume by tuning energy\""));
  EXPECT_THAT(section, HasSubstr("aria-label=\"hypervolume by tuning carbon\""));
  std::vector<std::int64_t> twice = pruned;
  twice.insert(twice.end(), pruned.begin(), pruned.end());
  std::sort(twice.begin(), twice.end());
  auto drawn = marked(section, "pruned");
  std::sort(drawn.begin(), drawn.end());
  EXPECT_EQ(drawn, twice);
  const std::regex stop_marker("<circle class=\"pt stopped\"");
  EXPECT_EQ(std::distance(std::sregex_iterator(section.begin(), section.end(), stop_marker), std::sregex_iterator()),
            2);

  // The figures: the tuning energy of trials and tuner, the final
  // hypervolume against the fixed reference, the carbon the trials stored.
  const TuningEnergy tuning = tuning_energy(trials);
  EXPECT_THAT(section, HasSubstr(fmt::format("{} of tuning energy", format_joules(tuning.total_j()))));
  EXPECT_THAT(section, HasSubstr(fmt::format("{} in the trials", format_joules(tuning.gross_j))));
  EXPECT_GT(tuning.tuner_j, 0.0);
  EXPECT_THAT(section, HasSubstr(fmt::format("{} of the tuner's own work", format_joules(tuning.tuner_j))));
  const auto reference = fixed_reference(trials, study.spec);
  ASSERT_TRUE(reference);
  const double hypervolume = front_of(trials, study.spec).hypervolume(*reference);
  EXPECT_THAT(section, HasSubstr(fmt::format("hypervolume {}", format_number(hypervolume))));
  EXPECT_THAT(section, HasSubstr(fmt::format("{:.4g} µg CO2e", grams * 1e6)));

  // The stop: the rule and its figures, as tune printed them.
  const auto& stopped = study.user_attrs["stopped_by"];
  EXPECT_THAT(section, HasSubstr(html_escape(fmt::format("stopped by [budget] min_hypervolume_per_kwh: {}",
                                                         stopped["message"].get<std::string>()))));
  EXPECT_THAT(section, HasSubstr("after 5 answered trials"));

  // What pruning saved, by the rule the page states.
  EXPECT_THAT(section, HasSubstr(fmt::format("{} pruned trials", pruned.size())));
  EXPECT_THAT(section, HasSubstr(fmt::format("saved about {}", format_joules(saved_j))));
  EXPECT_THAT(section, HasSubstr("scaled from its last reported step to its planned last step"));
}

// Trials told from outside: no planned last step, no energy, no stop. The
// page says what it does not know rather than guess.
TEST_F(TuningSection, SaysWhatItCannotKnowForTrialsToldFromOutside) {
  const auto on_study = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--storage", url_, "--study-name", "told"});
    const auto result = ecopt(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result;
  };
  ASSERT_EQ(ecopt({"create-study", "--storage", url_, "--study-name", "told", "--directions", "maximize,minimize"})
                .exit_code,
            0);
  const std::string space =
      R"({"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1, "log": false, "step": null}}})";
  on_study({"ask", "--search-space", space, "--sampler", "random"});
  on_study({"tell", "--trial-number", "0", "--values", "0.9,1.0"});
  on_study({"ask", "--search-space", space, "--sampler", "random"});
  on_study({"intermediate", "--trial-number", "1", "--step", "1", "--values", R"({"objective_0": 0.1})"});
  on_study({"tell", "--trial-number", "1", "--state", "pruned"});

  const std::string section = tuning_section("told");
  ASSERT_FALSE(section.empty()) << "no tuning section";
  EXPECT_THAT(section, HasSubstr("1 pruned trial"));
  EXPECT_THAT(section, HasSubstr("its planned last step is not known"));
  EXPECT_THAT(section, HasSubstr("2 trials record no energy"));
  EXPECT_THAT(section, HasSubstr("No budget or rule stopped this study"));
  EXPECT_EQ(marked(section, "pruned"), std::vector<std::int64_t>{});  // no energy axis to place it on

  // A stop record is storage content: escaped like every stored string.
  auto storage = open_storage(url_);
  const StudyRecord study = *storage->find_study("told");
  storage->set_study_user_attrs(study.id, {{"stopped_by",
                                            {{"rule", "<img src=x onerror=alert(1)>"},
                                             {"message", "</p><script>alert(2)</script>"},
                                             {"trials_answered", 2}}}});
  const std::string hostile = tuning_section("told");
  EXPECT_THAT(hostile, HasSubstr("stopped by [budget] &lt;img src=x onerror=alert(1)&gt;: "
                                 "&lt;/p&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
  EXPECT_EQ(hostile.find("<img"), std::string::npos);
  EXPECT_EQ(hostile.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace ecopt
