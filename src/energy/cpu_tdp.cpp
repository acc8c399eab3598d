// Thermal design power of common server and desktop CPUs, from the
// vendors' public product specifications: what the CPU-time estimate
// charges per core where /proc/cpuinfo names one of them (as CodeCarbon
// looks the TDP up from the model). A CPU not listed keeps the documented
// default; the estimate says which applied.
#include <algorithm>
#include <cctype>
#include <string>

#include "ecopt/energy/meter.hpp"

namespace ecopt {
namespace {

constexpr const char* kIntelArk = "Intel's product specifications (ark.intel.com)";
constexpr const char* kAmdSpecs = "AMD's product specifications (amd.com)";

// Model tokens as "model name" lines spell them; TDP (Intel: processor base
// power) in W; physical cores.
constexpr CpuTdp kTable[] = {
    {"Xeon(R) Platinum 8480+", 350, 56, kIntelArk}, {"Xeon(R) Platinum 8468", 350, 48, kIntelArk},
    {"Xeon(R) Platinum 8462Y+", 300, 32, kIntelArk}, {"Xeon(R) Platinum 8380", 270, 40, kIntelArk},
    {"Xeon(R) Platinum 8358", 250, 32, kIntelArk},  {"Xeon(R) Gold 6338", 205, 32, kIntelArk},
    {"Xeon(R) Gold 6248R", 205, 24, kIntelArk},     {"Xeon(R) Gold 6226R", 150, 16, kIntelArk},
    {"Xeon(R) Silver 4214", 85, 12, kIntelArk},     {"Core(TM) i9-13900K", 125, 24, kIntelArk},
    {"Core(TM) i7-12700K", 125, 12, kIntelArk},     {"EPYC 9654", 360, 96, kAmdSpecs},
    {"EPYC 9554", 360, 64, kAmdSpecs},              {"EPYC 9454", 290, 48, kAmdSpecs},
    {"EPYC 7763", 280, 64, kAmdSpecs},              {"EPYC 7742", 225, 64, kAmdSpecs},
    {"EPYC 7543", 225, 32, kAmdSpecs},              {"EPYC 7513", 200, 32, kAmdSpecs},
    {"Ryzen 9 7950X", 170, 16, kAmdSpecs},          {"Ryzen 9 5950X", 105, 16, kAmdSpecs},
};

// `token` appears in `text` as a whole: not followed by a letter, digit or
// '+' ("EPYC 7763" is not "EPYC 77630", "i9-13900K" not "i9-13900KS").
bool names(std::string_view text, std::string_view token) {
  for (auto at = text.find(token); at != std::string_view::npos; at = text.find(token, at + 1)) {
    const auto end = at + token.size();
    if (end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '+')) return true;
  }
  return false;
}

}  // namespace

std::optional<CpuTdp> cpu_tdp(std::string_view model_name) {
  const auto* found = std::find_if(std::begin(kTable), std::end(kTable),
                                   [&](const CpuTdp& entry) { return names(model_name, entry.model); });
  if (found == std::end(kTable)) return std::nullopt;
  return *found;
}

}  // namespace ecopt
