// NVIDIA GPUs through NVML, loaded with dlopen at run time. The energy
// counter (mJ, Volta and newer) where the GPU has one, else power (mW)
// sampled by a thread and integrated. GPUs are named cuda:N in PCI bus
// order after CUDA_VISIBLE_DEVICES (indices or UUIDs) is applied.
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "backends.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/energy/device_identity.hpp"
#include "nvml_api.hpp"
#include "poller.hpp"

namespace ecopt::detail {
namespace {

constexpr double kCounterUpdatePeriodS = 0.1;  // an H100's counter moves about every 100 ms
constexpr double kCounterPollPeriodS = 0.05;   // half the update period, to count every update
constexpr double kPowerSamplePeriodS = 0.05;

template <typename Fn>
Fn symbol(void* handle, const char* name, const std::string& path) {
  void* address = dlsym(handle, name);
  if (!address)
    throw UnavailableError(fmt::format(
        "nvml: {} has no {} (NVIDIA driver too old: update it)", path, name));
  return reinterpret_cast<Fn>(address);
}

// The loaded library; every NVML error is translated to text here.
class NvmlLibrary {
 public:
  explicit NvmlLibrary(const std::string& path) {
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_)
      throw UnavailableError(fmt::format(
          "nvml: cannot load {} ({}): no NVIDIA driver on this machine, or it is not on the "
          "library path",
          path, dlerror()));
    try {
      init_ = symbol<nvml::InitFn>(handle_, "nvmlInit_v2", path);
      shutdown_ = symbol<nvml::ShutdownFn>(handle_, "nvmlShutdown", path);
      error_string_ = symbol<nvml::ErrorStringFn>(handle_, "nvmlErrorString", path);
      get_count = symbol<nvml::GetCountFn>(handle_, "nvmlDeviceGetCount_v2", path);
      get_handle = symbol<nvml::GetHandleByIndexFn>(handle_, "nvmlDeviceGetHandleByIndex_v2", path);
      get_total_energy =
          symbol<nvml::GetTotalEnergyFn>(handle_, "nvmlDeviceGetTotalEnergyConsumption", path);
      get_power = symbol<nvml::GetPowerUsageFn>(handle_, "nvmlDeviceGetPowerUsage", path);
      get_pci = symbol<nvml::GetPciInfoFn>(handle_, "nvmlDeviceGetPciInfo_v3", path);
      get_uuid = symbol<nvml::GetStringFn>(handle_, "nvmlDeviceGetUUID", path);
      get_name = symbol<nvml::GetStringFn>(handle_, "nvmlDeviceGetName", path);
      get_mig_mode = reinterpret_cast<nvml::GetMigModeFn>(dlsym(handle_, "nvmlDeviceGetMigMode"));
      check(init_(), "nvmlInit");
    } catch (...) {
      dlclose(handle_);
      throw;
    }
  }
  ~NvmlLibrary() {
    shutdown_();
    dlclose(handle_);
  }
  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;

  std::string error_text(nvmlReturn_t rc) const {
    const char* text = error_string_(rc);
    return fmt::format("{} (NVML error {})", text ? text : "unknown error", rc);
  }
  void check(nvmlReturn_t rc, std::string_view what) const {
    if (rc != nvml::kSuccess) throw UnavailableError(fmt::format("nvml: {} failed: {}", what, error_text(rc)));
  }

  nvml::GetCountFn get_count = nullptr;
  nvml::GetHandleByIndexFn get_handle = nullptr;
  nvml::GetTotalEnergyFn get_total_energy = nullptr;
  nvml::GetPowerUsageFn get_power = nullptr;
  nvml::GetPciInfoFn get_pci = nullptr;
  nvml::GetStringFn get_uuid = nullptr;
  nvml::GetStringFn get_name = nullptr;
  nvml::GetMigModeFn get_mig_mode = nullptr;  // null: this driver cannot say

 private:
  void* handle_ = nullptr;
  nvml::InitFn init_ = nullptr;
  nvml::ShutdownFn shutdown_ = nullptr;
  nvml::ErrorStringFn error_string_ = nullptr;
};

struct Gpu {
  nvmlDevice_t handle = nullptr;
  std::tuple<unsigned, unsigned, unsigned> pci;  // domain, bus, device
  std::string bus_id;
  std::string uuid;
  std::string name;
  // Empty where MIG is off or the GPU has none; else what ECOpt knows of
  // it, for the meter's description ("MIG enabled: ...").
  std::string mig;
  bool mig_enabled = false;  // the counter is shared by every MIG instance
};

// MIG splits one GPU among instances (often users) while NVML's energy and
// power cover the whole GPU: say so wherever it is on, or cannot be known,
// and mark its windows shared where it is on.
void read_mig_mode(const NvmlLibrary& nvml, Gpu& gpu) {
  if (!nvml.get_mig_mode) {
    gpu.mig = "MIG mode unknown: this NVML has no nvmlDeviceGetMigMode (driver older than R450)";
    return;
  }
  unsigned int current = 0;
  unsigned int pending = 0;
  const auto rc = nvml.get_mig_mode(gpu.handle, &current, &pending);
  if (rc == nvml::kNotSupported) return;  // a GPU without MIG
  if (rc != nvml::kSuccess) {
    gpu.mig = "MIG mode unknown: nvmlDeviceGetMigMode failed: " + nvml.error_text(rc);
    return;
  }
  gpu.mig_enabled = current == nvml::kMigEnabled;
  if (gpu.mig_enabled)
    gpu.mig = "MIG enabled: the figures are the whole GPU's, every MIG instance's work included";
}

std::vector<Gpu> list_gpus(const NvmlLibrary& nvml) {
  unsigned int count = 0;
  nvml.check(nvml.get_count(&count), "nvmlDeviceGetCount");
  std::vector<Gpu> gpus;
  for (unsigned int i = 0; i < count; ++i) {
    Gpu gpu;
    nvml.check(nvml.get_handle(i, &gpu.handle), "nvmlDeviceGetHandleByIndex");
    nvmlPciInfo_t pci{};
    nvml.check(nvml.get_pci(gpu.handle, &pci), "nvmlDeviceGetPciInfo");
    gpu.pci = {pci.domain, pci.bus, pci.device};
    gpu.bus_id = pci.busId;
    char text[nvml::kUuidBufferSize] = {};
    nvml.check(nvml.get_uuid(gpu.handle, text, sizeof text), "nvmlDeviceGetUUID");
    gpu.uuid = text;
    char name[nvml::kNameBufferSize] = {};
    if (nvml.get_name(gpu.handle, name, sizeof name) == nvml::kSuccess) gpu.name = name;
    read_mig_mode(nvml, gpu);
    gpus.push_back(std::move(gpu));
  }
  std::sort(gpus.begin(), gpus.end(), [](const Gpu& a, const Gpu& b) { return a.pci < b.pci; });
  return gpus;
}

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t");
  const auto last = text.find_last_not_of(" \t\n");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// Indices into `gpus` (PCI order) that CUDA makes visible, in CUDA's order.
// Like CUDA, the list ends at the first entry that names no GPU.
std::vector<std::size_t> visible_gpus(const std::vector<Gpu>& gpus, const char* visible,
                                      std::vector<std::string>& warnings) {
  std::vector<std::size_t> order;
  if (!visible) {
    for (std::size_t i = 0; i < gpus.size(); ++i) order.push_back(i);
    return order;
  }
  std::istringstream entries(visible);
  for (std::string entry; std::getline(entries, entry, ',');) {
    entry = trim(entry);
    std::optional<std::size_t> match;
    if (!entry.empty() && entry.find_first_not_of("0123456789") == std::string::npos) {
      if (const auto index = std::stoul(entry); index < gpus.size()) match = index;
    } else if (entry.rfind("GPU-", 0) == 0) {
      for (std::size_t i = 0; i < gpus.size(); ++i)
        if (gpus[i].uuid.rfind(entry, 0) == 0) match = match ? std::optional<std::size_t>() : i;
    }
    if (!match || std::find(order.begin(), order.end(), *match) != order.end()) {
      warnings.push_back(fmt::format(
          "nvml: CUDA_VISIBLE_DEVICES entry '{}' names no single GPU (MIG instances are not "
          "supported): it and the entries after it are ignored, as CUDA does",
          entry));
      break;
    }
    order.push_back(*match);
  }
  return order;
}

std::string mig_suffix(const Gpu& gpu) { return gpu.mig.empty() ? "" : "; " + gpu.mig; }

class NvmlCounterMeter final : public Meter {
 public:
  NvmlCounterMeter(std::shared_ptr<NvmlLibrary> nvml, Gpu gpu, std::string device, bool polling)
      : nvml_(std::move(nvml)), gpu_(std::move(gpu)), device_(std::move(device)) {
    sample();
    if (polling)
      poller_ = std::make_unique<Poller>(kCounterPollPeriodS, [this] {
        try {
          sample();
        } catch (const Error&) {
        }
      });
  }
  std::string device() const override { return device_; }
  EnergySource source() const override { return EnergySource::NvmlEnergyCounter; }
  std::vector<std::string> domains() const override { return {"gpu"}; }
  std::vector<double> read_j() override {
    sample();
    return {static_cast<double>(counter_.totals().front()) * 1e-3};
  }
  bool shared() const override { return gpu_.mig_enabled; }
  double update_period_s() const override { return kCounterUpdatePeriodS; }
  std::int64_t counter_updates() const override { return counter_.first_changes(); }
  double background_cpu_s() const override { return poller_ ? poller_->cpu_s() : 0.0; }
  std::string description() const override {
    return fmt::format("{} (PCI {}, {}): NVML total-energy counter (mJ), whole GPU{}", gpu_.name,
                       gpu_.bus_id, gpu_.uuid, mig_suffix(gpu_));
  }
  std::string uuid() const override { return gpu_.uuid; }

 private:
  void sample() {
    counter_.sample([this] {
      unsigned long long mj = 0;
      nvml_->check(nvml_->get_total_energy(gpu_.handle, &mj), "nvmlDeviceGetTotalEnergyConsumption");
      return std::vector<unsigned long long>{mj};
    });
  }

  std::shared_ptr<NvmlLibrary> nvml_;
  Gpu gpu_;
  std::string device_;
  CounterSet counter_{{0}};  // 64-bit millijoules: never wraps in practice
  std::unique_ptr<Poller> poller_;
};

class NvmlPowerMeter final : public Meter {
 public:
  NvmlPowerMeter(std::shared_ptr<NvmlLibrary> nvml, Gpu gpu, std::string device,
                 std::shared_ptr<const MonotonicClock> clock, bool polling)
      : nvml_(std::move(nvml)), gpu_(std::move(gpu)), device_(std::move(device)), clock_(std::move(clock)) {
    sample();
    if (polling)
      poller_ = std::make_unique<Poller>(kPowerSamplePeriodS, [this] {
        try {
          sample();
        } catch (const Error&) {
        }
      });
  }
  std::string device() const override { return device_; }
  EnergySource source() const override { return EnergySource::NvmlPowerIntegration; }
  std::vector<std::string> domains() const override { return {"gpu"}; }
  std::vector<double> read_j() override {
    sample();
    std::lock_guard lock(mutex_);
    return {energy_j_};
  }
  bool shared() const override { return gpu_.mig_enabled; }
  double update_period_s() const override { return kPowerSamplePeriodS; }
  std::int64_t counter_updates() const override {
    std::lock_guard lock(mutex_);
    return samples_ - 1;
  }
  double background_cpu_s() const override { return poller_ ? poller_->cpu_s() : 0.0; }
  std::string description() const override {
    return fmt::format(
        "{} (PCI {}, {}): NVML power (mW) sampled every {:.0f} ms and integrated (no energy "
        "counter on this GPU), whole GPU{}",
        gpu_.name, gpu_.bus_id, gpu_.uuid, kPowerSamplePeriodS * 1e3, mig_suffix(gpu_));
  }
  std::string uuid() const override { return gpu_.uuid; }

 private:
  // Trapezoidal integration between consecutive samples. The power is read
  // under the lock too, so an older sample never follows a newer one.
  void sample() {
    std::lock_guard lock(mutex_);
    unsigned int mw = 0;
    nvml_->check(nvml_->get_power(gpu_.handle, &mw), "nvmlDeviceGetPowerUsage");
    const double now_s = clock_->now_s();
    const double power_w = mw * 1e-3;
    if (samples_ > 0) energy_j_ += (last_power_w_ + power_w) / 2 * (now_s - last_s_);
    last_power_w_ = power_w;
    last_s_ = now_s;
    ++samples_;
  }

  std::shared_ptr<NvmlLibrary> nvml_;
  Gpu gpu_;
  std::string device_;
  std::shared_ptr<const MonotonicClock> clock_;
  mutable std::mutex mutex_;
  double energy_j_ = 0.0;
  double last_power_w_ = 0.0;
  double last_s_ = 0.0;
  std::int64_t samples_ = 0;
  std::unique_ptr<Poller> poller_;
};

void warn_about_device_order(const std::vector<Gpu>& gpus, Discovery& found) {
  const char* order = std::getenv("CUDA_DEVICE_ORDER");
  const bool mixed = std::any_of(gpus.begin(), gpus.end(),
                                 [&](const Gpu& gpu) { return gpu.name != gpus.front().name; });
  if (mixed && (!order || std::string(order) != "PCI_BUS_ID"))
    found.warnings.push_back(
        "nvml: GPUs of different models and CUDA_DEVICE_ORDER is not PCI_BUS_ID: ECOpt names "
        "GPUs cuda:N in PCI bus order, CUDA numbers the fastest first; set "
        "CUDA_DEVICE_ORDER=PCI_BUS_ID so that both agree");
}

std::unique_ptr<Meter> make_gpu_meter(const std::shared_ptr<NvmlLibrary>& nvml, const Gpu& gpu,
                                      const std::string& device, const DiscoveryOptions& options,
                                      Discovery& found) {
  unsigned long long mj = 0;
  const auto counter_rc = nvml->get_total_energy(gpu.handle, &mj);
  if (counter_rc == nvml::kSuccess)
    return std::make_unique<NvmlCounterMeter>(nvml, gpu, device, options.background_polling);
  unsigned int mw = 0;
  const auto power_rc = nvml->get_power(gpu.handle, &mw);
  if (power_rc == nvml::kSuccess)
    return std::make_unique<NvmlPowerMeter>(nvml, gpu, device, options.clock,
                                            options.background_polling);
  found.unavailable.push_back(fmt::format(
      "nvml {} ({}): no energy counter ({}) and no power reading ({})", device, gpu.bus_id,
      nvml->error_text(counter_rc), nvml->error_text(power_rc)));
  return nullptr;
}

}  // namespace

void discover_nvml(const DiscoveryOptions& options, Discovery& found) {
  try {
    auto nvml = std::make_shared<NvmlLibrary>(options.nvml_library);
    const auto gpus = list_gpus(*nvml);
    if (gpus.empty()) throw UnavailableError("nvml: the driver reports no NVIDIA GPU");
    const char* visible_env = std::getenv("CUDA_VISIBLE_DEVICES");
    const auto visible = visible_gpus(gpus, visible_env, found.warnings);
    if (visible.empty())
      throw UnavailableError(fmt::format(
          "nvml: CUDA_VISIBLE_DEVICES='{}' hides every GPU", visible_env ? visible_env : ""));
    warn_about_device_order(gpus, found);
    for (std::size_t cuda_index = 0; cuda_index < visible.size(); ++cuda_index) {
      const std::string device = fmt::format("cuda:{}", cuda_index);
      const Gpu& gpu = gpus[visible[cuda_index]];
      if (!gpu.mig.empty())
        found.warnings.push_back(fmt::format("nvml {} ({}): {}", device, gpu.uuid, gpu.mig));
      if (auto meter = make_gpu_meter(nvml, gpu, device, options, found))
        found.meters.push_back(std::move(meter));
    }
  } catch (const UnavailableError& error) {
    found.unavailable.emplace_back(error.what());
  }
}

}  // namespace ecopt::detail

namespace ecopt {

std::vector<std::string> gpu_uuids(const std::string& nvml_library, DeviceScope scope) {
  const detail::NvmlLibrary nvml(nvml_library);
  const auto gpus = detail::list_gpus(nvml);
  std::vector<std::string> uuids;
  if (scope == DeviceScope::kMachine) {
    for (const auto& gpu : gpus) uuids.push_back(gpu.uuid);
    return uuids;
  }
  std::vector<std::string> ignored_warnings;  // discover_meters reports them
  for (const auto index : detail::visible_gpus(gpus, std::getenv("CUDA_VISIBLE_DEVICES"), ignored_warnings))
    uuids.push_back(gpus[index].uuid);
  return uuids;
}

}  // namespace ecopt
