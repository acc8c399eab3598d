#pragma once
// The numbers behind the report (the front and hypervolume come from
// math/front.hpp, as everywhere): parameter importance,
// energy proxies and the net impact of tuning. Formulas in docs/report.md.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/study_spec.hpp"
#include "ecopt/core/trial.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/math/stats.hpp"

namespace ecopt::report {

// Strength of association between one parameter and one objective, in
// [0, 1]: |Spearman rho| for numeric and boolean parameters, the
// correlation ratio eta (sqrt of the between-group share of variance) for
// categorical ones. NaN when fewer than 3 trials carry the parameter or
// either side is constant.
struct ParamImportance {
  std::string param;
  std::string method;  // "spearman" or "eta"
  double score = 0.0;
  std::size_t trials_used = 0;
  // Spearman only: the signed rho and its 95 % interval
  // (spearman_interval_95); NaN for eta, or where the interval is undefined.
  double rho = std::numeric_limits<double>::quiet_NaN();
  Interval rho_95{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  // The share of the objective's variance the parameter explains alone (a
  // main effect, as fANOVA's first-order terms): epsilon squared over its
  // categories, or over up to 10 bins of equal count for a numeric one.
  // Unlike rho it also sees effects that rise and fall. NaN with too few
  // trials for the bins.
  double variance_share = std::numeric_limits<double>::quiet_NaN();
};

// One list per objective, most important first.
std::vector<std::vector<ParamImportance>> parameter_importance(const StudySpec& spec,
                                                               const std::vector<Trial>& trials);

// Two trials whose proxy order contradicts their measured energy.
struct MisleadingPair {
  std::int64_t more_proxy_trial = -1;  // larger proxy, yet not more energy
  std::int64_t less_proxy_trial = -1;
  double proxy_ratio = 0.0;   // > 1
  double energy_ratio = 0.0;  // <= 1
};

// Measured inference energy per unit against a proxy (params, FLOPs).
struct ProxyCorrelation {
  std::string proxy_key;  // "params", "flops_per_sample"
  std::vector<std::int64_t> trial_numbers;
  std::vector<double> proxy;
  std::vector<double> energy_j;
  double spearman = 0.0;  // NaN when undefined (n < 3 or constant)
  double pearson = 0.0;
  // The pair that contradicts the proxy most; nullopt when the proxy
  // orders every pair correctly.
  std::optional<MisleadingPair> worst_pair;
};

// Uses every finished trial that records both the proxy and an inference
// energy (see inference_energy()).
ProxyCorrelation proxy_correlation(const std::vector<Trial>& trials, const std::string& proxy_key);

// One sentence per proxy saying how far it can be trusted on this study.
std::string explain_proxy(const ProxyCorrelation& proxy);

// Carbon settings already resolved, each with where it came from.
struct CarbonSettings {
  double intensity_g_per_kwh = 0.0;
  double pue = 1.0;
  // The figure's basis and who chose it: "FR 2023 annual average (...), from
  // the study file's [energy]", "user value, from --carbon-intensity".
  std::string intensity_source;
  std::string pue_source = "default";  // "from --pue", "from the study file's [energy]"
};

// What the user passed to `ecopt report`; unset means "not on the command line".
struct CarbonFlags {
  std::optional<double> g_per_kwh;    // --carbon-intensity
  std::optional<std::string> region;  // --region
  std::optional<double> pue;          // --pue
};

// Each setting from its flag, else from the [energy] table of the study
// file that `ecopt tune` stores with the study (study user attribute
// "study_file": intensity_g_per_kwh, carbon_region, pue), else the world
// average and PUE 1, so the report agrees with tune's closing line.
// InputError for an unknown region, a negative intensity or a PUE below 1.
CarbonSettings resolve_carbon(const CarbonFlags& flags, const nlohmann::json& study_attrs);

// grams CO2e = kWh × PUE × intensity (the energy module's formula).
double grams_co2e(double joules, const CarbonSettings& carbon);

// Tuning energy against the inference energy a chosen model saves.
struct NetImpact {
  std::int64_t chosen_trial = -1;
  std::int64_t baseline_trial = -1;
  std::string unit;  // "sample" or "token"
  double chosen_j_per_inference = 0.0;
  double baseline_j_per_inference = 0.0;
  double saved_j_per_inference = 0.0;  // baseline - chosen; <= 0 saves nothing
  // The study's tuning energy, every trial of any state (tuning_energy.hpp:
  // gross × attributed_fraction, the figure ecopt tune states), with its
  // marks and the trials it could not count (then a lower bound).
  TuningEnergy tuning;
  double tuning_j = 0.0;  // tuning on this impact's basis: tuning.gross_j, or tuning.net_j
  // Every joule figure here is on this one basis: "net of idle" when every
  // figure had idle subtracted, else "gross (idle included)".
  std::string basis;
  // ceil(tuning_j / saved_j_per_inference); nullopt when nothing is saved.
  std::optional<double> break_even_inferences;
  double tuning_g_co2e = 0.0;
  double chosen_g_co2e_per_1000 = 0.0;
  double baseline_g_co2e_per_1000 = 0.0;
};

// Throws NotFoundError for an unknown trial and InputError when either
// trial records no inference energy.
NetImpact net_impact(const std::vector<Trial>& trials, std::int64_t chosen, std::int64_t baseline,
                     const CarbonSettings& carbon);

}  // namespace ecopt::report
