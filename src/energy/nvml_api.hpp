#pragma once
// The few NVML declarations ECOpt uses, written from NVML's documented C
// API so that building needs no nvml.h; the library is loaded at run time.
// The test suite's fake libnvidia-ml is built against this header too.

extern "C" {

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st* nvmlDevice_t;

// Layout of nvmlPciInfo_t as filled by nvmlDeviceGetPciInfo_v3.
typedef struct nvmlPciInfo_st {
  char busIdLegacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[32];
} nvmlPciInfo_t;

}  // extern "C"

namespace ecopt::detail::nvml {

constexpr nvmlReturn_t kSuccess = 0;
constexpr nvmlReturn_t kNotSupported = 3;
constexpr unsigned int kUuidBufferSize = 96;
constexpr unsigned int kNameBufferSize = 96;

using InitFn = nvmlReturn_t (*)();
using ShutdownFn = nvmlReturn_t (*)();
using ErrorStringFn = const char* (*)(nvmlReturn_t);
using GetCountFn = nvmlReturn_t (*)(unsigned int*);
using GetHandleByIndexFn = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
using GetTotalEnergyFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned long long*);  // mJ
using GetPowerUsageFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*);         // mW
using GetPciInfoFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlPciInfo_t*);
using GetStringFn = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);       // UUID, name
// Current and pending MIG mode (kMigEnabled or 0); absent from old drivers.
using GetMigModeFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*, unsigned int*);
constexpr unsigned int kMigEnabled = 1;

}  // namespace ecopt::detail::nvml
