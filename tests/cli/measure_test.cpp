// The real `ecopt measure` and `ecopt devices` on real commands: exit status
// passed through, arguments unchanged, the CPU-time estimate said plainly,
// Ctrl-C passed on to the command. The test main hides this host's sensors
// (tests/host_free_main.cpp); the tests that want a RAPL counter, frozen or
// moving, write a fake powercap tree and name it in ECOPT_POWERCAP_ROOT.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_powercap.hpp"
#include "scoped_env.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::TempDir;

constexpr double kDefaultWattsPerCore = 270.0 / 40.0;  // docs/energy.md

// Burns `seconds` of CPU time (not wall time: the machine is shared).
std::vector<std::string> busy_python(double seconds) {
  return {"/usr/bin/python3", "-c",
          "import time\nstart = time.process_time()\n"
          "while time.process_time() - start < " + std::to_string(seconds) + ": pass\n"};
}

class Measure : public ::testing::Test {
 protected:
  ProcessResult ecopt(std::vector<std::string> args) {
    args.insert(args.begin(), ECOPT_CLI_PATH);
    return testing::run_process(args, dir_.path());
  }
  ProcessResult measure(const std::vector<std::string>& flags,
                        const std::vector<std::string>& command) {
    std::vector<std::string> args{"measure"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return ecopt(args);
  }
  nlohmann::json measure_json(const std::vector<std::string>& flags,
                              const std::vector<std::string>& command) {
    std::vector<std::string> all{"--json", "--devices", "cpu"};
    all.insert(all.end(), flags.begin(), flags.end());
    const auto result = measure(all, command);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }
  TempDir dir_{"measure"};
};

TEST_F(Measure, PassesTheCommandsExitStatusThrough) {
  EXPECT_EQ(measure({}, {"/bin/sh", "-c", "exit 3"}).exit_code, 3);
  EXPECT_EQ(measure({}, {"/bin/true"}).exit_code, 0);
  // Killed by a signal: 128 + signal, as a shell reports it.
  EXPECT_EQ(measure({}, {"/bin/sh", "-c", "kill -TERM $$"}).exit_code, 128 + SIGTERM);
  // JSON too, and the report still comes.
  const auto json = measure({"--json"}, {"/bin/sh", "-c", "exit 5"});
  EXPECT_EQ(json.exit_code, 5);
  EXPECT_EQ(nlohmann::json::parse(json.out)["exit_status"]["shell_status"], 5);
}

TEST_F(Measure, JsonReportsTheCpuTimeEstimateOfABusyCommand) {
  const auto report = measure_json({}, busy_python(0.3));
  EXPECT_EQ(report["source"], "estimate-cpu-time");
  EXPECT_TRUE(report["estimate"].get<bool>());
  EXPECT_THAT(report["estimate_note"].get<std::string>(), HasSubstr("ESTIMATE"));
  const double cpu_s = report["command_cpu_s"].get<double>();
  const double energy_j = report["energy_j"].get<double>();
  EXPECT_GE(cpu_s, 0.3);
  EXPECT_GT(energy_j, 0.0);
  EXPECT_NEAR(energy_j, cpu_s * kDefaultWattsPerCore, 0.01 * energy_j + 0.01);
  EXPECT_GE(report["duration_s"].get<double>(), 0.3);
  EXPECT_NEAR(report["average_power_w"].get<double>(), energy_j / report["duration_s"].get<double>(),
              1e-9);
  ASSERT_EQ(report["window"]["readings"].size(), 1u);
  EXPECT_EQ(report["window"]["readings"][0]["domain"], "cpu-time");
  EXPECT_TRUE(report["net_energy_j"].is_null());  // no baseline asked for
  // Carbon at the world average (481 g/kWh, PUE 1).
  EXPECT_NEAR(report["carbon"]["grams_co2e"].get<double>(), energy_j / 3.6e6 * 481.0, 1e-9);
  EXPECT_FALSE(report["unavailable"].empty());
}

// Issue 23: what the meters can resolve, whether the window is resolved,
// how many windows were measured and their spread, in text and JSON, from
// the same energy record a trial stores.
TEST_F(Measure, StatesResolutionWindowsAndSpread) {
  const auto report = measure_json({}, busy_python(0.3));
  ASSERT_TRUE(report.contains("record")) << report.dump();
  const auto& record = report["record"];
  EXPECT_EQ(record["windows"], 1);
  EXPECT_DOUBLE_EQ(record["resolution_s"].get<double>(), 0.01);  // the CPU-time tick
  EXPECT_GT(record["resolution_j"].get<double>(), 0.0);
  EXPECT_TRUE(record["resolved"].get<bool>()) << record.dump();  // 0.3 s is 30 ticks
  EXPECT_TRUE(record["flags"].empty()) << record.dump();
  EXPECT_FALSE(record.contains("spread"));
  const auto text = measure({"--devices", "cpu"}, {"/bin/true"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.err, HasSubstr("resolution      "));
  EXPECT_THAT(text.err, HasSubstr("per window (meter step 0.01 s)"));
  EXPECT_THAT(text.err, HasSubstr("NOT resolved"));
  EXPECT_THAT(text.err, HasSubstr("windows         1 (no spread: one run is one window)"));
}

TEST_F(Measure, WattsPerCoreRegionAndPueChangeTheFigures) {
  const auto report = measure_json(
      {"--cpu-watts-per-core", "10", "--carbon-intensity", "100", "--pue", "1.5"}, busy_python(0.1));
  const double energy_j = report["energy_j"].get<double>();
  EXPECT_NEAR(energy_j, report["command_cpu_s"].get<double>() * 10.0, 0.01 * energy_j + 0.01);
  EXPECT_NEAR(report["carbon"]["grams_co2e"].get<double>(), energy_j / 3.6e6 * 100.0 * 1.5, 1e-9);
  const auto french = measure_json({"--region", "FR"}, {"/bin/true"});
  EXPECT_EQ(french["carbon"]["g_per_kwh"], 56.0);
}

TEST_F(Measure, HumanReportGoesToStderrAndSaysItIsAnEstimate) {
  const auto result = measure({}, {"/bin/sh", "-c", "echo hello"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "hello\n");  // the command's stdout stays clean
  EXPECT_THAT(result.err, HasSubstr("duration"));
  EXPECT_THAT(result.err, HasSubstr("estimate-cpu-time"));
  EXPECT_THAT(result.err, HasSubstr("gCO2e"));
  EXPECT_THAT(result.err, HasSubstr("ESTIMATE: no energy sensor is readable here"));
  // The test main hides the SMT topology too: each thread is charged as a core.
  EXPECT_THAT(result.err, HasSubstr("figures are CPU time × 6.75 W per hardware thread (6.75 W per "
                                    "core, each thread charged as a whole core: threads per core "
                                    "unknown"));
  // No NVIDIA driver, no RAPL (the test main's machine); each says why.
  EXPECT_THAT(result.err, HasSubstr("unavailable: nvml: cannot load /nonexistent/"));
  EXPECT_THAT(result.err, HasSubstr("unavailable: rapl-powercap:"));
  EXPECT_THAT(result.err, HasSubstr("unavailable: rapl-perf:"));
}

TEST_F(Measure, ArgumentsReachTheCommandUnchanged) {
  const auto result =
      measure({}, {"/usr/bin/printf", "%s|", "a b", "", "  c  ", "$HOME", "*", "it's", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "a b||  c  |$HOME|*|it's|--json|");
  // The report names the command as a shell would need it quoted.
  EXPECT_THAT(result.err, HasSubstr(R"(ecopt measure: /usr/bin/printf '%s|' 'a b' '' '  c  ' '$HOME' '*' 'it'\''s' --json)"));
}

TEST_F(Measure, ACommandThatCannotStartIsAOneLineErrorWithStatus127) {
  for (const std::string program : {"/no/such/program", "no-such-program-ecopt", "/tmp"}) {
    const auto result = measure({}, {program, "arg"});
    EXPECT_EQ(result.exit_code, 127) << program;
    EXPECT_THAT(result.err, HasSubstr("ecopt: error: cannot run '" + program + "'"));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.out, "");
  }
  const auto missing = ecopt({"measure", "--json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("ecopt: error: "));
}

TEST_F(Measure, BadCarbonSettingsAreRefusedBeforeTheCommandRuns) {
  const auto marker = dir_ / "ran";
  const auto result = measure({"--region", "Atlantis"}, {"/usr/bin/touch", marker.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("ecopt: error: "));
  EXPECT_THAT(result.err, HasSubstr("Atlantis"));
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(measure({"--pue", "0.5"}, {"/usr/bin/touch", marker.string()}).exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(measure({"--region", "FR", "--carbon-intensity", "50"}, {"/bin/true"}).exit_code, 2);
}

TEST_F(Measure, IdleBaselineGivesNetFigures) {
  const auto report = measure_json({"--idle-baseline", "0.2"}, busy_python(0.1));
  EXPECT_EQ(report["idle_baseline_s"], 0.2);
  ASSERT_FALSE(report["net_energy_j"].is_null());
  EXPECT_TRUE(report["window"]["idle_subtracted"].get<bool>());
  const auto& reading = report["window"]["readings"][0];
  EXPECT_NEAR(reading["net_j"].get<double>(),
              reading["gross_j"].get<double>() -
                  reading["idle_w"].get<double>() * report["duration_s"].get<double>(),
              1e-6);
  EXPECT_FALSE(report["net_carbon"].is_null());
  EXPECT_FALSE(report["net_average_power_w"].is_null());
  const auto human = measure({"--idle-baseline", "0.2"}, {"/bin/true"});
  EXPECT_THAT(human.err, HasSubstr("net of idle"));
  EXPECT_THAT(human.err, HasSubstr("net J"));
}

// Ctrl-C reaches ecopt only (the command has a process group of its own):
// ecopt passes it on, still reports, and exits as the command did.
TEST_F(Measure, CtrlCIsPassedToTheCommandAndTheRunIsStillReported) {
  for (const auto& [trap, expected] :
       std::vector<std::pair<std::string, int>>{{"", 128 + SIGINT}, {"trap 'exit 7' INT; ", 7}}) {
    testing::ChildProcess child(
        {ECOPT_CLI_PATH, "measure", "--", "/bin/sh", "-c", trap + "echo ready; sleep 30 & wait"},
        dir_.path());
    ASSERT_TRUE(child.wait_for_output("ready", std::chrono::seconds(20)));
    const auto sent = std::chrono::steady_clock::now();
    child.signal(SIGINT);
    const auto result = child.wait();
    EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(10));
    EXPECT_EQ(result.exit_code, expected) << result.err;
    EXPECT_THAT(result.err, HasSubstr("interrupted: SIGINT passed on to the command"));
    EXPECT_THAT(result.err, HasSubstr("ecopt measure: /bin/sh -c"));
  }
}

TEST_F(Measure, DevicesListsMetersAndWhyTheOthersAreMissing) {
  const auto text = ecopt({"devices"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("device"));
  EXPECT_THAT(text.out, HasSubstr("source"));
  const auto json = ecopt({"devices", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto report = nlohmann::json::parse(json.out);
  ASSERT_FALSE(report["meters"].empty());
  for (const auto& meter : report["meters"]) {
    EXPECT_FALSE(meter["domains"].empty());
    EXPECT_FALSE(meter["description"].get<std::string>().empty());
  }
  EXPECT_TRUE(report["estimate"].get<bool>());
  EXPECT_THAT(text.out, HasSubstr("estimate-cpu-time"));
  EXPECT_THAT(text.out, HasSubstr("ESTIMATE: no energy sensor is readable here"));
  EXPECT_THAT(text.out, HasSubstr("--cpu-watts-per-core"));
  EXPECT_THAT(text.out, HasSubstr("unavailable: nvml: cannot load /nonexistent/"));
  EXPECT_THAT(text.out, HasSubstr("unavailable: rapl-powercap:"));
  EXPECT_THAT(text.out, HasSubstr("unavailable: rapl-perf:"));
  std::string unavailable = report["unavailable"].dump();
  EXPECT_THAT(unavailable, HasSubstr("nvml"));
  EXPECT_THAT(unavailable, HasSubstr("rapl-powercap"));
}

TEST_F(Measure, OnAnSmtHostTheEstimateSharesACoresWattsAmongItsThreads) {
  // Two cores of two hardware threads each.
  const auto cpu = dir_ / "cpu";
  std::filesystem::create_directories(cpu);
  std::ofstream(cpu / "online") << "0-3\n";
  for (const auto& [number, siblings] : {std::pair{0, "0,2"}, {1, "1,3"}, {2, "0,2"}, {3, "1,3"}}) {
    const auto topology = cpu / ("cpu" + std::to_string(number)) / "topology";
    std::filesystem::create_directories(topology);
    std::ofstream(topology / "thread_siblings_list") << siblings << "\n";
  }
  testing::ScopedEnv root("ECOPT_CPU_ROOT", cpu.string());
  const auto report = measure_json({}, busy_python(0.1));
  EXPECT_DOUBLE_EQ(report["cpu_watts_per_thread"].get<double>(), kDefaultWattsPerCore / 2);
  const double energy_j = report["energy_j"].get<double>();
  EXPECT_NEAR(energy_j, report["command_cpu_s"].get<double>() * kDefaultWattsPerCore / 2,
              0.01 * energy_j + 0.01);
  EXPECT_THAT(report["estimate_note"].get<std::string>(),
              HasSubstr("CPU time × 3.38 W per hardware thread (6.75 W per core / 2 threads per "
                        "core)"));
}

// Issue 29: the estimate charged 6.75 W per core whatever the CPU. A CPU
// model of the TDP table is charged its own TDP / cores, and every figure
// says which basis applied: the JSON, the ESTIMATE line and the record.
TEST_F(Measure, TheEstimateChargesTheCpuModelsPublishedTdpAndSaysWhere) {
  std::ofstream(dir_ / "cpuinfo") << "processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n"
                                     "flags\t\t: fpu sse2\n\n";
  testing::ScopedEnv cpuinfo("ECOPT_CPUINFO", (dir_ / "cpuinfo").string());
  const auto report = measure_json({}, busy_python(0.1));
  EXPECT_DOUBLE_EQ(report["cpu_watts_per_core"].get<double>(), 280.0 / 64.0);
  const std::string basis = "the EPYC 7763's TDP, 280 W / 64 cores, from AMD's product specifications (amd.com)";
  EXPECT_THAT(report["cpu_watts_basis"].get<std::string>(), HasSubstr(basis));
  EXPECT_THAT(report["estimate_note"].get<std::string>(), HasSubstr("4.38 W per core"));
  ASSERT_EQ(report["record"]["estimate_basis"].size(), 1u) << report["record"].dump();
  EXPECT_THAT(report["record"]["estimate_basis"][0].get<std::string>(), HasSubstr(basis));

  std::ofstream(dir_ / "cpuinfo") << "processor\t: 0\nmodel name\t: Imaginary CPU 9000\n\n";
  const auto unknown = measure_json({}, {"/bin/true"});
  EXPECT_DOUBLE_EQ(unknown["cpu_watts_per_core"].get<double>(), kDefaultWattsPerCore);
  EXPECT_THAT(unknown["cpu_watts_basis"].get<std::string>(),
              HasSubstr("ECOpt's default (the Xeon Platinum 8380's 270 W / 40 cores): CPU model 'Imaginary CPU "
                        "9000' is not in ECOpt's TDP table"));
  const auto given = measure_json({"--cpu-watts-per-core", "5"}, {"/bin/true"});
  EXPECT_EQ(given["cpu_watts_basis"], "given");
}

// Issue 29: the region table had no US and no UK.
TEST_F(Measure, TheUsAndUkRegionsHaveTheirPublishedIntensity) {
  const auto us = measure_json({"--region", "US"}, {"/bin/true"});
  EXPECT_EQ(us["carbon"]["g_per_kwh"], 366.0);
  EXPECT_THAT(us["carbon"]["basis"].get<std::string>(), HasSubstr("U.S. Energy Information Administration"));
  const auto uk = measure_json({"--region", "uk"}, {"/bin/true"});
  EXPECT_EQ(uk["carbon"]["g_per_kwh"], 207.0);
  EXPECT_THAT(uk["carbon"]["basis"].get<std::string>(), HasSubstr("2021"));
}

TEST_F(Measure, AFrozenRaplCounterIsUnavailableAndTheEstimateSaysSo) {
  testing::FakePowercapZone rapl(dir_.path());
  testing::ScopedEnv root("ECOPT_POWERCAP_ROOT", rapl.root());
  const auto result = measure({}, {"/bin/true"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("unavailable: rapl-powercap cpu:0: counter frozen"));
  EXPECT_THAT(result.err, HasSubstr("ESTIMATE: no energy sensor is readable here"));
  EXPECT_THAT(result.err, HasSubstr("estimate-cpu-time"));
}

TEST_F(Measure, AReadableRaplCounterIsUsedInsteadOfTheEstimate) {
  testing::FakePowercapZone rapl(dir_.path());
  rapl.start_moving(1.0);
  testing::ScopedEnv root("ECOPT_POWERCAP_ROOT", rapl.root());
  // Discovery watches a counter for 20 ms: on a loaded machine the thread
  // that moves the fake one may sleep through that, so try a few times.
  nlohmann::json report;
  nlohmann::json devices;
  for (int attempt = 0; attempt < 10; ++attempt) {
    report = measure_json({}, busy_python(0.05));
    devices = nlohmann::json::parse(ecopt({"devices", "--json"}).out);
    if (report["source"] == "rapl-powercap" && report["energy_j"].get<double>() > 0 &&
        devices["meters"][0]["device"] == "cpu:0")
      break;
  }
  rapl.stop();
  EXPECT_EQ(report["source"], "rapl-powercap");
  EXPECT_FALSE(report["estimate"].get<bool>());
  EXPECT_TRUE(report["estimate_note"].is_null()) << report.dump();
  EXPECT_GT(report["energy_j"].get<double>(), 0.0);
  ASSERT_EQ(devices["meters"].size(), 1u) << devices.dump();
  EXPECT_EQ(devices["meters"][0]["device"], "cpu:0");
  EXPECT_THAT(devices["meters"][0]["description"].get<std::string>(), HasSubstr(rapl.root()));
}

}  // namespace
}  // namespace ecopt
