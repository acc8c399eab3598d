#pragma once
// One rule for every test that needs a component this machine may lack
// (PostgreSQL, Slurm, Chromium, the text corpus, root): it skips, saying
// why, unless ECOPT_REQUIRE_<COMPONENT>=1 makes the absence a failure.
// scripts/run-tests.sh sets those for every component the install script
// provides, so CI cannot pass by skipping.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace ecopt::testing {

inline bool component_required(const std::string& variable) {
  const char* value = std::getenv(variable.c_str());
  return value != nullptr && std::string(value) == "1";
}

}  // namespace ecopt::testing

// In a test body; COMPONENT is a literal such as "POSTGRES".
#define ECOPT_NEED_COMPONENT(available, COMPONENT, reason)                                 \
  if (!(available)) {                                                                      \
    if (::ecopt::testing::component_required("ECOPT_REQUIRE_" COMPONENT)) {                \
      FAIL() << (reason) << " (ECOPT_REQUIRE_" COMPONENT "=1 makes this a failure)";         \
    }                                                                                      \
    GTEST_SKIP() << (reason);                                                              \
  }
