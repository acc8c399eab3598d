// The bad-input suite: every case in cases.txt runs the real ecopt binary
// against a seeded SQLite study and must end with a non-zero exit code and
// exactly one line on stderr, "ecopt: error: ..." with the expected text,
// leaving the stored study exactly as it was.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ecopt/storage/storage.hpp"
#include "scoped_env.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using testing::ProcessResult;
using testing::TempDir;

const std::string kSuiteDir = std::string(ECOPT_SOURCE_DIR) + "/tests/bad-input";

struct Case {
  int line = 0;
  int exit_code = 0;
  std::vector<std::string> expected;  // "!text": must not appear
  std::vector<std::string> args;
};

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  const auto end = text.find_last_not_of(" \t\r");
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(separator, start);
    parts.push_back(trim(text.substr(start, at == std::string::npos ? at : at - start)));
    if (at == std::string::npos) return parts;
    start = at + separator.size();
  }
}

// Splits at spaces; 'single quotes' keep one argument together.
std::vector<std::string> split_args(const std::string& text) {
  std::vector<std::string> args;
  std::string current;
  bool quoted = false;
  bool any = false;
  for (char c : text) {
    if (c == '\'') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) args.push_back(current);
      current.clear();
      any = false;
    } else {
      current += c;
      any = true;
    }
  }
  if (any) args.push_back(current);
  return args;
}

std::vector<Case> read_cases() {
  std::ifstream in(kSuiteDir + "/cases.txt");
  std::vector<Case> cases;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    const auto fields = split(line, " | ");
    if (fields.size() != 3) throw std::runtime_error("cases.txt:" + std::to_string(number) + ": want EXIT | EXPECTED | ARGS");
    cases.push_back({number, std::stoi(fields[0]), split(fields[1], " && "), split_args(fields[2])});
  }
  return cases;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string expand(std::string arg, const std::string& url) {
  arg = replace_all(replace_all(arg, "{url}", url), "{dir}", kSuiteDir);
  if (arg.rfind("{file:", 0) == 0 && arg.back() == '}') {
    std::string text = testing::read_file(kSuiteDir + "/" + arg.substr(6, arg.size() - 7));
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  return arg;
}

class BadInput : public ::testing::Test {
 protected:
  // The unreachable postgresql:// cases fail after the retries' 127 ms, not 11 s.
  testing::ScopedEnv quick_pg_retries_{"ECOPT_PG_RETRY_BACKOFF_MS", "1"};
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path(), dir_.path());
  }
  void seed() {
    const std::string space = R"({"x": {"type": "float", "low": 0, "high": 1}})";
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"create-study", "--storage", url_, "--study-name", "seeded", "--direction", "minimize"},
             {"ask", "--storage", url_, "--study-name", "seeded", "--sampler", "random", "--search-space", space},
             {"tell", "--storage", url_, "--study-name", "seeded", "--trial-number", "0", "--values", "0.5"},
             {"ask", "--storage", url_, "--study-name", "seeded", "--sampler", "random", "--search-space", space}}) {
      const auto result = ecopt(args);
      ASSERT_EQ(result.exit_code, 0) << result.err;
    }
  }
  // Everything stored: each study with its attributes and its trials. Read
  // in-process, as starting the binary twice per case would triple the time.
  std::string snapshot() {
    auto storage = open_storage(url_);
    nlohmann::json all = nlohmann::json::array();
    for (const auto& study : storage->studies()) {
      nlohmann::json trials = nlohmann::json::array();
      for (const auto& trial : storage->trials(study.id)) {
        nlohmann::json values = nlohmann::json::array();
        for (double value : trial.values) values.push_back(std::to_string(value));
        trials.push_back({{"number", trial.number}, {"state", to_string(trial.state)},
                          {"values", values}, {"params", to_json(trial.params)},
                          {"user_attrs", trial.user_attrs}, {"system_attrs", trial.system_attrs},
                          {"fail_reason", trial.fail_reason.value_or("")},
                          {"finished", trial.finished_at.has_value()}});
      }
      all.push_back({{"name", study.spec.name}, {"user_attrs", study.user_attrs}, {"trials", trials}});
    }
    return all.dump(1);
  }

  TempDir dir_{"bad-input"};
  std::string url_ = "sqlite:///" + (dir_ / "seeded.db").string();
};

TEST_F(BadInput, EveryCaseIsOneClearLineAndChangesNothing) {
  const auto cases = read_cases();
  ASSERT_GE(cases.size(), 25u);
  seed();
  const std::string before = snapshot();
  ASSERT_NE(before.find("\"RUNNING\""), std::string::npos) << before;
  ASSERT_NE(before.find("\"COMPLETE\""), std::string::npos) << before;
  for (const auto& bad : cases) {
    std::vector<std::string> args;
    for (const auto& arg : bad.args) args.push_back(expand(arg, url_));
    SCOPED_TRACE("cases.txt:" + std::to_string(bad.line));
    const auto result = ecopt(args);
    EXPECT_EQ(result.exit_code, bad.exit_code) << result.err;
    EXPECT_EQ(result.err.rfind("ecopt: error: ", 0), 0u) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line: " << result.err;
    EXPECT_LT(result.err.size(), 2000u) << "a line one can read: " << result.err.substr(0, 300);
    for (const auto& expected : bad.expected) {
      if (expected.rfind('!', 0) == 0) {
        EXPECT_EQ(result.err.find(expected.substr(1)), std::string::npos) << result.err;
        EXPECT_EQ(result.out.find(expected.substr(1)), std::string::npos) << result.out;
      } else {
        EXPECT_NE(result.err.find(expected), std::string::npos)
            << "want '" << expected << "' in: " << result.err;
      }
    }
    ASSERT_EQ(snapshot(), before) << "the stored study changed";
  }
}

}  // namespace
}  // namespace ecopt
