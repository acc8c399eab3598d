// Hostile input at every door of the real `ecopt` binary (trial output,
// result files, flags, sampler options, study files): each ends in a
// one-line error or a FAILED trial with a one-line reason, never a crash, a
// hang or data that later readers choke on.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_study.hpp"
#include "polling.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using testing::ProcessResult;
using testing::TempDir;

// `{"d": [[…0…]]}` nested `depth` levels deep.
std::string nested_json(std::size_t depth) {
  return R"({"d": )" + std::string(depth, '[') + "0" + std::string(depth, ']') + "}";
}

class UntrustedInput : public ::testing::Test {
 protected:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  // Runs a one-trial command study whose program is the shell `script`,
  // then returns its trials as `ecopt trials` lists them.
  nlohmann::json tune_one(const std::string& name, const std::string& script,
                          const std::string& task_extra = "") {
    const auto study = testing::command_study(dir_.path(), name, url_, 1,
                                              write(name + ".sh", script), task_extra);
    const auto tuned = ecopt({"tune", study});
    EXPECT_LT(tuned.exit_code, 128) << "killed by a signal\n" << tuned.err;
    const auto listed = ecopt({"trials", "--storage", url_, "--study-name", name});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return nlohmann::json::parse(listed.out);
  }
  static void expect_one_line_error(const ProcessResult& result, const std::string& message) {
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_THAT(result.err, HasSubstr("ecopt: error: "));
    EXPECT_THAT(result.err, HasSubstr(message));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  static void expect_failed_with(const nlohmann::json& trials, const std::string& reason) {
    ASSERT_EQ(trials.size(), 1u) << trials.dump();
    EXPECT_EQ(trials[0]["state"], "FAIL") << trials.dump();
    const auto& reason_json = trials[0]["fail_reason"];
    const std::string why = reason_json.is_string() ? reason_json.get<std::string>() : "";
    EXPECT_THAT(why, HasSubstr(reason));
    EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  }

  TempDir dir_{"untrusted"};
  std::string url_ = "sqlite:///" + (dir_ / "u.db").string();
};

TEST_F(UntrustedInput, DeeplyNestedTrialOutputFailsTheTrialNotTheTuner) {
  const auto line = write("line.txt", "ECOPT " + nested_json(100'000) + "\n");
  expect_failed_with(tune_one("line", fmt::format("cat '{}'\n", line.string())),
                     "more than 64 levels deep");
  const auto result = write("result.json", nested_json(100'000));
  expect_failed_with(
      tune_one("file", fmt::format("cp '{}' \"$ECOPT_RESULT_FILE\"\n", result.string())),
      "more than 64 levels deep");
}

TEST_F(UntrustedInput, ADeeplyNestedSearchSpaceIsAOneLineError) {
  ASSERT_EQ(ecopt({"create-study", "--storage", url_, "--study-name", "s"}).exit_code, 0);
  const auto space = write("space.json", nested_json(400'000));
  const auto asked = ecopt({"ask", "--storage", url_, "--study-name", "s", "--search-space",
                            "@" + space.string()});
  expect_one_line_error(asked, "more than 64 levels deep");
}

TEST_F(UntrustedInput, AResultFileTurnedIntoAFifoFailsTheTrialInsteadOfBlocking) {
  const auto study = testing::command_study(
      dir_.path(), "fifo", url_, 1,
      write("fifo.sh", "echo 'ECOPT {\"f0\": 1}'\nrm -f \"$ECOPT_RESULT_FILE\"\n"
                       "mkfifo \"$ECOPT_RESULT_FILE\"\n"));
  testing::ChildProcess tune({ECOPT_CLI_PATH, "tune", study}, dir_.path());
  const bool ended =
      testing::wait_until([&] { return !testing::process_alive(tune.pid()); },
                          std::chrono::seconds(60));
  ASSERT_TRUE(ended) << "tune still blocked on the FIFO after 60 s";
  EXPECT_EQ(tune.wait().exit_code, 1);  // "no trial of study 'fifo' completed"
  const auto listed = ecopt({"trials", "--storage", url_, "--study-name", "fifo"});
  expect_failed_with(nlohmann::json::parse(listed.out), "not a regular file");
}

TEST_F(UntrustedInput, SamplerOptionsOutOfRangeAreOneLineErrorsNamingTheRange) {
  ASSERT_EQ(ecopt({"create-study", "--storage", url_, "--study-name", "s"}).exit_code, 0);
  const std::string space = R"({"x": {"type": "float", "low": 0, "high": 1}})";
  // Two complete trials, so that mobo fits its models and uses the options.
  for (const char* value : {"0.25", "0.75"}) {
    const auto asked = ecopt({"ask", "--storage", url_, "--study-name", "s", "--search-space",
                              space, "--sampler", "random"});
    const auto number = nlohmann::json::parse(asked.out)["number"].get<int>();
    ASSERT_EQ(ecopt({"tell", "--storage", url_, "--study-name", "s", "--trial-number",
                     std::to_string(number), "--values", value})
                  .exit_code,
              0);
  }
  for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{
           {"sobol_candidates", "3000000000"},
           {"local_candidates", "9223372036854775807"},
           {"posterior_samples", "100000000"}}) {
    const auto asked = ecopt({"ask", "--storage", url_, "--study-name", "s", "--search-space",
                              space, "--sampler", "mobo", "--sampler-kwargs",
                              fmt::format(R"({{"initial_trials": 0, "{}": {}}})", option, value)});
    expect_one_line_error(asked, fmt::format("mobo option '{}' must be an integer in [", option));
    EXPECT_THAT(asked.err, HasSubstr("got " + value));
  }
  const auto listed = ecopt({"trials", "--storage", url_, "--study-name", "s"});
  EXPECT_EQ(nlohmann::json::parse(listed.out).size(), 2u) << "a refused ask creates no trial";
}

TEST_F(UntrustedInput, StderrThatIsNotUtf8IsStoredValidAndCutOnCharacterBoundaries) {
  std::string euros;
  for (int i = 0; i < 1000; ++i) euros += "€";
  const auto trials = tune_one(
      "utf8", fmt::format("printf '%s\\n' '{}' >&2\n"
                          "{{ printf 'bad \\377\\376 and '; head -c 1 /dev/zero; printf ' nul\\n'; }} >&2\n"
                          "exit 3\n",
                          euros));
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0]["state"], "FAIL");
  const std::string reason = trials[0]["fail_reason"].get<std::string>();
  const auto euro_line_end = reason.find("\nbad ");
  ASSERT_NE(euro_line_end, std::string::npos) << reason;
  EXPECT_TRUE(reason.substr(0, euro_line_end).ends_with("€€€€")) << reason;
  EXPECT_EQ(reason.find('\0'), std::string::npos);
  EXPECT_THAT(reason, HasSubstr("bad \xEF\xBF\xBD\xEF\xBF\xBD and \xEF\xBF\xBD nul"));
  EXPECT_THAT(reason, HasSubstr("[3 bytes replaced by U+FFFD: not UTF-8, or NUL]"));
  // The stored text is what every later reader can take.
  const auto exported = ecopt({"export", "--storage", url_, "--study-name", "utf8", "--to",
                               "optuna", "--out", "sqlite:///" + (dir_ / "optuna.db").string()});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
}

TEST_F(UntrustedInput, LongMetricStringsAreCutAndSaySo) {
  const std::string big(100'000, 'a');
  const auto trials = tune_one(
      "long", fmt::format("printf 'ECOPT {{\"f0\": 1, \"note\": \"{}\"}}\\n'\n"
                          "printf '{{\"log\": \"{}\"}}' > \"$ECOPT_RESULT_FILE\"\n",
                          big, big));
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0]["state"], "COMPLETE") << trials.dump().substr(0, 2000);
  for (const char* name : {"note", "log"}) {
    const std::string stored = trials[0]["user_attrs"][name].get<std::string>();
    EXPECT_LE(stored.size(), 65'536u) << name;
    EXPECT_THAT(stored, HasSubstr("bytes cut")) << name;
  }
}

TEST_F(UntrustedInput, TaskEnvNamesAreCheckedWhenTheStudyFileLoads) {
  for (const auto& [env, message] : std::vector<std::pair<std::string, std::string>>{
           {R"(env = { ECOPT_RESULT_FILE = "/tmp/x" })", "ECOPT_ names are reserved"},
           {R"(env = { ECOPT_PARAM_X = "1" })", "ECOPT_ names are reserved"},
           {R"(env = { "A=B" = "1" })", "not an environment variable name"},
           {R"(env = { "" = "1" })", "not an environment variable name"}}) {
    const auto study = testing::command_study(dir_.path(), "env", url_, 1,
                                              write("env.sh", "echo 'ECOPT {\"f0\": 1}'\n"), env);
    const auto tuned = ecopt({"tune", study});
    expect_one_line_error(tuned, message);
    EXPECT_THAT(tuned.err, HasSubstr("task.env")) << env;
  }
}

TEST_F(UntrustedInput, NamesWithANulByteAreRefused) {
  const auto script = write("ok.sh", "echo 'ECOPT {\"f0\": 1}'\n");
  const auto study = testing::command_study(dir_.path(), R"(a\u0000b)", url_, 1, script);
  expect_one_line_error(ecopt({"tune", study}), "study name 'a\\x00b' holds a NUL byte");
  std::string text = testing::read_file(testing::command_study(dir_.path(), "obj", url_, 1, script));
  text.replace(text.find(R"(name = "f0")"), 11, R"(name = "f\u0000")");
  const auto objective = write("objective.toml", text);
  expect_one_line_error(ecopt({"tune", objective.string()}),
                        "objective name 'f\\x00' holds a NUL byte");
}

}  // namespace
}  // namespace ecopt
