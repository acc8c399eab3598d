// The real `ecopt report` binary on a SQLite study with known values.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "known_study.hpp"

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
  EXPECT_NE(card.find("intensity 400 gCO2e/kWh (user value) and PUE 1.5"), std::string::npos);
  EXPECT_NE(read_text(scratch / "stdout").find("report.html"), std::string::npos);
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

}  // namespace
}  // namespace ecopt::report
