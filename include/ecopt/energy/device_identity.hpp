#pragma once
// The physical devices behind the names a process uses. Two Slurm jobs on
// one node may both call their GPU cuda:0; device leases must follow the
// hardware, so they are named by what these functions return.
#include <string>
#include <vector>

namespace ecopt {

enum class DeviceScope {
  kVisible,  // what this process may use: CUDA_VISIBLE_DEVICES, CPU affinity
  kMachine,  // everything on the node
};

// NVML UUIDs ("GPU-...") of the node's GPUs. kVisible: in cuda:N order
// after CUDA_VISIBLE_DEVICES, as discover_meters names them. Throws
// UnavailableError (saying why) when NVML cannot be loaded or fails.
std::vector<std::string> gpu_uuids(const std::string& nvml_library, DeviceScope scope);

// Physical package ids of the CPUs in scope, sorted and unique, read from
// <cpu_root>/cpuN/topology/physical_package_id. Throws UnavailableError
// when the topology cannot be read.
std::vector<int> cpu_packages(const std::string& cpu_root, DeviceScope scope);

}  // namespace ecopt
