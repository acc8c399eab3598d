#pragma once
// Private, header-only: turning a device name into a torch device, shared by
// the libtorch task translation units (inline, so no extra libtorch TU).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <torch/torch.h>

#include "ecopt/core/error.hpp"
#include "ecopt/energy/device_identity.hpp"

namespace ecopt::detail {

// `subject` says in errors how the device was asked for and holds one {} for
// its name (e.g. "task.device = \"{}\""); `cpu_hint` is the fix to suggest.
inline torch::Device resolve_device(const std::string& name, std::string_view subject,
                                    std::string_view cpu_hint) {
  if (name == "cpu") return torch::kCPU;
  const auto requested = fmt::format(fmt::runtime(subject), name);
  if (!torch::cuda::is_available()) {
    throw UnavailableError(fmt::format(
        "{} but libtorch sees no CUDA device (CPU-only libtorch or no GPU); use {}", requested,
        cpu_hint));
  }
  const torch::Device device(name == "cuda" ? std::string("cuda:0") : name);
  if (device.index() >= static_cast<int>(torch::cuda::device_count())) {
    throw UnavailableError(fmt::format("{} but only {} CUDA devices exist", requested,
                                       torch::cuda::device_count()));
  }
  return device;
}

// A trial runs on its worker's leased accelerator when it has one, else on
// the task's own device setting.
inline torch::Device trial_device(const std::optional<std::string>& leased,
                                  const std::string& configured) {
  if (leased) {
    return resolve_device(*leased, "the worker's device lease is \"{}\"",
                          "--devices cpu for the worker");
  }
  return resolve_device(configured, "task.device = \"{}\"", "device = \"cpu\"");
}

// libtorch's intra-op threads: `requested` when above 0, else one per CPU
// this process may run on (a worker's CPU set during a trial,
// docs/scaling.md).
inline int thread_count(std::int64_t requested) {
  return static_cast<int>(requested > 0 ? requested : static_cast<std::int64_t>(usable_cpus().size()));
}

}  // namespace ecopt::detail
