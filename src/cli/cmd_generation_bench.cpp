// ecopt generation-bench: the same text-generation benchmark on every
// device present, written as a side-by-side Markdown table.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/utsname.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/tasks/text_generation.hpp"

namespace ecopt::cli {

namespace {

struct GenerationBenchFlags {
  std::vector<std::string> devices;
  std::vector<std::string> presets;
  std::string out;
  std::string dtype = "float32";
  std::int64_t batch_size = 1;
  std::int64_t threads = 0;
  double min_window_s = 1.0;
  int repeats = 5;
  double cpu_watts_per_core = 0.0;
};

// The flags that change the result, as a command to rerun it.
std::string command_line(const GenerationBenchFlags& flags) {
  std::string line = "ecopt generation-bench";
  if (!flags.devices.empty()) line += fmt::format(" --devices {}", fmt::join(flags.devices, ","));
  if (!flags.presets.empty()) line += fmt::format(" --presets {}", fmt::join(flags.presets, ","));
  line += fmt::format(" --dtype {} --batch-size {} --min-window-s {} --repeats {}", flags.dtype,
                      flags.batch_size, flags.min_window_s, flags.repeats);
  if (flags.threads > 0) line += fmt::format(" --threads {}", flags.threads);
  if (flags.cpu_watts_per_core > 0)
    line += fmt::format(" --cpu-watts-per-core {}", flags.cpu_watts_per_core);
  if (!flags.out.empty()) line += fmt::format(" --out {}", flags.out);
  return line;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

std::string machine() {
  utsname system{};
  uname(&system);
  return fmt::format("{}, {} hardware threads, Linux {}", cpu_model(),
                     std::thread::hardware_concurrency(), system.release);
}

std::string utc_now() {
  return fmt::format(
      "{:%Y-%m-%d %H:%M} UTC",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

void run(const GenerationBenchFlags& flags) {
  GenerationBenchOptions options;
  options.devices = flags.devices;
  options.presets = flags.presets;
  options.generation.dtype = flags.dtype;
  options.generation.batch_size = flags.batch_size;
  options.threads = flags.threads;
  options.energy.min_window_s = flags.min_window_s;
  options.energy.repeats = flags.repeats;
  options.cpu_watts_per_core = flags.cpu_watts_per_core;
  options.log = [](const std::string& line) { std::cerr << line << '\n'; };
  const auto result = run_generation_benchmark(options);
  const auto markdown =
      generation_bench_markdown(result, {fmt::format("Command: `{}`", command_line(flags)),
                                         "Machine: " + machine(), "Date: " + utc_now()});
  if (flags.out.empty()) {
    std::cout << markdown;
    return;
  }
  std::ofstream out(flags.out);
  out << markdown;
  if (!out)
    throw InputError(
        fmt::format("cannot write '{}'; check the folder exists and is writable", flags.out));
  std::cerr << "wrote " << flags.out << '\n';
}

}  // namespace

void add_generation_bench_command(CLI::App& app) {
  auto flags = std::make_shared<GenerationBenchFlags>();
  auto* command = app.add_subcommand(
      "generation-bench",
      "Joules per token of text generation for each model size on every device (prompts of about "
      "20 words, 10 new tokens, greedy), side by side in Markdown");
  command
      ->add_option("--devices", flags->devices,
                   "Devices, e.g. cpu,cuda (default: cpu and cuda when present)")
      ->delimiter(',');
  command
      ->add_option("--presets", flags->presets,
                   fmt::format("Model sizes (default: all of {})",
                               fmt::join(transformer_preset_names(), ", ")))
      ->delimiter(',');
  command->add_option("--out", flags->out, "Markdown file to write (default: standard output)");
  command->add_option("--dtype", flags->dtype, "float32 or bfloat16")
      ->check(CLI::IsMember({"float32", "bfloat16"}));
  command->add_option("--batch-size", flags->batch_size, "Prompts generated together")
      ->check(CLI::PositiveNumber);
  command->add_option("--threads", flags->threads, "CPU threads (default: all)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--min-window-s", flags->min_window_s, "Shortest energy window")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--repeats", flags->repeats, "Energy windows per phase")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--cpu-watts-per-core", flags->cpu_watts_per_core,
                   "Watts per core for the CPU-time estimate (default: the energy module's)")
      ->check(CLI::NonNegativeNumber);
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
