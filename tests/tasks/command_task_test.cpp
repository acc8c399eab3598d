// The command task against real child processes (Debian's /usr/bin/python3
// runs the scripts the tests write).
#include "ecopt/tasks/command_task.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_nvml.hpp"
#include "subprocess.hpp"

#include "ecopt/core/error.hpp"
#include "ecopt/energy/meter.hpp"

namespace ecopt {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPython = "/usr/bin/python3";

class CommandTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ecopt-command-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    auto discovery = discover_meters(DiscoveryOptions{});
    monitor_ = std::make_unique<EnergyMonitor>(std::move(discovery.meters));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string script(const std::string& name, const std::string& body) {
    const auto path = dir_ / name;
    std::ofstream(path) << "import json, os, sys, time\n" << body << "\n";
    return path.string();
  }

  TaskOutcome run(const nlohmann::json& config, const ParamMap& params,
                  const SearchSpace* space = nullptr,
                  std::optional<std::string> device = std::nullopt) {
    auto task = make_command_task(config);
    TaskContext context{params, 3, *monitor_, stop_, {}, {}, space, std::move(device)};
    return task->run(context);
  }

  fs::path dir_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<EnergyMonitor> monitor_;
};

TEST_F(CommandTaskTest, ValuesWithSpacesAndShellMetacharactersReachTheProgramUnchanged) {
  const auto out = (dir_ / "argv.json").string();
  const auto program = script("argv.py",
                              "json.dump({'argv': sys.argv[1:], 'env': os.environ['ECOPT_PARAM_"
                              "NAME_WITH_DASH'], 'file': json.load(open(os.environ['ECOPT_PARAMS_"
                              "FILE']))}, open(sys.argv[1], 'w'))\n"
                              "print('ECOPT {\"y\": 1}')");
  const std::string hostile = "a b; rm -rf / $(echo x) `id` 'q' \"d\" * | > {}";
  const ParamMap params{{"name-with-dash", hostile}, {"x", 0.5}};
  const auto outcome =
      run({{"kind", "command"},
           {"argv", {kPython, program, out, "{name-with-dash}", "--x={x}", "{{literal}}"}}},
          params);
  EXPECT_EQ(outcome.metrics["y"], 1);
  const auto written = nlohmann::json::parse(std::ifstream(out));
  EXPECT_EQ(written["argv"], nlohmann::json({out, hostile, "--x=0.5", "{literal}"}));
  EXPECT_EQ(written["env"], hostile);
  EXPECT_EQ(written["file"]["name-with-dash"], hostile);
  EXPECT_EQ(written["file"]["x"], 0.5);
}

TEST(CommandTemplate, InactiveParametersDropTheElementAndTyposAreErrors) {
  const SearchSpace space({{"opt", CategoricalDistribution{{std::string("adam"), std::string("sgd")}}, {}},
                           {"momentum", FloatDistribution{0.0, 0.9, false, {}},
                            Condition{"opt", {std::string("sgd")}}}});
  const ParamMap params{{"opt", std::string("adam")}};
  EXPECT_EQ(render_template("--opt={opt}", params, &space), "--opt=adam");
  EXPECT_EQ(render_template("--momentum={momentum}", params, &space), std::nullopt);
  EXPECT_THROW(render_template("--lr={lr}", params, &space), InputError);
  EXPECT_THROW(render_template("--x={opt", params, &space), InputError);
  EXPECT_THROW(render_template("a}b", params, &space), InputError);
  EXPECT_EQ(param_env_name("learning-rate.v2"), "ECOPT_PARAM_LEARNING_RATE_V2");
}

TEST_F(CommandTaskTest, NonZeroExitFailsWithTheStatusAndTheLastLinesOfStderr) {
  const auto program = script("fail.py", "print('first words', file=sys.stderr)\n"
                                         "print('the real cause', file=sys.stderr)\nsys.exit(3)");
  try {
    run({{"kind", "command"}, {"argv", {kPython, program}}}, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("exit code 3"));
    EXPECT_THAT(e.what(), HasSubstr("the real cause"));
  }
}

TEST_F(CommandTaskTest, ProgramNotFoundIsAClearError) {
  EXPECT_THROW(run({{"kind", "command"}, {"argv", {"/nonexistent/trainer"}}}, {}), Error);
}

// Found by a hostile tester (issue 16): the 'command' window was opened
// before the program started, stayed open when it could not, and every
// later trial then failed with "already open" instead of its own cause.
TEST_F(CommandTaskTest, AProgramThatCannotStartLeavesTheMonitorReadyForTheNextTrial) {
  const nlohmann::json missing_program = {
      {"kind", "command"}, {"argv", {"/nonexistent/trainer"}}, {"retries", 2}};
  const nlohmann::json missing_workdir = {
      {"kind", "command"}, {"argv", {kPython, "-c", "pass"}}, {"workdir", "/nonexistent/dir"}};
  for (const auto& config : {missing_program, missing_program, missing_workdir}) {
    try {
      run(config, {});
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("/nonexistent/"));
      EXPECT_THAT(e.what(), Not(HasSubstr("already open")));
    }
  }
  const auto program = script("ok.py", "print('ECOPT {\"y\": 1}')");
  EXPECT_EQ(run({{"kind", "command"}, {"argv", {kPython, program}}}, {}).metrics["y"], 1);
}

TEST_F(CommandTaskTest, MalformedAndNonFiniteLinesFailTheTrial) {
  const auto bad_json = script("bad.py", "print('ECOPT {accuracy: 1}')");
  EXPECT_THROW(run({{"kind", "command"}, {"argv", {kPython, bad_json}}}, {}), Error);
  const auto nan = script("nan.py", "print('ECOPT ' + json.dumps({'accuracy': float('nan')}))");
  try {
    run({{"kind", "command"}, {"argv", {kPython, nan}}}, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("non-finite"));
  }
  const auto unended = script("open.py",
                              "print('ECOPT {\"event\": \"begin\", \"phase\": \"p\"}')\n"
                              "print('left phase p open', file=sys.stderr)");
  try {
    run({{"kind", "command"}, {"argv", {kPython, unended}}}, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("never ended"));
    EXPECT_THAT(e.what(), HasSubstr("left phase p open"));  // the stderr tail comes along
  }
}

TEST_F(CommandTaskTest, ALeasedGpuIsTheOnlyOneTheProgramSees) {
  const auto program = script("device.py",
                              "print('ECOPT ' + json.dumps({'device': os.environ.get('ECOPT_DEVICE', '-'), "
                              "'visible': os.environ.get('CUDA_VISIBLE_DEVICES', '-')}))");
  const nlohmann::json config = {{"kind", "command"}, {"argv", {kPython, program}}};
  // Our own CUDA_VISIBLE_DEVICES maps cuda:1 to physical GPU 7.
  ::setenv("CUDA_VISIBLE_DEVICES", "5,7", 1);
  const auto leased = run(config, {}, nullptr, "cuda:1");
  EXPECT_THROW(run(config, {}, nullptr, "cuda:2"), Error);
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  EXPECT_EQ(leased.metrics["device"], "cuda:1");
  EXPECT_EQ(leased.metrics["visible"], "7");
  EXPECT_EQ(run(config, {}, nullptr, "cuda:1").metrics["visible"], "1");
  EXPECT_EQ(run(config, {}).metrics["device"], "-");

  // Where NVML knows the GPU, by its UUID (cuda:1 is the second on the PCI bus).
  testing::FakeNvml nvml;
  nvml.add_device(0x81, "GPU-cccc-3333", "NVIDIA A100", 0, 0);
  nvml.add_device(0x01, "GPU-aaaa-1111", "NVIDIA A100", 0, 0);
  DiscoveryOptions options;
  options.nvml_library = ECOPT_FAKE_NVML_PATH;
  options.background_polling = false;
  monitor_ = std::make_unique<EnergyMonitor>(discover_meters(options).meters);
  EXPECT_EQ(run(config, {}, nullptr, "cuda:1").metrics["visible"], "GPU-cccc-3333");
}

TEST_F(CommandTaskTest, FieldsOfTheWrongTypeOrRangeFailTheTrialWithoutCrashing) {
  // Each line is valid JSON that the JSON library refuses to convert: the
  // trial must fail with the line quoted, not take the process down.
  for (const std::string line :
       {R"(ECOPT {"event": "begin", "phase": "p"}\nECOPT {"event": "end", "phase": "p", "samples": "ten"})",
        R"(ECOPT {"event": 5, "phase": "p"})", R"(ECOPT {"event": "begin", "phase": null})",
        R"(ECOPT {"accuracy": 1e999})",
        // samples must count: not a fraction, not negative, not beyond 2^53
        // (326e30 found by the protocol_line fuzzer: undefined behaviour).
        R"(ECOPT {"event": "begin", "phase": "p"}\nECOPT {"event": "end", "phase": "p", "samples": 2.5})",
        R"(ECOPT {"event": "begin", "phase": "p"}\nECOPT {"event": "end", "phase": "p", "samples": -3})",
        R"(ECOPT {"event": "begin", "phase": "p"}\nECOPT {"event": "end", "phase": "p", "samples": 326e30})"}) {
    const auto program = script("typed.py", "print('" + line + "')");
    try {
      run({{"kind", "command"}, {"argv", {kPython, program}}}, {});
      ADD_FAILURE() << "expected an error for " << line;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("ECOPT line")) << line;
    }
  }
}

TEST_F(CommandTaskTest, ResultFileMetricsAreMerged) {
  const auto program = script("file.py",
                              "print('ECOPT {\"a\": 1, \"b\": 1}')\n"
                              "json.dump({'b': 2, 'c': 'x'}, open(os.environ['ECOPT_RESULT_FILE'], 'w'))");
  const auto outcome = run({{"kind", "command"}, {"argv", {kPython, program}}}, {});
  EXPECT_EQ(outcome.metrics["a"], 1);
  EXPECT_EQ(outcome.metrics["b"], 2);
  EXPECT_EQ(outcome.metrics["c"], "x");
  const auto broken = script("broken.py", "open(os.environ['ECOPT_RESULT_FILE'], 'w').write('[1')");
  EXPECT_THROW(run({{"kind", "command"}, {"argv", {kPython, broken}}}, {}), Error);
}

TEST_F(CommandTaskTest, TimeoutStopsTheWholeProcessTree) {
  const auto pid_file = (dir_ / "grandchild.pid").string();
  const auto program = script(
      "slow.py", "import subprocess\n"
                 "child = subprocess.Popen(['sleep', '300'])\n"
                 "open(sys.argv[1], 'w').write(str(child.pid))\n"
                 "time.sleep(300)");
  const auto start = std::chrono::steady_clock::now();
  try {
    run({{"kind", "command"}, {"argv", {kPython, program, pid_file}}, {"timeout_s", 1.0},
         {"grace_s", 0.5}},
        {});
    FAIL() << "expected a timeout";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("timed out"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  const pid_t grandchild = std::stoi(std::string(std::istreambuf_iterator<char>(
                                                     *std::make_unique<std::ifstream>(pid_file)),
                                                 {}));
  // The grandchild is reaped by init once killed; give it a moment.
  EXPECT_TRUE(testing::wait_until([&] { return !testing::process_alive(grandchild); },
                                  std::chrono::seconds(1)));
}

TEST_F(CommandTaskTest, StopRequestInterruptsTheProgram) {
  const auto program = script("sleepy.py", "time.sleep(300)");
  std::thread stopper([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop_ = true;
  });
  EXPECT_THROW(run({{"kind", "command"}, {"argv", {kPython, program}}, {"grace_s", 0.5}}, {}),
               TrialInterrupted);
  stopper.join();
}

// A step line is a point of the learning curve, reported as it is read;
// a "stop" answer ends the program with SIGTERM (it may save its state),
// and the trial keeps what it reported.
TEST_F(CommandTaskTest, APrunedProgramIsStoppedWithSigtermKeepingWhatItReported) {
  const auto marker = (dir_ / "terminated").string();
  const auto program = script(
      "curve.py",
      "import signal\n"
      "def on_term(*_):\n"
      "    open(sys.argv[1], 'w').write('saved'); sys.exit(0)\n"
      "signal.signal(signal.SIGTERM, on_term)\n"
      "for step in range(1, 100):\n"
      "    print('ECOPT ' + json.dumps({'step': step, 'last_step': 99, 'val_accuracy': 0.1 * step}))\n"
      "    time.sleep(0.05)\n"
      "print('ECOPT {\"finished\": 1}')");
  auto task = make_command_task({{"kind", "command"}, {"argv", {kPython, program, marker}}, {"grace_s", 30}});
  std::vector<IntermediateReport> seen;
  TaskContext context{{}, 3, *monitor_, stop_, {}, {}};
  context.report = [&](const IntermediateReport& report) -> std::optional<std::string> {
    seen.push_back(report);
    if (report.step == 2) return std::string("front-reach: cannot enter the Pareto front");
    return std::nullopt;
  };
  const auto outcome = task->run(context);
  ASSERT_TRUE(outcome.pruned_reason);
  EXPECT_THAT(*outcome.pruned_reason, HasSubstr("front-reach"));
  ASSERT_GE(seen.size(), 2u);  // points read in one poll are all stored
  EXPECT_EQ(seen[1].step, 2);
  EXPECT_EQ(seen[1].last_step, 99);
  EXPECT_DOUBLE_EQ(seen[1].values["val_accuracy"].get<double>(), 0.2);
  EXPECT_GE(outcome.metrics["val_accuracy"].get<double>(), 0.2);
  EXPECT_FALSE(outcome.metrics.contains("finished"));
  EXPECT_TRUE(outcome.metrics.contains("command_j"));  // the energy it spent
  EXPECT_TRUE(fs::exists(marker)) << "the program got no SIGTERM";
}

TEST_F(CommandTaskTest, AProgramIgnoringSigtermIsKilledAfterTheGracePeriod) {
  const auto program = script("stubborn.py",
                              "import signal\n"
                              "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                              "print('ECOPT {\"step\": 1, \"val_accuracy\": 0.3}')\n"
                              "time.sleep(300)");
  auto task = make_command_task({{"kind", "command"}, {"argv", {kPython, program}}, {"grace_s", 0.2}});
  TaskContext context{{}, 3, *monitor_, stop_, {}, {}};
  context.report = [](const IntermediateReport&) { return std::optional<std::string>("pruned"); };
  const auto outcome = task->run(context);
  EXPECT_EQ(outcome.pruned_reason, "pruned");
  EXPECT_EQ(outcome.metrics["val_accuracy"], 0.3);
}

TEST_F(CommandTaskTest, BadStepLinesFailTheTrial) {
  for (const std::string line : {R"({"step": -1, "a": 1})", R"({"step": 1.5, "a": 1})",
                                 R"({"step": 2, "a": "x"})", R"({"step": 2})"}) {
    const auto program = script("bad.py", "print('ECOPT ' + open(sys.argv[1]).read())");
    const auto line_file = (dir_ / "line.json").string();
    std::ofstream(line_file) << line;
    try {
      run({{"kind", "command"}, {"argv", {kPython, program, line_file}}}, {});
      ADD_FAILURE() << "accepted " << line;
    } catch (const Error& error) {
      EXPECT_THAT(error.what(), HasSubstr("ECOPT line 1")) << line;
    }
  }
}

TEST_F(CommandTaskTest, RetriesRunAFailingAttemptAgain) {
  const auto marker = (dir_ / "attempted").string();
  const auto program = script("flaky.py",
                              "if not os.path.exists(sys.argv[1]):\n"
                              "    open(sys.argv[1], 'w').close(); sys.exit(1)\n"
                              "print('ECOPT {\"ok\": 1}')");
  const auto outcome =
      run({{"kind", "command"}, {"argv", {kPython, program, marker}}, {"retries", 1}}, {});
  EXPECT_EQ(outcome.metrics["ok"], 1);
  EXPECT_EQ(outcome.metrics["attempts"], 2);
}

TEST_F(CommandTaskTest, PhasesAreMeasuredApartFromTheRest) {
  // 0.4 s of busy CPU outside any phase, then 0.4 s inside "inference".
  const auto program = script("phases.py",
                              "def spin(s):\n"
                              "    end = time.process_time() + s\n"
                              "    while time.process_time() < end: pass\n"
                              "spin(0.4)\n"
                              "print('ECOPT {\"event\": \"begin\", \"phase\": \"inference\"}', flush=True)\n"
                              "spin(0.4)\n"
                              "print('ECOPT {\"event\": \"end\", \"phase\": \"inference\", \"samples\": 200}', flush=True)\n"
                              "print('ECOPT {\"accuracy\": 0.5}')");
  const auto outcome = run({{"kind", "command"}, {"argv", {kPython, program}}}, {});
  const auto& m = outcome.metrics;
  ASSERT_TRUE(m.contains("inference_j")) << m.dump();
  const double phase_j = m["inference_j"].get<double>();
  const double total_j = m["command_j"].get<double>();
  EXPECT_GT(phase_j, 0.0) << m.dump();
  EXPECT_LT(phase_j, total_j);
  // About half of the busy time is in the phase (wide bounds: loaded CI).
  EXPECT_GT(phase_j / total_j, 0.2);
  EXPECT_LT(phase_j / total_j, 0.8);
  // Wall time is at least the phase's CPU time (more on a loaded machine).
  EXPECT_GT(m["inference_s"].get<double>(), 0.3);
  EXPECT_LT(m["inference_s"].get<double>(), m["command_s"].get<double>());
  EXPECT_DOUBLE_EQ(m["inference_j_per_sample"].get<double>(), phase_j / 200);
  EXPECT_EQ(m["inference_samples"], 200);
  // One record per phase and one for the whole program, typed.
  ASSERT_EQ(outcome.energy.size(), 2u);
  const EnergyRecord& phase = outcome.energy[0];
  EXPECT_EQ(phase.name, "inference");
  EXPECT_EQ(phase.unit, "sample");
  EXPECT_EQ(phase.units_per_window, 200u);
  EXPECT_DOUBLE_EQ(*phase.j_per_unit, phase_j / 200);
  EXPECT_TRUE(phase.resolved()) << "a 0.4 s busy phase spans 40 ticks of 10 ms";
  EXPECT_FALSE(phase.shared) << "the output reader opens the phase for the trial's thread";
  EXPECT_EQ(outcome.energy[1].name, "command");
  EXPECT_FALSE(outcome.energy[1].shared);
  EXPECT_FALSE(m.contains("tuning_j")) << "tuning energy is the runner's whole-trial window";
}

// Issue 16: ECOPT_STORAGE (a URL with the database password) reached
// every trial program; nothing holding storage credentials may.
TEST_F(CommandTaskTest, StorageUrlsAndCredentialsStayOutOfTheProgramsEnvironment) {
  const auto program = script("env.py", "print('ECOPT ' + json.dumps({'env': ' '.join(\n"
                                        "    k + '=' + v for k, v in os.environ.items())}))");
  for (const char* name : {"ECOPT_STORAGE", "ECOPT_WORKER_STORAGE", "PGPASSWORD"}) {
    ::setenv(name, "postgresql://u:hunter2@db/x", 1);
  }
  const auto outcome = run({{"kind", "command"}, {"argv", {kPython, program}}}, {});
  for (const char* name : {"ECOPT_STORAGE", "ECOPT_WORKER_STORAGE", "PGPASSWORD"}) {
    ::unsetenv(name);
  }
  const auto env = outcome.metrics["env"].get<std::string>();
  EXPECT_THAT(env, Not(HasSubstr("hunter2")));
  EXPECT_THAT(env, HasSubstr("ECOPT_TRIAL_NUMBER=3"));
}

// Issue 16: a 50 MB stderr line became a 52,428,863-character fail_reason,
// and an over-long ECOPT line was quoted whole in the error.
TEST_F(CommandTaskTest, WhatAFailingProgramPrintedIsKeptAsABoundedTail) {
  const auto loud = script("loud.py", "sys.stderr.write('x' * 50_000_000 + ' the real cause\\n')\n"
                                      "sys.exit(2)");
  const auto long_line = script("long.py", "print('ECOPT {\"a\": ' + '1' * 5_000_000)");
  for (const auto& program : {loud, long_line}) {
    try {
      run({{"kind", "command"}, {"argv", {kPython, program}}}, {});
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_LT(std::string(e.what()).size(), 16'000u) << program;
      EXPECT_THAT(e.what(), HasSubstr("bytes cut")) << program;
    }
  }
}

TEST(CommandTaskConfig, BadSettingsAreInputErrors) {
  EXPECT_THROW(make_command_task({{"kind", "command"}}), InputError);
  EXPECT_THROW(make_command_task({{"kind", "command"}, {"argv", nlohmann::json::array()}}), InputError);
  EXPECT_THROW(make_command_task({{"kind", "command"}, {"argv", {"x", 3}}}), InputError);
  EXPECT_THROW(make_command_task({{"kind", "command"}, {"argv", {"x"}}, {"timout_s", 3}}), InputError);
  EXPECT_THROW(make_command_task({{"kind", "command"}, {"argv", {"x"}}, {"env", {{"A", 1}}}}),
               InputError);
}

}  // namespace
}  // namespace ecopt
