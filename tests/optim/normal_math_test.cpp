#include "normal_math.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>

namespace ecopt::optim_detail {
namespace {

// exp_or_zero skips std::exp only where it underflows to +0: the values,
// and so log-EHVI's, must not change in a single bit.
TEST(NormalMath, ExpOrZeroIsExpBitForBit) {
  for (double x = -1100.0; x <= 5.0; x += 0.37) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(exp_or_zero(x)), std::bit_cast<std::uint64_t>(std::exp(x))) << x;
  }
  // Around the cut, where exp is subnormal and then rounds to 0.
  for (double x = -745.5; x >= -746.5; x -= 1e-4) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(exp_or_zero(x)), std::bit_cast<std::uint64_t>(std::exp(x))) << x;
  }
  EXPECT_GT(exp_or_zero(-745.0), 0.0);  // still subnormal, not cut
  EXPECT_EQ(exp_or_zero(-1e300), 0.0);
}

TEST(NormalMath, FarTermsLeaveLogSumsUnchanged) {
  EXPECT_EQ(log_add_exp(-3.0, -3.0 - 800.0), -3.0);
  EXPECT_EQ(log_add_exp(-3.0 - 2000.0, -3.0), -3.0);
  EXPECT_EQ(log1mexp(-1000.0), 0.0);
  EXPECT_DOUBLE_EQ(log_add_exp(0.0, 0.0), std::log(2.0));
}

}  // namespace
}  // namespace ecopt::optim_detail
