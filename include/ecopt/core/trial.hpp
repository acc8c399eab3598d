#pragma once
// A trial as stored: the frozen record every module reads.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/core/attributes.hpp"
#include "ecopt/core/param.hpp"

namespace ecopt {

enum class TrialState { Running, Complete, Failed, Pruned };

std::string_view to_string(TrialState state);  // "RUNNING", "COMPLETE", ...
// Accepts any case of running/complete/fail/failed/pruned; throws InputError.
TrialState parse_trial_state(std::string_view text);
bool is_finished(TrialState state);

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

struct Trial {
  std::int64_t id = -1;      // unique within one storage
  std::int64_t number = -1;  // 0, 1, 2, ... within its study
  TrialState state = TrialState::Running;
  ParamMap params;
  std::vector<double> values;  // one per objective when COMPLETE
  // Every metric a task records: energy (with source, device, idle
  // handling), times, parameter and FLOP counts, accuracy, ...
  nlohmann::json user_attrs = nlohmann::json::object();
  // Bookkeeping that is not a user metric: sampler name, worker, retries.
  nlohmann::json system_attrs = nlohmann::json::object();
  std::optional<std::string> fail_reason;
  TimePoint started_at{};
  std::optional<TimePoint> finished_at;
  std::optional<TimePoint> heartbeat_at;
  // The learning curve: what the trial reported at each step while it ran,
  // an object of metric -> number per step ({"accuracy": 0.81,
  // "inference_j_per_sample": 0.0021, "energy_so_far_j": 12.3}). Step 0 is
  // what was measured before training (energy-first's inference energy).
  std::map<std::int64_t, nlohmann::json> intermediate;

  // Reads a numeric user attribute; nullopt when absent or not a number.
  std::optional<double> metric(std::string_view key) const;
};


// One point of a learning curve as a trial reports it: its step, metric ->
// number, and the last step of its schedule when the task knows it (the
// pruning rules extrapolate to it; study/pruning.hpp).
struct IntermediateReport {
  std::int64_t step = 0;
  nlohmann::json values = nlohmann::json::object();
  std::optional<std::int64_t> last_step;
};

nlohmann::json to_json(const Trial& trial);
Trial trial_from_json(const nlohmann::json& json);
// A learning curve as a JSON object keyed by step ("3": {...}); InputError
// for a key that is not a step or a point that is not an object.
nlohmann::json intermediate_to_json(const std::map<std::int64_t, nlohmann::json>& curve);
std::map<std::int64_t, nlohmann::json> intermediate_from_json(const nlohmann::json& json);

// ISO-8601 UTC with milliseconds, e.g. 2026-11-27T03:10:49.123Z.
std::string format_time(TimePoint time);
TimePoint parse_time(std::string_view text);

}  // namespace ecopt
