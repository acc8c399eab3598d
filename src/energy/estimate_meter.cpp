// The fallback where no CPU sensor can be read: CPU time of a process tree
// × watts per hardware thread (a core's watts shared by its SMT threads),
// plus an optional memory term (watts per GiB resident). An estimate, and
// every figure it produces says so.
#include <unistd.h>

#include <mutex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "backends.hpp"
#include "poller.hpp"

namespace ecopt::detail {
namespace {

constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;
constexpr double kMemorySamplePeriodS = 0.5;

class EstimateMeter final : public Meter {
 public:
  EstimateMeter(std::function<ProcessTreeUsage()> usage, CpuTimeCharge charge,
                double memory_watts_per_gib, std::shared_ptr<const MonotonicClock> clock, bool polling,
                bool own_process)
      : usage_(std::move(usage)),
        charge_(std::move(charge)),
        memory_watts_per_gib_(memory_watts_per_gib),
        clock_(std::move(clock)),
        own_process_(own_process) {
    const auto start = usage_();
    start_cpu_s_ = start.cpu_s;
    last_cpu_s_ = start.cpu_s;
    last_rss_bytes_ = start.rss_bytes;
    last_s_ = clock_->now_s();
    // Resident memory changes between reads; sample it in between when the
    // memory term is on. CPU time is cumulative and needs no thread.
    if (polling && memory_watts_per_gib_ > 0)
      poller_ = std::make_unique<Poller>(kMemorySamplePeriodS, [this] { sample(); });
  }

  std::string device() const override { return "cpu (estimate)"; }
  EnergySource source() const override { return EnergySource::EstimateCpuTime; }
  std::vector<std::string> domains() const override {
    if (memory_watts_per_gib_ > 0) return {"cpu-time", "memory"};
    return {"cpu-time"};
  }
  std::vector<double> read_j() override {
    sample();
    std::lock_guard lock(mutex_);
    const double cpu_j = (last_cpu_s_ - start_cpu_s_) * charge_.watts_per_thread();
    if (memory_watts_per_gib_ > 0) return {cpu_j, memory_j_};
    return {cpu_j};
  }
  double update_period_s() const override { return 0.0; }
  // CPU time is accounted in scheduler ticks (10 ms at the usual 100 Hz).
  double resolution_s() const override { return 1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK)); }
  // A tick of CPU time is charged whole: the cpu-time domain moves in
  // quanta of tick × watts per thread (the memory term is integrated).
  double step_energy_j(std::size_t domain, double mean_w) const override {
    return domain == 0 ? resolution_s() * charge_.watts_per_thread() : resolution_s() * mean_w;
  }
  double background_cpu_s() const override { return poller_ ? poller_->cpu_s() : 0.0; }
  std::string estimate_basis() const override { return "CPU time × " + charge_.text(); }
  std::string description() const override {
    std::string text = fmt::format(
        "ESTIMATE, not a measurement: CPU time of {} × {}",
        own_process_ ? "this process and its children" : "the measured command's process tree",
        charge_.text());
    if (memory_watts_per_gib_ > 0)
      text += fmt::format(" + {:.3f} W per GiB resident", memory_watts_per_gib_);
    return text;
  }

 private:
  void sample() {
    const auto usage = usage_();
    std::lock_guard lock(mutex_);
    const double now_s = clock_->now_s();
    // Time of a process that ended but is not yet reaped briefly drops out
    // of a live process tree: never let the total go backwards.
    last_cpu_s_ = std::max(last_cpu_s_, usage.cpu_s);
    memory_j_ += memory_watts_per_gib_ * (last_rss_bytes_ + usage.rss_bytes) / 2 / kBytesPerGib *
                 (now_s - last_s_);
    last_rss_bytes_ = usage.rss_bytes;
    last_s_ = now_s;
  }

  std::function<ProcessTreeUsage()> usage_;
  CpuTimeCharge charge_;
  double memory_watts_per_gib_;
  std::shared_ptr<const MonotonicClock> clock_;
  bool own_process_;
  mutable std::mutex mutex_;
  double start_cpu_s_ = 0.0;
  double last_cpu_s_ = 0.0;
  double last_rss_bytes_ = 0.0;
  double last_s_ = 0.0;
  double memory_j_ = 0.0;
  std::unique_ptr<Poller> poller_;
};

}  // namespace

std::unique_ptr<Meter> make_estimate_meter(const DiscoveryOptions& options) {
  const bool own_process = !options.estimate_usage;
  return std::make_unique<EstimateMeter>(
      own_process ? std::function<ProcessTreeUsage()>(own_process_usage) : options.estimate_usage,
      cpu_time_charge(options), options.memory_watts_per_gib, options.clock,
      options.background_polling, own_process);
}

}  // namespace ecopt::detail

namespace ecopt {
namespace {

// Online hardware threads over distinct cores (sets of SMT siblings); an
// average where cores differ (hybrid CPUs). The error says what was unreadable.
double threads_per_core(const DiscoveryOptions& options, std::string& error) {
  const auto online_path = options.cpu_root + "/online";
  const auto online = detail::parse_cpu_list(options.file_reader->read(online_path).text);
  if (online.empty()) {
    error = fmt::format("cannot read the online CPUs from {}", online_path);
    return 0.0;
  }
  std::set<std::string> cores;
  for (const int cpu : online) {
    const auto path = fmt::format("{}/cpu{}/topology/thread_siblings_list", options.cpu_root, cpu);
    const auto siblings = options.file_reader->read(path);
    if (siblings.error != 0 || detail::parse_cpu_list(siblings.text).empty()) {
      error = fmt::format("cannot read {}", path);
      return 0.0;
    }
    cores.insert(siblings.text.substr(0, siblings.text.find('\n')));
  }
  return static_cast<double>(online.size()) / static_cast<double>(cores.size());
}

// The value of the first /proc/cpuinfo line whose key is `key` ("model
// name", "flags"); empty when there is none.
std::string cpuinfo_value(const DiscoveryOptions& options, std::string_view key) {
  std::istringstream lines(options.file_reader->read(options.cpuinfo_path).text);
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || line.rfind(key, 0) != 0) continue;
    const auto start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

// Whether the CPU flags hold the hypervisor flag, which x86 CPUs show
// inside a virtual machine.
bool hypervisor_flag(const DiscoveryOptions& options) {
  std::istringstream words(cpuinfo_value(options, "flags"));
  for (std::string word; words >> word;) {
    if (word == "hypervisor") return true;
  }
  return false;
}

// Watts per core from what was given, else the CPU model's published TDP,
// else the default; the basis says which.
void set_watts_per_core(const DiscoveryOptions& options, CpuTimeCharge& charge) {
  if (options.cpu_watts_per_core > 0) {
    charge.watts_per_core = options.cpu_watts_per_core;
    charge.basis = "given";
    return;
  }
  const std::string model = cpuinfo_value(options, "model name");
  if (const auto tdp = cpu_tdp(model)) {
    charge.watts_per_core = tdp->tdp_w / tdp->cores;
    charge.basis = fmt::format("the {}'s TDP, {:g} W / {} cores, from {}", tdp->model, tdp->tdp_w, tdp->cores,
                               tdp->source);
    return;
  }
  charge.basis = fmt::format(
      "ECOpt's default (the Xeon Platinum 8380's 270 W / 40 cores): {}; give your CPU's TDP / cores as "
      "cpu_watts_per_core",
      model.empty() ? "no CPU model in " + options.cpuinfo_path
                    : fmt::format("CPU model '{}' is not in ECOpt's TDP table", model));
}

}  // namespace

double CpuTimeCharge::watts_per_thread() const {
  return threads_per_core > 0 ? watts_per_core / threads_per_core : watts_per_core;
}

std::string CpuTimeCharge::text() const {
  const std::string hidden_smt =
      virtual_machine && threads_per_core <= 1
          ? "; a virtual machine: its vCPUs may be hardware threads of the host's SMT cores, each "
            "charged here as a whole core, so the figure may be up to 2× high (give the host's watts "
            "per thread as the watts per core if so)"
          : "";
  if (threads_per_core <= 0)
    return fmt::format(
        "{:.2f} W per hardware thread ({:.2f} W per core, each thread charged as a whole core: "
        "threads per core unknown, {}{}); watts per core: {}",
        watts_per_thread(), watts_per_core, unknown_reason, hidden_smt, basis);
  return fmt::format("{:.2f} W per hardware thread ({:.2f} W per core / {:g} {} per core{}); watts per core: {}",
                     watts_per_thread(), watts_per_core, threads_per_core,
                     threads_per_core == 1 ? "thread" : "threads", hidden_smt, basis);
}

CpuTimeCharge cpu_time_charge(const DiscoveryOptions& given) {
  const auto options = detail::with_defaults(given);
  CpuTimeCharge charge;
  set_watts_per_core(options, charge);
  charge.threads_per_core = threads_per_core(options, charge.unknown_reason);
  charge.virtual_machine = hypervisor_flag(options);
  return charge;
}

}  // namespace ecopt
