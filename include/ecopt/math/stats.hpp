#pragma once
// Small descriptive statistics shared by energy windows and reports.
#include <cstddef>
#include <vector>

namespace ecopt {

double median(std::vector<double> values);  // NaN when empty
// Median absolute deviation (unscaled).
double median_absolute_deviation(const std::vector<double>& values);
double mean(const std::vector<double>& values);
double sample_stddev(const std::vector<double>& values);  // NaN when n < 2
double quantile(std::vector<double> values, double q);      // linear interpolation
double pearson(const std::vector<double>& x, const std::vector<double>& y);
double spearman(const std::vector<double>& x, const std::vector<double>& y);  // average ranks for ties

struct Interval {
  double low = 0.0;
  double high = 0.0;
};
// The 95 % interval of a Spearman rho from n pairs: Fisher's z with Bonett
// and Wright's variance 1.06 / (n - 3). NaN bounds when n <= 3 or rho is NaN.
Interval spearman_interval_95(double rho, std::size_t n);

}  // namespace ecopt
