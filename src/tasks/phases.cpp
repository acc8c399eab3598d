#include "ecopt/tasks/phases.hpp"

#include <fmt/format.h>

#include "ecopt/core/error.hpp"

namespace ecopt {

void PhaseWindows::begin(const std::string& phase) {
  if (open_.count(phase)) throw InputError(fmt::format("phase \"{}\" was begun twice", phase));
  open_.emplace(phase, ScopedWindow(monitor_, "phase:" + phase, worker_));
}

void PhaseWindows::end(const std::string& phase, std::int64_t samples, nlohmann::json& metrics) {
  const auto open = open_.find(phase);
  if (open == open_.end()) {
    throw InputError(fmt::format("phase \"{}\" ended without a begin", phase));
  }
  const WindowResult window = open->second.end();
  open_.erase(open);
  const double joules = window.net_j().value_or(window.gross_j());
  metrics[phase + "_gross_j"] = window.gross_j();
  metrics[phase + "_s"] = window.duration_s;
  EnergyRecord record = energy_record(phase, window);
  // An energy at or below zero (a net figure whose idle baseline drew at
  // least as much power as the work, or a window that read nothing) is no
  // figure to optimise: it gets no metric, only its flagged record, and a
  // trial whose objective it would have been fails saying why.
  const bool usable = joules > 0;
  if (usable) metrics[phase + "_j"] = joules;
  if (samples > 0) {
    metrics[phase + "_samples"] = samples;
    if (usable) {
      metrics[phase + "_j_per_sample"] = joules / static_cast<double>(samples);
      metrics[phase + "_samples_per_j"] = static_cast<double>(samples) / joules;
    }
    record.unit = "sample";
    record.units_per_window = static_cast<std::size_t>(samples);
    record.j_per_unit = joules / static_cast<double>(samples);
  }
  records_.push_back(std::move(record));
}

std::optional<std::string> PhaseWindows::abandon_open() {
  if (open_.empty()) return std::nullopt;
  std::string first = open_.begin()->first;
  open_.clear();
  return first;
}

}  // namespace ecopt
