#pragma once
// The test's own handle on the fake libnvidia-ml (fake_nvml.cpp), to script
// it; the meters load the same file by path and share its state.
#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace ecopt::testing {

class FakeNvml {
 public:
  // Holds the fake's next energy or power read (see interleave_a_stale_read).
  struct ReadGate {
    void arm() { nvml->hold_next_read(); }
    bool wait_until_holding() { return nvml->wait_until_holding() != 0; }
    void release() { nvml->release_read(); }
    FakeNvml* nvml;
  };

  explicit FakeNvml(const char* path = ECOPT_FAKE_NVML_PATH)
      : handle_(dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
    if (!handle_) throw std::runtime_error(dlerror());
    reset = fn<void (*)()>("fake_nvml_reset");
    add_device = fn<int (*)(unsigned, const char*, const char*, int, int)>("fake_nvml_add_device");
    set_energy_mj = fn<void (*)(int, unsigned long long)>("fake_nvml_set_energy_mj");
    set_power_mw = fn<void (*)(int, unsigned)>("fake_nvml_set_power_mw");
    set_init_rc = fn<void (*)(int)>("fake_nvml_set_init_rc");
    live_inits = fn<int (*)()>("fake_nvml_live_inits");
    set_mig = fn<void (*)(int, int, unsigned)>("fake_nvml_set_mig");
    hold_next_read = fn<void (*)()>("fake_nvml_hold_next_read");
    wait_until_holding = fn<int (*)()>("fake_nvml_wait_until_holding");
    release_read = fn<void (*)()>("fake_nvml_release_read");
    reset();
  }
  ~FakeNvml() { dlclose(handle_); }
  FakeNvml(const FakeNvml&) = delete;
  FakeNvml& operator=(const FakeNvml&) = delete;

  ReadGate read_gate() { return ReadGate{this}; }

  static constexpr const char* kPath = ECOPT_FAKE_NVML_PATH;

  void (*reset)();
  int (*add_device)(unsigned, const char*, const char*, int, int);
  void (*set_energy_mj)(int, unsigned long long);
  void (*set_power_mw)(int, unsigned);
  void (*set_init_rc)(int);
  int (*live_inits)();
  void (*set_mig)(int, int, unsigned);
  void (*hold_next_read)();
  int (*wait_until_holding)();
  void (*release_read)();

 private:
  template <typename Fn>
  Fn fn(const char* name) {
    const auto address = dlsym(handle_, name);
    if (!address) throw std::runtime_error(std::string("the fake NVML has no ") + name);
    return reinterpret_cast<Fn>(address);
  }
  void* handle_;
};

}  // namespace ecopt::testing
