// The main() of every test binary. Meter discovery looks at this machine's
// sysfs and NVIDIA driver unless the environment names other places
// (include/ecopt/energy/meter.hpp); here they name places that do not
// exist (ECOPT_HOST_FREE_ENV in tests/CMakeLists.txt), so every test, and
// every ecopt process a test starts (it inherits the environment), sees the
// same machine whatever the host has: no RAPL, no perf power PMU, no NVIDIA
// driver, no SMT topology (the CPU-time estimate then charges each
// hardware thread as a core, and says so) and no CPU flags (so no
// hypervisor). Tests that want sensors or a
// topology build fakes and name them.
#include <cstdlib>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  std::istringstream entries(ECOPT_HOST_FREE_ENV);  // "NAME=value|NAME=value"
  for (std::string entry; std::getline(entries, entry, '|');) {
    const auto equals = entry.find('=');
    setenv(entry.substr(0, equals).c_str(), entry.substr(equals + 1).c_str(), 1);
  }
  ::testing::InitGoogleMock(&argc, argv);
  return RUN_ALL_TESTS();
}
