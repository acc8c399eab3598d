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

// $ECOPT_CPU_ROOT, else /sys/devices/system/cpu: where the CPU topology is
// read (a test's fake topology, as ECOPT_POWERCAP_ROOT fakes RAPL).
std::string default_cpu_root();

// $ECOPT_NVML_LIBRARY, else libnvidia-ml.so.1: the NVML that meters and
// device leases load, so that both see the same GPUs.
std::string default_nvml_library();

// The CPUs this process may run on (sched_getaffinity, not nproc: a
// cgroup, taskset or Slurm may allow fewer), ascending.
std::vector<int> usable_cpus();

// CPUs of one package that one trial leases and runs on.
struct CpuSet {
  int package = 0;
  std::vector<int> cpus;  // ascending
};

// usable_cpus() grouped by package and cut, in order, into disjoint sets of
// `size` CPUs within one package (a trial never spans two RAPL packages);
// CPUs left over in a package join no set. Throws InputError when no
// package has `size` usable CPUs.
std::vector<CpuSet> cpu_sets(const std::string& cpu_root, int size);

// "0-3,8", as /proc/<pid>/status's Cpus_allowed_list writes it.
std::string cpu_list_text(const std::vector<int>& cpus);

// Runs every thread of this process on `cpus` (the programs it starts, and
// threads started meanwhile, inherit it) until destroyed, when each thread
// gets back the CPUs the process had. Empty `cpus`: changes nothing.
class CpuPinning {
 public:
  explicit CpuPinning(const std::vector<int>& cpus);
  ~CpuPinning();
  CpuPinning(const CpuPinning&) = delete;
  CpuPinning& operator=(const CpuPinning&) = delete;

 private:
  std::vector<int> before_;  // empty: nothing pinned
};

}  // namespace ecopt
