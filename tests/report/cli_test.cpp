// The real `ecopt report` binary on a SQLite study with known values.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "known_study.hpp"
#include "noisy_study.hpp"

namespace ecopt::report {
namespace {

namespace fs = std::filesystem;

const fs::path kEcopt = fs::path(ECOPT_BINARY_DIR) / "src" / "cli" / "ecopt";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch = fs::temp_directory_path() / fmt::format("ecopt-report-cli-{}", ::getpid());
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    auto storage = open_storage(url());
    testing::make_known_study(*storage, "known study");
  }
  void TearDown() override { fs::remove_all(scratch); }
  std::string url() const { return "sqlite:///" + (scratch / "study.db").string(); }
  // Runs ecopt with `arguments`; returns its exit status, output in files.
  int ecopt(const std::string& arguments) {
    const std::string command = fmt::format("'{}' {} >'{}' 2>'{}'", kEcopt.string(), arguments,
                                            (scratch / "stdout").string(),
                                            (scratch / "stderr").string());
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  fs::path scratch;
};

TEST_F(ReportCli, WritesTheFourFilesWithTheNamedTrials) {
  const fs::path out = scratch / "out";
  ASSERT_EQ(ecopt(fmt::format("report --storage '{}' --study-name 'known study' --out '{}' "
                              "--trial 2 --baseline 1 --carbon-intensity 400 --pue 1.5",
                              url(), out.string())),
            0)
      << read_text(scratch / "stderr");
  for (const char* name : {"report.html", "model-card.md", "trials.csv", "trials.json"}) {
    EXPECT_TRUE(fs::is_regular_file(out / name)) << name;
  }
  const std::string card = read_text(out / "model-card.md");
  EXPECT_NE(card.find("| Break-even | after 81,920 samples |"), std::string::npos) << card;
  EXPECT_NE(card.find("intensity 400 gCO2e/kWh (user value, from --carbon-intensity) and PUE 1.5 "
                      "(from --pue)"),
            std::string::npos)
      << card;
  EXPECT_NE(read_text(scratch / "stdout").find("report.html"), std::string::npos);
}

// --noisy adds the front by posterior means, the one best-trials --noisy
// prints; a study with nothing asked through ECOpt has no models to judge
// by, which is one line, and nothing is written.
TEST_F(ReportCli, NoisyShowsTheFrontBestTrialsNoisyPrints) {
  testing::make_noisy_study(*open_storage(url()), "noisy", false);
  const fs::path out = scratch / "noisy";
  ASSERT_EQ(ecopt(fmt::format("report --storage '{}' --study-name noisy --out '{}' --noisy", url(),
                              out.string())),
            0)
      << read_text(scratch / "stderr");
  const std::string html = read_text(out / "report.html");
  ASSERT_EQ(ecopt(fmt::format("best-trials --storage '{}' --study-name noisy --noisy", url())), 0);
  std::vector<std::int64_t> printed;
  for (const auto& trial : nlohmann::json::parse(read_text(scratch / "stdout"))) printed.push_back(trial["number"]);
  ASSERT_FALSE(printed.empty());
  EXPECT_EQ(testing::attribute_numbers(html, "data-posterior-front"), printed);
  EXPECT_NE(html.find("Noisy objectives (asked for with --noisy)"), std::string::npos);

  const fs::path refused = scratch / "refused";
  EXPECT_EQ(ecopt(fmt::format("report --storage '{}' --study-name 'known study' --out '{}' --noisy",
                              url(), refused.string())),
            1);
  const std::string error = read_text(scratch / "stderr");
  EXPECT_EQ(error.rfind("ecopt: error: study 'known study' has no stored search space", 0), 0u) << error;
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1);
  EXPECT_FALSE(fs::exists(refused));
}

TEST_F(ReportCli, UnknownStudyIsOneLineAndWritesNothing) {
  const fs::path out = scratch / "none";
  EXPECT_EQ(ecopt(fmt::format("report --storage '{}' --study-name nope --out '{}'", url(),
                              out.string())),
            1);
  const std::string error = read_text(scratch / "stderr");
  EXPECT_EQ(error.rfind("ecopt: error: no study named 'nope'", 0), 0u) << error;
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1);
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ReportCli, TrialWithoutEnergyIsRefused) {
  EXPECT_EQ(ecopt(fmt::format("report --storage '{}' --study-name 'known study' --out '{}' "
                              "--trial 4",
                              url(), (scratch / "out").string())),
            1);
  EXPECT_NE(read_text(scratch / "stderr").find("trial 4 records no inference energy"),
            std::string::npos);
}

TEST_F(ReportCli, TableFormatShowsEnergyWithItsSource) {
  for (const char* command : {"trials", "best-trials"}) {
    ASSERT_EQ(ecopt(fmt::format("{} --storage '{}' --study-name 'known study' --format table",
                                command, url())),
              0)
        << read_text(scratch / "stderr");
    const std::string table = read_text(scratch / "stdout");
    EXPECT_NE(table.find("J/inference  tuning J  energy source"), std::string::npos) << table;
    // Trial 2: 1/128 J per sample, training_j 150 J, measured by RAPL.
    EXPECT_NE(table.find("0.007812       150  rapl-powercap"), std::string::npos) << table;
  }
  const std::string all = read_text(scratch / "stdout");
  EXPECT_EQ(all.find("out of memory"), std::string::npos);  // best-trials: the front only
}

// A study file as `ecopt tune` reads it: ZDT1 in seconds, with carbon
// settings that differ from the report's own defaults.
void write_study_file(const fs::path& path, const std::string& url) {
  std::ofstream(path) << fmt::format(R"(
[study]
name = "carbon"
storage = "{}"
n_trials = 3

[[objectives]]
name = "f0"
direction = "minimize"

[[objectives]]
name = "f1"
direction = "minimize"

[task]
kind = "test-problem"
problem = "zdt1"
n_vars = 2

[energy]
carbon_region = "FR"
pue = 1.25
)",
                                     url);
}

std::string line_containing(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return "";
  const auto start = text.rfind('\n', at) + 1;  // npos + 1 == 0
  return text.substr(start, text.find('\n', at) - start);
}

TEST_F(ReportCli, CarbonSettingsComeFromTheStudyFileUnlessFlagsOverride) {
  const fs::path study_file = scratch / "carbon.toml";
  write_study_file(study_file, url());
  ASSERT_EQ(ecopt(fmt::format("tune '{}'", study_file.string())), 0)
      << read_text(scratch / "stderr") << read_text(scratch / "stdout");
  // tune's closing line: "tuning energy ... ≈ X gCO2e (FR 2023 annual average (...))".
  const std::string tune_line = line_containing(read_text(scratch / "stdout"), "gCO2e (FR ");
  ASSERT_FALSE(tune_line.empty()) << read_text(scratch / "stdout");
  const std::string basis = tune_line.substr(tune_line.find("(FR ") + 1);  // "FR ... )"

  const fs::path out = scratch / "out";
  ASSERT_EQ(ecopt(fmt::format("report --storage '{}' --study-name carbon --out '{}'", url(),
                              out.string())),
            0)
      << read_text(scratch / "stderr");
  const std::string card = read_text(out / "model-card.md");
  const std::string carbon = line_containing(card, "- Carbon:");
  // The same basis as tune's line (its closing parenthesis is ours too).
  EXPECT_NE(carbon.find(basis.substr(0, basis.size() - 1) + ", from the study file's [energy])"),
            std::string::npos)
      << carbon << "\nvs tune: " << tune_line;
  EXPECT_NE(carbon.find("PUE 1.25 (from the study file's [energy])"), std::string::npos) << carbon;
  EXPECT_NE(read_text(scratch / "stdout").find("carbon: "), std::string::npos);

  ASSERT_EQ(ecopt(fmt::format("report --storage '{}' --study-name carbon --out '{}' --region DE",
                              url(), out.string())),
            0)
      << read_text(scratch / "stderr");
  const std::string overridden = line_containing(read_text(out / "model-card.md"), "- Carbon:");
  EXPECT_NE(overridden.find("(DE "), std::string::npos) << overridden;
  EXPECT_NE(overridden.find(", from --region)"), std::string::npos) << overridden;
  EXPECT_NE(overridden.find("PUE 1.25 (from the study file's [energy])"), std::string::npos)
      << overridden;
}

TEST_F(ReportCli, AStudyWithoutAStoredFileSaysItUsesTheDefaults) {
  const fs::path out = scratch / "out";
  ASSERT_EQ(ecopt(fmt::format("report --storage '{}' --study-name 'known study' --out '{}'",
                              url(), out.string())),
            0)
      << read_text(scratch / "stderr");
  const std::string carbon = line_containing(read_text(out / "model-card.md"), "- Carbon:");
  EXPECT_NE(carbon.find("(world "), std::string::npos) << carbon;
  EXPECT_NE(carbon.find("default: no flag, and the study file sets none"), std::string::npos)
      << carbon;
  EXPECT_NE(carbon.find("PUE 1 ("), std::string::npos) << carbon;
}

}  // namespace
}  // namespace ecopt::report
