#include "ecopt/report/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/carbon.hpp"
#include "ecopt/math/stats.hpp"
#include "ecopt/report/metrics.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_constant(const std::vector<double>& values) {
  return std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) ==
         values.end();
}

// The sums of squares of `y` about its mean, in all and between the
// groups `groups` puts its entries in.
struct SumsOfSquares {
  double total = 0.0;
  double between = 0.0;
  std::size_t groups = 0;
};

template <typename Key>
SumsOfSquares sums_of_squares(const std::vector<Key>& groups, const std::vector<double>& y) {
  const double overall = mean(y);
  SumsOfSquares sums;
  std::map<Key, std::vector<double>> by_group;
  for (std::size_t i = 0; i < y.size(); ++i) {
    sums.total += (y[i] - overall) * (y[i] - overall);
    by_group[groups[i]].push_back(y[i]);
  }
  for (const auto& [group, values] : by_group) {
    const double group_mean = mean(values);
    sums.between += static_cast<double>(values.size()) * (group_mean - overall) * (group_mean - overall);
  }
  sums.groups = by_group.size();
  return sums;
}

// Between-group share of variance, square-rooted (the correlation ratio).
double correlation_ratio(const std::vector<std::string>& groups, const std::vector<double>& y) {
  const SumsOfSquares sums = sums_of_squares(groups, y);
  if (sums.total <= 0.0 || sums.groups < 2) return kNaN;
  return std::sqrt(std::clamp(sums.between / sums.total, 0.0, 1.0));
}

// The share of the objective's variance the groups explain, corrected for
// the share chance gives k groups of few trials (epsilon squared:
// (SS_between − (k − 1) MS_within) / SS_total), clamped to [0, 1].
template <typename Key>
double epsilon_squared(const std::vector<Key>& groups, const std::vector<double>& y) {
  const SumsOfSquares sums = sums_of_squares(groups, y);
  const auto n = static_cast<double>(y.size());
  const auto k = static_cast<double>(sums.groups);
  if (sums.total <= 0.0 || sums.groups < 2 || n <= k) return kNaN;
  const double within_mean_square = (sums.total - sums.between) / (n - k);
  return std::clamp((sums.between - (k - 1.0) * within_mean_square) / sums.total, 0.0, 1.0);
}

// Numeric values in up to 10 bins of about equal count (at least 5 trials
// each, at least 2 bins); equal values share a bin.
std::vector<std::size_t> quantile_bins(const std::vector<double>& values) {
  const std::size_t n = values.size();
  const std::size_t bins = std::clamp<std::size_t>(n / 5, 2, 10);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<std::size_t> bin(n);
  for (std::size_t rank = 0; rank < n; ++rank) {
    const std::size_t i = order[rank];
    bin[i] = rank > 0 && values[i] == values[order[rank - 1]] ? bin[order[rank - 1]] : rank * bins / n;
  }
  return bin;
}

ParamImportance importance_of(const std::string& param, const std::vector<const Trial*>& complete,
                              std::size_t objective) {
  std::vector<const ParamValue*> values;
  std::vector<double> y;
  bool categorical = false;
  for (const Trial* trial : complete) {
    const auto it = trial->params.find(param);
    if (it == trial->params.end()) continue;
    categorical = categorical || std::holds_alternative<std::string>(it->second);
    values.push_back(&it->second);
    y.push_back(trial->values[objective]);
  }
  // Labels for categories, numbers for the others: text for 100,000
  // numbers is slow.
  std::vector<std::string> labels;
  std::vector<double> numeric;
  for (const ParamValue* value : values) {
    if (categorical) labels.push_back(to_string(*value));
    if (!std::holds_alternative<std::string>(*value)) numeric.push_back(as_double(*value));
  }
  ParamImportance result;
  result.param = param;
  result.method = categorical ? "eta" : "spearman";
  result.score = kNaN;
  result.trials_used = y.size();
  if (y.size() < 3 || is_constant(y)) return result;
  if (categorical) {
    result.score = correlation_ratio(labels, y);
    result.variance_share = epsilon_squared(labels, y);
  } else if (!is_constant(numeric)) {
    result.rho = spearman(numeric, y);
    result.score = std::abs(result.rho);
    result.rho_95 = spearman_interval_95(result.rho, y.size());
    result.variance_share = epsilon_squared(quantile_bins(numeric), y);
  }
  return result;
}

// Minima of (value, index) over prefixes of positions 0..size-1, each
// update and query in O(log size).
class PrefixMinimum {
 public:
  using Entry = std::pair<double, std::size_t>;
  explicit PrefixMinimum(std::size_t size)
      : tree_(size + 1, Entry{std::numeric_limits<double>::infinity(), 0}) {}
  void lower(std::size_t position, Entry entry) {
    for (std::size_t k = position + 1; k < tree_.size(); k += k & (~k + 1)) tree_[k] = std::min(tree_[k], entry);
  }
  Entry up_to(std::size_t position) const {
    Entry best = tree_[0];
    for (std::size_t k = position + 1; k > 0; k -= k & (~k + 1)) best = std::min(best, tree_[k]);
    return best;
  }

 private:
  std::vector<Entry> tree_;
};

// The pair that contradicts the proxy most: the largest proxy ratio over
// energy ratio among pairs where the larger proxy does not use more energy.
// For each trial, the best partner among those with a smaller proxy and no
// less energy minimises log proxy - log energy: a sweep in proxy order over
// a prefix minimum by energy rank, O(n log n).
std::optional<MisleadingPair> worst_pair(const ProxyCorrelation& proxy) {
  const std::size_t n = proxy.proxy.size();
  std::vector<double> by_energy = proxy.energy_j;
  std::sort(by_energy.begin(), by_energy.end(), std::greater<>());
  by_energy.erase(std::unique(by_energy.begin(), by_energy.end()), by_energy.end());
  const auto rank = [&](double energy) {  // 0 for the most energy
    return static_cast<std::size_t>(
        std::lower_bound(by_energy.begin(), by_energy.end(), energy, std::greater<>()) - by_energy.begin());
  };
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return proxy.proxy[a] < proxy.proxy[b]; });
  PrefixMinimum smaller_proxy(by_energy.size());
  std::vector<std::optional<std::size_t>> partner(n);
  for (std::size_t group = 0; group < n;) {
    std::size_t end = group;
    while (end < n && proxy.proxy[order[end]] == proxy.proxy[order[group]]) ++end;
    for (std::size_t k = group; k < end; ++k) {
      const auto [value, j] = smaller_proxy.up_to(rank(proxy.energy_j[order[k]]));
      if (std::isfinite(value)) partner[order[k]] = j;
    }
    for (std::size_t k = group; k < end; ++k) {
      const std::size_t j = order[k];
      smaller_proxy.lower(rank(proxy.energy_j[j]), {std::log(proxy.proxy[j]) - std::log(proxy.energy_j[j]), j});
    }
    group = end;
  }
  std::optional<MisleadingPair> worst;
  double worst_score = 1.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!partner[i]) continue;
    const std::size_t j = *partner[i];
    const double proxy_ratio = proxy.proxy[i] / proxy.proxy[j];
    const double energy_ratio = proxy.energy_j[i] / proxy.energy_j[j];
    // How far the proxy's prediction is from what was measured.
    const double score = proxy_ratio / energy_ratio;
    if (score > worst_score) {
      worst_score = score;
      worst = MisleadingPair{proxy.trial_numbers[i], proxy.trial_numbers[j], proxy_ratio, energy_ratio};
    }
  }
  return worst;
}

std::string proxy_label(const std::string& key) {
  if (key == "params") return "parameter count";
  if (key == "flops_per_sample") return "FLOPs per sample";
  return key;
}

std::string strength(double rho) {
  const double magnitude = std::abs(rho);
  if (magnitude >= 0.9) return "closely";
  if (magnitude >= 0.7) return "roughly";
  if (magnitude >= 0.4) return "loosely";
  return "hardly";
}

constexpr const char* kFromStudyFile = "from the study file's [energy]";
constexpr const char* kNoSetting = "default: no flag, and the study file sets none";

// The [energy] table of the study file stored with the study; empty for a
// study made by `ecopt create-study` or an older ECOpt.
const nlohmann::json& stored_energy_table(const nlohmann::json& study_attrs) {
  static const nlohmann::json empty = nlohmann::json::object();
  const auto file = study_attrs.find(kStudyFileAttr);
  if (file == study_attrs.end() || !file->is_object()) return empty;
  const auto energy = file->find("energy");
  return energy != file->end() && energy->is_object() ? *energy : empty;
}

std::optional<double> stored_number(const nlohmann::json& table, const char* key) {
  const auto it = table.find(key);
  if (it == table.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Fills options.g_per_kwh / options.region; returns where they came from.
// A flag replaces the whole stored choice: --region beats a stored intensity.
std::string choose_intensity(const CarbonFlags& flags, const nlohmann::json& stored,
                             CarbonOptions& options) {
  if (flags.g_per_kwh) {
    options.g_per_kwh = flags.g_per_kwh;
    return "from --carbon-intensity";
  }
  if (flags.region) {
    options.region = *flags.region;
    return "from --region";
  }
  if (auto g_per_kwh = stored_number(stored, "intensity_g_per_kwh")) {
    options.g_per_kwh = g_per_kwh;
    return kFromStudyFile;
  }
  const auto region = stored.find("carbon_region");
  if (region == stored.end() || !region->is_string()) return kNoSetting;
  options.region = region->get<std::string>();
  return kFromStudyFile;
}

std::string choose_pue(const CarbonFlags& flags, const nlohmann::json& stored,
                       CarbonOptions& options) {
  if (flags.pue) {
    options.pue = *flags.pue;
    return "from --pue";
  }
  const auto pue = stored_number(stored, "pue");
  if (!pue) return kNoSetting;
  options.pue = *pue;
  return kFromStudyFile;
}

}  // namespace

std::vector<std::vector<ParamImportance>> parameter_importance(const StudySpec& spec,
                                                               const std::vector<Trial>& trials) {
  const auto complete = complete_trials(spec, trials);
  const auto params = parameter_names(spec, trials);
  std::vector<std::vector<ParamImportance>> per_objective(spec.objectives.size());
  for (std::size_t objective = 0; objective < spec.objectives.size(); ++objective) {
    for (const auto& param : params) {
      per_objective[objective].push_back(importance_of(param, complete, objective));
    }
    // Most important first; undefined scores last.
    std::stable_sort(per_objective[objective].begin(), per_objective[objective].end(),
                     [](const ParamImportance& a, const ParamImportance& b) {
                       const double sa = std::isnan(a.score) ? -1.0 : a.score;
                       const double sb = std::isnan(b.score) ? -1.0 : b.score;
                       return sa > sb;
                     });
  }
  return per_objective;
}

ProxyCorrelation proxy_correlation(const std::vector<Trial>& trials, const std::string& proxy_key) {
  ProxyCorrelation result{proxy_key, {}, {}, {}, kNaN, kNaN, std::nullopt};
  for (const auto& trial : trials) {
    if (!is_finished(trial.state)) continue;
    const auto proxy = trial.metric(proxy_key);
    if (!proxy || !std::isfinite(*proxy) || *proxy <= 0.0) continue;
    const auto energy = inference_energy(trial);
    if (!energy) continue;
    result.trial_numbers.push_back(trial.number);
    result.proxy.push_back(*proxy);
    result.energy_j.push_back(energy->j_per_unit);
  }
  if (result.proxy.size() >= 3 && !is_constant(result.proxy) && !is_constant(result.energy_j)) {
    result.spearman = spearman(result.proxy, result.energy_j);
    result.pearson = pearson(result.proxy, result.energy_j);
  }
  result.worst_pair = worst_pair(result);
  return result;
}

std::string explain_proxy(const ProxyCorrelation& proxy) {
  const std::string label = proxy_label(proxy.proxy_key);
  if (std::isnan(proxy.spearman)) {
    return fmt::format(
        "Too few trials ({}) record both {} ('{}') and inference energy, or one of them is "
        "constant, to judge this proxy.",
        proxy.proxy.size(), label, proxy.proxy_key);
  }
  std::string text = fmt::format(
      "Over {} trials, {} predicts the ranking of measured inference energy {} "
      "(Spearman ρ = {:.2f}, Pearson r = {:.2f}).",
      proxy.proxy.size(), label, strength(proxy.spearman), proxy.spearman, proxy.pearson);
  if (proxy.worst_pair) {
    const auto& pair = *proxy.worst_pair;
    text += fmt::format(
        " Trial {} has {:.3g}× the {} of trial {} yet uses {:.3g}× its energy per inference.",
        pair.more_proxy_trial, pair.proxy_ratio, label, pair.less_proxy_trial, pair.energy_ratio);
  }
  return text;
}

CarbonSettings resolve_carbon(const CarbonFlags& flags, const nlohmann::json& study_attrs) {
  const nlohmann::json& stored = stored_energy_table(study_attrs);
  CarbonOptions options;
  const std::string intensity_origin = choose_intensity(flags, stored, options);
  const std::string pue_origin = choose_pue(flags, stored, options);
  const CarbonEstimate resolved = estimate_carbon(0.0, options);
  return {resolved.g_per_kwh, resolved.pue, fmt::format("{}, {}", resolved.basis, intensity_origin),
          pue_origin};
}

double grams_co2e(double joules, const CarbonSettings& carbon) {
  return ::ecopt::grams_co2e(joules, carbon.pue, carbon.intensity_g_per_kwh);
}

NetImpact net_impact(const std::vector<Trial>& trials, std::int64_t chosen, std::int64_t baseline,
                     const CarbonSettings& carbon) {
  const auto energy_of = [&](std::int64_t number, const char* role) {
    const auto energy = inference_energy(trial_by_number(trials, number));
    if (!energy) {
      throw InputError(fmt::format(
          "{} trial {} records no inference energy (an \"inference\" or \"generation\" energy "
          "record); pick a trial that finished its energy measurement",
          role, number));
    }
    return *energy;
  };
  const InferenceEnergy chosen_energy = energy_of(chosen, "chosen");
  const InferenceEnergy baseline_energy = energy_of(baseline, "baseline");
  NetImpact impact;
  impact.chosen_trial = chosen;
  impact.baseline_trial = baseline;
  impact.unit = chosen_energy.unit;
  impact.tuning = tuning_energy(trials);
  // One basis for both sides of the break-even: net of idle only when every
  // figure involved had idle subtracted.
  const bool net = chosen_energy.record.idle_subtracted && baseline_energy.record.idle_subtracted &&
                   impact.tuning.has_net();
  impact.basis = net ? "net of idle" : "gross (idle included)";
  impact.tuning_j = impact.tuning.j(net);
  impact.chosen_j_per_inference = chosen_energy.j_per_unit_on(net);
  impact.baseline_j_per_inference = baseline_energy.j_per_unit_on(net);
  impact.saved_j_per_inference = impact.baseline_j_per_inference - impact.chosen_j_per_inference;
  if (impact.saved_j_per_inference > 0.0) {
    impact.break_even_inferences = std::ceil(impact.tuning_j / impact.saved_j_per_inference);
  }
  impact.tuning_g_co2e = grams_co2e(impact.tuning_j, carbon);
  impact.chosen_g_co2e_per_1000 = grams_co2e(1000.0 * impact.chosen_j_per_inference, carbon);
  impact.baseline_g_co2e_per_1000 = grams_co2e(1000.0 * impact.baseline_j_per_inference, carbon);
  return impact;
}

}  // namespace ecopt::report
