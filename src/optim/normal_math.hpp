#pragma once
// Logarithms of Gaussian quantities that stay accurate far in the tails,
// where expected improvements underflow: log-EHVI needs them to keep a
// useful gradient in regions a plain EHVI sees as flat zero.
#include <cmath>
#include <limits>
#include <numbers>

namespace ecopt::optim_detail {

inline constexpr double kNegInf = -std::numeric_limits<double>::infinity();
inline constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

inline double log_normal_pdf(double z) { return -0.5 * z * z - kLogSqrt2Pi; }

inline double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

// std::exp(x), bit for bit, but without calling it where it underflows to
// +0 anyway (exp(-746) is below half the smallest subnormal): glibc takes a
// slow path there (errno), and log-EHVI's far boxes hit it on most terms.
inline double exp_or_zero(double x) { return x < -746.0 ? 0.0 : std::exp(x); }

// log(1 - exp(x)) for x <= 0 (Mächler's two-branch form).
inline double log1mexp(double x) {
  if (x == kNegInf) return 0.0;
  if (x > -std::numbers::ln2) return std::log(-std::expm1(x));
  return std::log1p(-exp_or_zero(x));
}

// log(exp(a) + exp(b)).
inline double log_add_exp(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double hi = a > b ? a : b;
  return hi + std::log1p(exp_or_zero(-std::abs(a - b)));
}

// log Phi(z).
inline double log_normal_cdf(double z) {
  if (z == kNegInf) return kNegInf;
  if (z > 0.0) return std::log1p(-0.5 * std::erfc(z / std::numbers::sqrt2));
  if (z > -37.0) return std::log(0.5 * std::erfc(-z / std::numbers::sqrt2));
  // Mills-ratio series: Phi(z) = phi(z)/|z| (1 - 1/z^2 + 3/z^4 - 15/z^6).
  const double w = 1.0 / (z * z);
  return log_normal_pdf(z) - std::log(-z) + std::log1p(w * (-1.0 + w * (3.0 - 15.0 * w)));
}

// log h(z) with h(z) = phi(z) + z Phi(z) = E[(Y - (-z))^+] for Y ~ N(0,1):
// the expected improvement of a unit Gaussian past a threshold z below its mean.
inline double log_expected_excess(double z) {
  if (z == kNegInf) return kNegInf;
  if (z > -1.0) return std::log(exp_or_zero(log_normal_pdf(z)) + z * normal_cdf(z));
  if (z > -35.0) {
    // h = phi (1 - r), r = |z| Phi(z)/phi(z) = |z| sqrt(pi/2) erfcx(|z|/sqrt2).
    const double x = -z / std::numbers::sqrt2;
    const double erfcx = std::exp(x * x) * std::erfc(x);
    const double r = -z * std::sqrt(std::numbers::pi / 2.0) * erfcx;
    return log_normal_pdf(z) + std::log1p(-r);
  }
  // h = phi/z^2 (1 - 3/z^2 + 15/z^4 - 105/z^6 + 945/z^8).
  const double w = 1.0 / (z * z);
  const double series = w * (-3.0 + w * (15.0 + w * (-105.0 + 945.0 * w)));
  return log_normal_pdf(z) - 2.0 * std::log(-z) + std::log1p(series);
}

}  // namespace ecopt::optim_detail
