#pragma once
// What a Pareto front's energy figures can and cannot tell apart. A front
// member whose measured work (flag_labels(): the inference, generation or
// command-phase windows objectives are read from) is flagged within the meter's resolution or net ≤ 0 holds its
// place by a figure the meter could not resolve: measured again, the
// front's order on energy may change. `ecopt tune`, `best-trials` and the
// report (and so the dashboard) state it with this one line.
#include <cstdint>
#include <string>
#include <vector>

#include "ecopt/core/trial.hpp"

namespace ecopt {

struct FlaggedMember {
  std::int64_t trial_number = -1;
  std::vector<std::string> labels;  // flag_labels() of its measured-work records
};

// The members with a flagged measured-work record, in the given order.
std::vector<FlaggedMember> flagged_front_members(const std::vector<Trial>& members);

// "Front order within the meters' limits: trial 3 (inference: within
// resolution), trial 7 (inference: net ≤ 0) ..."; empty when none is flagged.
std::string front_flag_note(const std::vector<Trial>& members);

}  // namespace ecopt
