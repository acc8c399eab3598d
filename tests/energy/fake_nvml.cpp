// A stand-in for libnvidia-ml.so.1 with scripted devices, loaded by the
// tests through the same dlopen path as the real library. Control
// functions (fake_nvml_*) let a test set devices, counters and errors.
// A process that cannot call them (the ecopt CLI in tests/gpu-check) sets
// ECOPT_FAKE_NVML_WATTS instead: one GPU drawing that power, its counter
// advancing every 100 ms as a real one does.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "nvml_api.hpp"
#include "read_gate.hpp"

namespace {

constexpr int kMaxDevices = 8;
constexpr nvmlReturn_t kInvalidArgument = 2;

struct FakeDevice {
  unsigned int bus = 0;
  char uuid[64] = {};
  char name[64] = {};
  nvmlReturn_t energy_rc = 0;
  nvmlReturn_t power_rc = 0;
  std::atomic<unsigned long long> energy_mj{0};
  std::atomic<unsigned int> power_mw{0};
  nvmlReturn_t mig_rc = 3;  // Not Supported: a GPU without MIG
  unsigned int mig_mode = 0;
  unsigned int constant_mw = 0;  // when set, counter and power follow the clock
};

constexpr long long kCounterUpdateMs = 100;

// The counter of a GPU drawing `mw` since the clock's epoch, at its last update.
unsigned long long constant_power_counter_mj(unsigned int mw) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
  return static_cast<unsigned long long>(ms / kCounterUpdateMs * kCounterUpdateMs) * mw / 1000;
}

FakeDevice g_devices[kMaxDevices];
std::atomic<unsigned int> g_count{0};
std::atomic<nvmlReturn_t> g_init_rc{0};
std::atomic<int> g_live_inits{0};

FakeDevice* device_of(nvmlDevice_t handle) { return reinterpret_cast<FakeDevice*>(handle); }

// Holds the next energy or power read after it took its value, until the
// test releases it (a poller's read that goes stale).
ecopt::testing::ReadGate g_gate;

}  // namespace

extern "C" {

void fake_nvml_reset() {
  g_count = 0;
  g_init_rc = 0;
}

// energy_rc / power_rc: what the energy and power queries return (0: success).
int fake_nvml_add_device(unsigned int bus, const char* uuid, const char* name,
                         nvmlReturn_t energy_rc, nvmlReturn_t power_rc) {
  const unsigned int index = g_count;
  FakeDevice& device = g_devices[index];
  device.bus = bus;
  std::snprintf(device.uuid, sizeof device.uuid, "%s", uuid);
  std::snprintf(device.name, sizeof device.name, "%s", name);
  device.energy_rc = energy_rc;
  device.power_rc = power_rc;
  device.energy_mj = 0;
  device.power_mw = 0;
  device.mig_rc = 3;
  device.mig_mode = 0;
  device.constant_mw = 0;
  g_count = index + 1;
  return static_cast<int>(index);
}

void fake_nvml_set_energy_mj(int index, unsigned long long mj) { g_devices[index].energy_mj = mj; }
void fake_nvml_set_power_mw(int index, unsigned int mw) { g_devices[index].power_mw = mw; }
void fake_nvml_set_init_rc(nvmlReturn_t rc) { g_init_rc = rc; }
// What nvmlDeviceGetMigMode returns (rc 0: success, with mode 1 = enabled).
void fake_nvml_set_mig(int index, nvmlReturn_t rc, unsigned int mode) {
  g_devices[index].mig_rc = rc;
  g_devices[index].mig_mode = mode;
}
int fake_nvml_live_inits() { return g_live_inits; }

void fake_nvml_hold_next_read() { g_gate.arm(); }
// 1 once a read is held (waits up to 10 s), else 0.
int fake_nvml_wait_until_holding() { return g_gate.wait_until_holding() ? 1 : 0; }
void fake_nvml_release_read() { g_gate.release(); }

// ECOPT_FAKE_NVML_WATTS: one GPU at that constant power from the start.
__attribute__((constructor)) static void add_constant_power_gpu() {
  const char* watts = std::getenv("ECOPT_FAKE_NVML_WATTS");
  if (!watts) return;
  const int index = fake_nvml_add_device(1, "GPU-00000000-fake-4000-8000-000000000300", "Fake H100", 0, 0);
  g_devices[index].constant_mw = static_cast<unsigned int>(std::atof(watts) * 1000);
}

nvmlReturn_t nvmlInit_v2() {
  if (g_init_rc != 0) return g_init_rc;
  ++g_live_inits;
  return 0;
}

nvmlReturn_t nvmlShutdown() {
  --g_live_inits;
  return 0;
}

const char* nvmlErrorString(nvmlReturn_t rc) {
  switch (rc) {
    case 0:
      return "Success";
    case 3:
      return "Not Supported";
    case 9:
      return "Driver Not Loaded";
    default:
      return "Unknown Error";
  }
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  *count = g_count;
  return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
  if (index >= g_count) return kInvalidArgument;
  *device = reinterpret_cast<nvmlDevice_t>(&g_devices[index]);
  return 0;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t handle, unsigned long long* mj) {
  const FakeDevice* device = device_of(handle);
  if (device->energy_rc != 0) return device->energy_rc;
  *mj = device->constant_mw ? constant_power_counter_mj(device->constant_mw) : device->energy_mj.load();
  g_gate.pass();
  return 0;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t handle, unsigned int* mw) {
  const FakeDevice* device = device_of(handle);
  if (device->power_rc != 0) return device->power_rc;
  *mw = device->constant_mw ? device->constant_mw : device->power_mw.load();
  g_gate.pass();
  return 0;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t handle, nvmlPciInfo_t* pci) {
  const FakeDevice* device = device_of(handle);
  std::memset(pci, 0, sizeof *pci);
  pci->bus = device->bus;
  std::snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.0", 0u, device->bus, 0u);
  std::snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.0", 0u, device->bus, 0u);
  return 0;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t handle, char* uuid, unsigned int length) {
  std::snprintf(uuid, length, "%s", device_of(handle)->uuid);
  return 0;
}

// Drivers before R450 have no MIG query: one build of the fake leaves it out.
#ifndef ECOPT_FAKE_NVML_WITHOUT_MIG
nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t handle, unsigned int* current,
                                  unsigned int* pending) {
  const FakeDevice* device = device_of(handle);
  if (device->mig_rc != 0) return device->mig_rc;
  *current = device->mig_mode;
  *pending = device->mig_mode;
  return 0;
}
#endif

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t handle, char* name, unsigned int length) {
  std::snprintf(name, length, "%s", device_of(handle)->name);
  return 0;
}

}  // extern "C"
