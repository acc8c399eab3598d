// Two workers' trials on one CPU package: both are marked shared and the
// package's energy is counted once. Real runner, real command trials, real
// lease folder; only the package counter is a fake (this machine has no RAPL).
#include <fstream>
#include <future>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "command_study.hpp"
#include "ecopt/energy/monitor.hpp"
#include "ecopt/energy/record.hpp"
#include "ecopt/study/runner.hpp"
#include "ecopt/study/study_file.hpp"
#include "polling.hpp"
#include "subprocess.hpp"

namespace ecopt {
namespace {

using testing::TempDir;

constexpr double kPackageW = 10.0;

// One machine-wide counter, read by each worker's own meter: 10 W always.
class FakePackage final : public Meter {
 public:
  std::string device() const override { return "cpu:0"; }
  EnergySource source() const override { return EnergySource::RaplPowercap; }
  std::vector<std::string> domains() const override { return {"package"}; }
  std::vector<double> read_j() override { return {kPackageW * steady_clock()->now_s()}; }
  double update_period_s() const override { return 0.001; }
  std::string description() const override { return "fake package, 10 W"; }
};

std::unique_ptr<EnergyMonitor> package_monitor() {
  std::vector<std::unique_ptr<Meter>> meters;
  meters.push_back(std::make_unique<FakePackage>());
  return std::make_unique<EnergyMonitor>(std::move(meters));
}

EnergyRecord stored_record(const std::string& url, const std::string& name, const char* record = kTrialRecord) {
  auto storage = open_storage(url);
  const auto trials = Study::load(*storage, name).trials();
  EXPECT_EQ(trials.size(), 1u);
  return *find_energy_record(trials.at(0).user_attrs, record);
}

TEST(Attribution, OverlappingTrialsOnOnePackageAreBothSharedAndCountedOnce) {
  TempDir dir("attribution");
  const std::string url = "sqlite:///" + (dir / "s.db").string();
  // The outer trial runs until the inner one has been stored: the inner
  // window lies inside the outer one however loaded the machine is.
  const auto outer_script = dir / "outer.sh";
  std::ofstream(outer_script) << fmt::format(
      "touch '{0}/outer'\nwhile [ ! -e '{0}/inner-stored' ]; do sleep 0.01; done\n"
      "echo 'ECOPT {{\"f0\": 1}}'\n",
      dir.path().string());
  const auto inner_script = dir / "inner.sh";
  std::ofstream(inner_script) << "sleep 0.1\necho 'ECOPT {\"f0\": 2}'\n";
  const auto outer_file = load_study_file(testing::command_study(dir.path(), "outer", url, 1, outer_script));
  const auto inner_file = load_study_file(testing::command_study(dir.path(), "inner", url, 1, inner_script));

  auto run = [&](const StudyFile& file) {
    return std::async(std::launch::async, [&file, &dir] {
      auto monitor = package_monitor();
      std::ostringstream out;
      RunOptions options;
      options.out = &out;
      options.monitor = monitor.get();
      options.lease_dir = dir / "leases";
      run_study(file, options);
    });
  };
  auto outer = run(outer_file);
  ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir / "outer"); },
                                  std::chrono::seconds(30)));
  auto inner = run(inner_file);
  inner.wait();
  std::ofstream(dir / "inner-stored") << "1";
  inner.get();
  outer.get();

  const EnergyRecord outer_energy = stored_record(url, "outer");
  const EnergyRecord inner_energy = stored_record(url, "inner");
  // The inner study's own work (its ask and tell) lies inside the outer
  // trial too, and is charged its share.
  const EnergyRecord inner_tuner = stored_record(url, "inner", kTunerRecord);
  EXPECT_TRUE(outer_energy.shared);
  EXPECT_TRUE(inner_energy.shared);
  EXPECT_LT(outer_energy.attributed_fraction, 1.0);
  EXPECT_LT(inner_energy.attributed_fraction, 1.0);
  // The inner study's windows lie inside the outer one: the package drew
  // the outer window's energy, once, however it is split. Within 0.5 %: each
  // window's interval is the time it measured, and the inner study's last
  // claim (which found it full) takes no share; without either the sum fell
  // short by up to 2.6 % on a loaded machine.
  const double attributed =
      outer_energy.attributed_j(false) + inner_energy.attributed_j(false) + inner_tuner.attributed_j(false);
  EXPECT_NEAR(attributed, outer_energy.gross_j, 0.005 * outer_energy.gross_j);
  EXPECT_GT(outer_energy.gross_j + inner_energy.gross_j, 1.05 * attributed)
      << "summing the windows would count the common time twice";
}

}  // namespace
}  // namespace ecopt
