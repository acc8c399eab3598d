#pragma once
// Small descriptive statistics shared by energy windows and reports.
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

}  // namespace ecopt
