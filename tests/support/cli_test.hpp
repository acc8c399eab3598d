#pragma once
// A test of the real ecopt binary: a temporary folder to run it in, and
// what such tests run most (ecopt ARGS; a study's trials as JSON).
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subprocess.hpp"

namespace ecopt::testing {

class CliTest : public ::testing::Test {
 public:
  explicit CliTest(const std::string& tag) : dir_(tag) {}

  ProcessResult ecopt(std::vector<std::string> args) const {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return run_process(args, dir_.path());
  }
  // `ecopt trials` of the study; null (and a failure) when it fails.
  nlohmann::json trials(const std::string& url, const std::string& study) const {
    const auto listed = ecopt({"trials", "--storage", url, "--study-name", study, "--format", "json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return listed.exit_code == 0 ? nlohmann::json::parse(listed.out) : nlohmann::json();
  }
  // The names `ecopt studies` lists; empty (and a failure) when it fails.
  std::vector<std::string> study_names(const std::string& url) const {
    const auto listed = ecopt({"studies", "--storage", url, "--format", "json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    std::vector<std::string> names;
    if (listed.exit_code != 0) return names;
    for (const auto& study : nlohmann::json::parse(listed.out)) names.push_back(study.at("name"));
    return names;
  }

  TempDir dir_;
};

}  // namespace ecopt::testing
