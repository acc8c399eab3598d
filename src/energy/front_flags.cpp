#include "ecopt/energy/front_flags.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/energy/record.hpp"

namespace ecopt {

std::vector<FlaggedMember> flagged_front_members(const std::vector<Trial>& members) {
  std::vector<FlaggedMember> flagged;
  for (const auto& trial : members) {
    auto labels = flag_labels(energy_records(trial.user_attrs));
    if (!labels.empty()) flagged.push_back({trial.number, std::move(labels)});
  }
  return flagged;
}

std::string front_flag_note(const std::vector<Trial>& members) {
  const auto flagged = flagged_front_members(members);
  if (flagged.empty()) return "";
  std::vector<std::string> listed;
  for (const auto& member : flagged) {
    listed.push_back(fmt::format("trial {} ({})", member.trial_number, fmt::join(member.labels, ", ")));
  }
  return fmt::format(
      "Front order within the meters' limits: {} of {} front trials hold their place by an energy "
      "figure the meter could not resolve: {}. Measured again, their order on energy may change; "
      "lengthen the measured windows (docs/energy.md, \"Resolution\").",
      flagged.size(), members.size(), fmt::join(listed, "; "));
}

}  // namespace ecopt
