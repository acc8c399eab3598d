// The report of a study with noisy objectives (noisy_study.hpp, in a real
// SQLite file): the front judged by the models' posterior means beside the
// observed one, its members ringed in the front chart, badged in the
// table, the trials on one front but not the other listed, and what it
// means in the how-to-read section; shown when the study says its
// objectives are noisy or when asked.
#include <algorithm>
#include <filesystem>
#include <iterator>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "ecopt/math/front.hpp"
#include "ecopt/report/report.hpp"
#include "ecopt/study/noisy_front.hpp"
#include "noisy_study.hpp"

namespace ecopt::report {
namespace {

namespace fs = std::filesystem;
using Numbers = std::vector<std::int64_t>;
using testing::attribute_numbers;
using testing::count_of;

class NoisyReport : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch = fs::temp_directory_path() /
              fmt::format("ecopt-report-noisy-{}-{}", ::getpid(),
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(scratch);
    fs::create_directories(scratch);
  }
  void TearDown() override { fs::remove_all(scratch); }
  std::unique_ptr<Storage> storage() const { return open_storage("sqlite:///" + (scratch / "study.db").string()); }

  // The page of the stored study, read back from the file.
  std::string page(const std::string& name, bool noisy_flag = false) const {
    auto stored = storage();
    const auto study = stored->find_study(name);
    ReportOptions options;
    options.study_name = name;
    options.noisy = noisy_flag;
    return render_html_report(*study, stored->trials(study->id), stored->describe(), options);
  }
  fs::path scratch;
};

std::string listed(const Numbers& numbers) {
  return fmt::format("trial{} {}", numbers.size() == 1 ? "" : "s", fmt::join(numbers, ", "));
}

Numbers minus(const Numbers& a, const Numbers& b) {
  Numbers out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// The two fronts of the stored study, as ecopt best-trials prints them.
struct Fronts {
  Numbers observed;
  Numbers posterior;
};
Fronts fronts_of(Storage& storage, const std::string& name) {
  const auto study = storage.find_study(name);
  const auto trials = storage.trials(study->id);
  return {front_of(trials, study->spec).member_numbers(), posterior_mean_front_numbers(*study, trials)};
}

TEST_F(NoisyReport, AStudyThatSaysItsObjectivesAreNoisyShowsBothFronts) {
  testing::make_noisy_study(*storage(), "noisy", true);
  const Fronts fronts = fronts_of(*storage(), "noisy");
  const Numbers posterior_only = minus(fronts.posterior, fronts.observed);
  const Numbers observed_only = minus(fronts.observed, fronts.posterior);
  ASSERT_FALSE(posterior_only.empty());
  // The models bring back truly optimal trials that lucky neighbours
  // pushed off the observed front.
  const auto stored = storage();
  const auto trials = stored->trials(stored->find_study("noisy")->id);
  const auto truly_optimal = [&](const Numbers& front) {
    return std::count_if(front.begin(), front.end(),
                         [&](std::int64_t n) { return testing::on_true_front(trials.at(std::size_t(n))); });
  };
  EXPECT_GT(truly_optimal(fronts.posterior), truly_optimal(fronts.observed))
      << fmt::format("observed {} posterior {}", fmt::join(fronts.observed, ","), fmt::join(fronts.posterior, ","));

  const std::string html = page("noisy");
  EXPECT_EQ(attribute_numbers(html, "data-front"), fronts.observed);
  EXPECT_EQ(attribute_numbers(html, "data-posterior-front"), fronts.posterior);
  // One chart (two objectives), every member ringed once, nothing else.
  EXPECT_EQ(count_of(html, "<circle class=\"ring\""), fronts.posterior.size());
  EXPECT_NE(html.find("Noisy objectives (the study&#39;s definition says its objectives are noisy): the " +
                      std::to_string(fronts.posterior.size()) + " ringed trials are the front judged by "
                      "the models' posterior means"),
            std::string::npos);
  EXPECT_NE(html.find("On the front by posterior means only: <span class=\"posterior-only\">" +
                      listed(posterior_only) + "</span>"),
            std::string::npos)
      << listed(posterior_only);
  if (observed_only.empty()) {
    EXPECT_EQ(html.find("On the observed front only"), std::string::npos);
  } else {
    EXPECT_NE(html.find("On the observed front only: <span class=\"observed-only\">" +
                        listed(observed_only) + "</span>"),
              std::string::npos);
  }
  EXPECT_NE(html.find("<span class=\"key posterior\"></span>front by posterior means"), std::string::npos);
  EXPECT_NE(html.find("<li><b>Front by posterior means</b>"), std::string::npos);
  EXPECT_NE(html.find(fmt::format("<b>{}</b><span>on the front by posterior means</span>",
                                  fronts.posterior.size())),
            std::string::npos);
}

TEST_F(NoisyReport, OtherStudiesShowItOnlyWhenAsked) {
  testing::make_noisy_study(*storage(), "unsaid", false);
  const std::string plain = page("unsaid");
  EXPECT_EQ(plain.find("data-posterior-front"), std::string::npos);
  EXPECT_EQ(plain.find("class=\"ring\""), std::string::npos);
  EXPECT_EQ(plain.find("Front by posterior means"), std::string::npos);
  EXPECT_EQ(plain.find("key posterior"), std::string::npos);

  const std::string asked = page("unsaid", true);
  EXPECT_EQ(attribute_numbers(asked, "data-posterior-front"), fronts_of(*storage(), "unsaid").posterior);
  EXPECT_NE(asked.find("Noisy objectives (asked for with --noisy)"), std::string::npos);
}

// Fronts that agree say so rather than listing nothing.
TEST_F(NoisyReport, FrontsThatAgreeSaySo) {
  testing::make_noisy_study(*storage(), "one", true, 1);
  const std::string html = page("one");
  EXPECT_EQ(attribute_numbers(html, "data-posterior-front"), Numbers{0});
  EXPECT_NE(html.find("Both fronts hold the same trials."), std::string::npos);
  EXPECT_EQ(html.find("front-differences"), std::string::npos);
}

// Nothing asked through ECOpt: nothing to model. The flag is refused in
// one line; a study that says it is noisy but has no trial yet renders.
TEST_F(NoisyReport, WithoutAStoredSearchSpaceTheFlagIsRefused) {
  auto stored = storage();
  stored->create_study(testing::noisy_spec("empty", true), nlohmann::json::object());
  EXPECT_EQ(page("empty").find("data-posterior-front"), std::string::npos);
  try {
    page("empty", true);
    FAIL() << "--noisy without a search space";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("study 'empty' has no stored search space"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace ecopt::report
