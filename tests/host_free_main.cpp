// The main() of every test binary. Meter discovery looks at this machine's
// sysfs and NVIDIA driver unless the environment names other places
// (include/ecopt/energy/meter.hpp); here they name places that do not
// exist, so every test, and every ecopt process a test starts (it inherits
// the environment), sees the same machine whatever the host has: no RAPL,
// no perf power PMU, no NVIDIA driver, and no SMT topology (the CPU-time
// estimate then charges each hardware thread as a core, and says so).
// Tests that want sensors or a topology build fakes and name them.
#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  setenv("ECOPT_POWERCAP_ROOT", "/nonexistent/ecopt-tests/powercap", 1);
  setenv("ECOPT_PERF_ROOT", "/nonexistent/ecopt-tests/perf-power-pmu", 1);
  setenv("ECOPT_NVML_LIBRARY", "/nonexistent/ecopt-tests/libnvidia-ml.so.1", 1);
  setenv("ECOPT_CPU_ROOT", "/nonexistent/ecopt-tests/cpu", 1);
  ::testing::InitGoogleMock(&argc, argv);
  return RUN_ALL_TESTS();
}
