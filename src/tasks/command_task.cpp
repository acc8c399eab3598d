#include "ecopt/tasks/command_task.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/energy/process.hpp"
#include "ecopt/tasks/phases.hpp"
#include "command_protocol.hpp"
#include "json_config.hpp"
#include "task_common.hpp"

namespace ecopt {
namespace fs = std::filesystem;

namespace {

// As much as one ECOPT line may hold (ProcessOptions::max_stdout_line_bytes).
constexpr std::size_t kMaxResultFileBytes = std::size_t{1} << 20;

// Variables that hold a storage URL or database credentials: a trial
// program is the user's code, not a storage client, and never sees them.
const std::vector<std::string> kCredentialEnv = {"ECOPT_STORAGE", "ECOPT_WORKER_STORAGE",
                                                 "PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE"};

// A piece of a template: literal text, or the name in a {placeholder}.
struct TemplatePiece {
  std::string text;
  bool placeholder = false;
};

// Splits at {name}s ({{ and }} are literal braces); an unbalanced brace is
// an InputError naming `what`.
std::vector<TemplatePiece> parse_template(const std::string& text, const std::string& what) {
  std::vector<TemplatePiece> pieces(1);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      pieces.back().text += c;
      i += 2;
    } else if (c == '}') {
      throw InputError(fmt::format("{} has a lone '}}'; write }}}} for a literal brace", what));
    } else if (c == '{') {
      const auto close = text.find('}', i + 1);
      if (close == std::string::npos) {
        throw InputError(
            fmt::format("{} has an unclosed '{{'; write {{{{ for a literal brace", what));
      }
      pieces.push_back({text.substr(i + 1, close - i - 1), true});
      pieces.emplace_back();
      i = close + 1;
    } else {
      pieces.back().text += c;
      ++i;
    }
  }
  return pieces;
}

InputError unknown_placeholder(const std::string& what, const std::string& name) {
  return InputError(
      fmt::format("{} names {{{}}}, which is not a parameter of the search space", what, name));
}

std::string argv_element(const std::string& text) {
  return fmt::format("task.argv element \"{}\"", text);
}

}  // namespace

std::optional<std::string> render_template(const std::string& text, const ParamMap& params,
                                           const SearchSpace* space) {
  std::string out;
  for (const auto& piece : parse_template(text, argv_element(text))) {
    if (!piece.placeholder) {
      out += piece.text;
    } else if (const auto value = params.find(piece.text); value != params.end()) {
      out += to_string(value->second);
    } else if (space && space->find(piece.text)) {
      return std::nullopt;  // a conditional parameter inactive in this trial
    } else {
      throw unknown_placeholder(argv_element(text), piece.text);
    }
  }
  return out;
}

// A task.env name the program gets once, as given: a shell variable name,
// and none of the ECOPT_ names ECOpt passes itself (the program would see
// two, and getenv the user's).
void check_env_name(const std::string& key) {
  static const std::regex kName("[A-Za-z_][A-Za-z0-9_]*");
  if (!std::regex_match(key, kName)) {
    throw InputError(fmt::format("task.env key \"{}\" is not an environment variable name; use "
                                 "letters, digits and _, not starting with a digit",
                                 printable(cut_text(key, 60, 20))));
  }
  if (key.starts_with("ECOPT_")) {
    throw InputError(fmt::format("task.env.{}: ECOPT_ names are reserved for what ECOpt passes "
                                 "the program (docs/command-protocol.md); rename it",
                                 key));
  }
}

std::string param_env_name(const std::string& name) {
  std::string env = "ECOPT_PARAM_";
  for (const unsigned char c : name) env += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
  return env;
}

namespace {

// The CUDA_VISIBLE_DEVICES entry that CUDA calls cuda:<index> in this
// process: the index-th of our own list when one is set.
std::string visible_cuda_entry(int index) {
  const char* ours = std::getenv("CUDA_VISIBLE_DEVICES");
  if (!ours) return std::to_string(index);
  std::vector<std::string> entries;
  std::stringstream list(ours);
  for (std::string entry; std::getline(list, entry, ',');) entries.push_back(entry);
  if (index < 0 || index >= static_cast<int>(entries.size())) {
    throw Error(fmt::format("the lease names cuda:{} but CUDA_VISIBLE_DEVICES='{}' shows {} GPU(s); "
                            "lease only the devices 'ecopt devices' lists",
                            index, ours, entries.size()));
  }
  return entries[static_cast<std::size_t>(index)];
}

struct CommandSettings {
  std::vector<std::string> argv;
  std::string workdir;
  std::vector<std::pair<std::string, std::string>> env;
  double timeout_s = 0.0;
  int retries = 0;
  double grace_s = 5.0;
};

CommandSettings read_settings(const nlohmann::json& config) {
  detail::JsonConfig settings(config, "task");
  settings.reject_unknown({"kind", "argv", "workdir", "env", "timeout_s", "retries", "grace_s"});
  CommandSettings result;
  const auto& argv = settings.raw("argv");
  if (!argv.is_array() || argv.empty()) {
    throw InputError("task.argv must be a non-empty list of strings, e.g. [\"python3\", "
                     "\"train.py\", \"--lr\", \"{lr}\"]");
  }
  for (const auto& element : argv) {
    if (!element.is_string()) {
      throw InputError(fmt::format("task.argv element {} is not a string; quote it", element.dump()));
    }
    result.argv.push_back(element.get<std::string>());
  }
  result.workdir = settings.text("workdir", "");
  if (settings.has("env")) {
    const auto& env = settings.raw("env");
    if (!env.is_object()) throw InputError("task.env must be a table of NAME = \"value\"");
    for (const auto& [key, value] : env.items()) {
      check_env_name(key);
      if (!value.is_string()) {
        throw InputError(fmt::format("task.env.{} must be a string; quote it", key));
      }
      result.env.emplace_back(key, value.get<std::string>());
    }
  }
  result.timeout_s = settings.number("timeout_s", 24 * 3600.0, 0.001, 1e9);
  result.retries = static_cast<int>(settings.integer("retries", 0, 0, 100));
  result.grace_s = settings.number("grace_s", 5.0, 0.0, 3600.0);
  return result;
}

// Names the run's scratch folders so that a later run can find those of a
// trial whose process died.
std::string scratch_prefix(std::int64_t trial_number, std::int64_t pid) {
  return fmt::format("ecopt-trial-{}-{}-", trial_number, pid);
}

// A trial's scratch folder: the params file and the result file live here.
class ScratchDir {
 public:
  explicit ScratchDir(std::int64_t trial_number) {
    std::random_device entropy;
    path_ = fs::temp_directory_path() /
            fmt::format("{}{:08x}", scratch_prefix(trial_number, ::getpid()), entropy());
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw Error(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
}

// Metrics and phase events read from the program's stdout, on the reader
// thread, while the main thread waits.
class ProtocolReader {
 public:
  explicit ProtocolReader(EnergyMonitor& monitor) : phases_(monitor) {}

  void on_line(std::string_view line) {
    if (!line.starts_with(detail::kProtocolPrefix)) return;
    std::lock_guard lock(mutex_);
    ++line_number_;
    if (error_) return;
    try {
      const auto message = detail::parse_protocol_line(line, line_number_);
      if (const auto* phase = std::get_if<detail::PhaseEvent>(&*message); phase && phase->begin) {
        phases_.begin(phase->phase);
      } else if (phase) {
        phases_.end(phase->phase, phase->samples, measured_);
        metrics_.update(measured_);
      } else if (auto* report = std::get_if<IntermediateReport>(&*message)) {
        add_report(std::move(*report));
      } else {
        add_metrics(std::get<nlohmann::json>(*message));
      }
    } catch (const Error& e) {
      error_ = e.what();
    }
  }

  // Closes phases the program left open: an error, as their energy is lost.
  void finish() {
    std::lock_guard lock(mutex_);
    const auto open = phases_.abandon_open();
    if (open && !error_) error_ = fmt::format("phase \"{}\" was begun but never ended", *open);
  }

  nlohmann::json metrics() const {
    std::lock_guard lock(mutex_);
    return metrics_;
  }
  std::vector<EnergyRecord> phase_records() const {
    std::lock_guard lock(mutex_);
    return phases_.records();
  }
  std::optional<std::string> error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }

  void merge(const nlohmann::json& metrics) {
    std::lock_guard lock(mutex_);
    add_metrics(metrics);
  }

  // The learning-curve points read since the last call, for the waiting
  // thread to report (the runner's storage lives on that thread).
  std::vector<IntermediateReport> take_reports() {
    std::lock_guard lock(mutex_);
    return std::exchange(reports_, {});
  }

 private:
  // A step's values are the line's numbers over the energy ECOpt measured
  // in the program's phases so far (inference_j_per_sample before
  // training: what the pruning rules compare); they are metrics too, so a
  // stopped trial keeps them.
  void add_report(IntermediateReport report) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [name, value] : measured_.items()) {
      if (value.is_number() && std::isfinite(value.get<double>())) values[name] = value;
    }
    values.update(report.values);
    report.values = checked_intermediate_values(values, fmt::format("ECOPT line {}", line_number_));
    metrics_.update(report.values);
    reports_.push_back(std::move(report));
  }

  void add_metrics(const nlohmann::json& metrics) {
    metrics_.update(detail::bounded_metrics(metrics));
  }

  mutable std::mutex mutex_;
  nlohmann::json metrics_ = nlohmann::json::object();
  nlohmann::json measured_ = nlohmann::json::object();  // by the phases
  std::vector<IntermediateReport> reports_;
  PhaseWindows phases_;
  std::optional<std::string> error_;
  std::int64_t line_number_ = 0;
};

void check_placeholders(const std::string& text, const std::string& what,
                        const SearchSpace& space) {
  for (const auto& piece : parse_template(text, what)) {
    if (piece.placeholder && !space.find(piece.text)) throw unknown_placeholder(what, piece.text);
  }
}

class CommandTask final : public Task {
 public:
  explicit CommandTask(CommandSettings settings) : settings_(std::move(settings)) {}

  std::string kind() const override { return "command"; }

  // A program's parameters are the user's to declare in [space].
  SearchSpace default_search_space() const override { return SearchSpace(); }

  void check_space(const SearchSpace& space) const override {
    for (const auto& element : settings_.argv) {
      check_placeholders(element, argv_element(element), space);
    }
    for (const auto& [key, value] : settings_.env) {
      check_placeholders(value, fmt::format("task.env.{} = \"{}\"", key, value), space);
    }
    std::map<std::string, std::string> env_names;  // ECOPT_PARAM_X -> parameter
    for (const auto& parameter : space.parameters()) {
      const auto [seen, added] = env_names.emplace(param_env_name(parameter.name), parameter.name);
      if (added) continue;
      throw InputError(fmt::format("parameters '{}' and '{}' are both passed as {}; rename one of "
                                   "them",
                                   seen->second, parameter.name, seen->first));
    }
  }

  TaskOutcome run(TaskContext& context) override {
    std::string last_error;
    for (int attempt = 0; attempt <= settings_.retries; ++attempt) {
      try {
        auto outcome = run_once(context);
        outcome.metrics["attempts"] = attempt + 1;
        return outcome;
      } catch (const TrialInterrupted&) {
        throw;
      } catch (const Error& e) {
        last_error = e.what();
        if (context.log && attempt < settings_.retries) {
          context.log(fmt::format("attempt {} failed ({}); retrying", attempt + 1, last_error));
        }
      }
    }
    throw Error(settings_.retries > 0
                    ? fmt::format("{} (after {} attempts)", last_error, settings_.retries + 1)
                    : last_error);
  }

 private:
  std::vector<std::string> render_argv(const TaskContext& context) const {
    std::vector<std::string> argv;
    for (const auto& element : settings_.argv) {
      if (auto rendered = render_template(element, context.params, context.space)) {
        argv.push_back(std::move(*rendered));
      }
    }
    return argv;
  }

  ProcessOptions process_options(const TaskContext& context, const ScratchDir& scratch) const {
    ProcessOptions options;
    options.argv = render_argv(context);
    options.working_directory = settings_.workdir;
    options.removed_env = kCredentialEnv;
    for (const auto& [key, value] : settings_.env) {
      options.extra_env.emplace_back(key, render_template(value, context.params, context.space)
                                              .value_or(""));
    }
    for (const auto& [name, value] : context.params) {
      options.extra_env.emplace_back(param_env_name(name), to_string(value));
    }
    options.extra_env.emplace_back("ECOPT_PARAMS_FILE", (scratch.path() / "params.json").string());
    options.extra_env.emplace_back("ECOPT_RESULT_FILE", (scratch.path() / "result.json").string());
    options.extra_env.emplace_back("ECOPT_TRIAL_NUMBER", std::to_string(context.trial_number));
    // A program that can repeat a phase runs it at least this long, so the
    // meters resolve it (docs/command-protocol.md, "Short phases").
    options.extra_env.emplace_back("ECOPT_MIN_PHASE_S",
                                   fmt::format("{:.6g}", context.monitor.min_resolved_window_s()));
    options.extra_env.emplace_back("PYTHONUNBUFFERED", "1");
    if (context.device) add_device_env(*context.device, context.monitor, options.extra_env);
    return options;
  }

  // A leased GPU is the only one the program sees (as cuda:0), so code that
  // just asks for "cuda" runs where the lease and the meters are. Named by
  // its UUID where NVML knows it: an index means another GPU to a CUDA whose
  // device order differs from ours.
  static void add_device_env(const std::string& device, const EnergyMonitor& monitor,
                             std::vector<std::pair<std::string, std::string>>& env) {
    env.emplace_back("ECOPT_DEVICE", device);
    if (device.rfind("cuda:", 0) != 0) return;
    const auto uuid = monitor.device_uuid(device);
    env.emplace_back("CUDA_VISIBLE_DEVICES",
                     uuid ? *uuid : visible_cuda_entry(std::stoi(device.substr(5))));
  }

  TaskOutcome run_once(TaskContext& context) {
    ScratchDir scratch(context.trial_number);
    write_file(scratch.path() / "params.json", to_json(context.params).dump());
    ProtocolReader reader(context.monitor);
    auto options = process_options(context, scratch);
    options.on_stdout_line = [&reader, &context](std::string_view line) {
      if (context.output) context.output(line);
      reader.on_line(line);
    };
    options.on_stderr_line = context.output;

    ScopedWindow command_window(context.monitor, "command");
    std::optional<ExitStatus> status;
    std::optional<std::string> pruned_reason;
    {
      Process process(options);
      status = wait(process, context, reader, pruned_reason);
      last_stderr_ = process.stderr_tail();
    }
    reader.finish();
    const auto window = command_window.end();
    if (!status) throw TrialInterrupted();
    if (!pruned_reason) check_exit(*status, reader);
    auto outcome = collect(reader, scratch, window);
    outcome.pruned_reason = std::move(pruned_reason);
    return outcome;
  }

  // Waits for the program, ending it on timeout or when a stop is requested
  // (nullopt then), or when a report it made is answered "stop" (sets
  // `pruned_reason`): SIGTERM, then SIGKILL after grace_s, keeping what it
  // reported.
  std::optional<ExitStatus> wait(Process& process, const TaskContext& context,
                                 ProtocolReader& reader,
                                 std::optional<std::string>& pruned_reason) const {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration<double>(settings_.timeout_s);
    while (true) {
      auto status = process.wait_for(0.05);
      auto reason = report(context, reader.take_reports());
      if (status) return status;  // it finished: its final metrics stand
      pruned_reason = std::move(reason);
      if (context.stop_requested.load()) {
        process.terminate(settings_.grace_s);
        return std::nullopt;
      }
      if (pruned_reason) {
        process.terminate(settings_.grace_s);
        return process.wait();
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        process.terminate(settings_.grace_s);
        auto status = process.wait();
        status.timed_out = true;
        return status;
      }
    }
  }

  // Reports the points in order (every one is stored); the first "stop".
  static std::optional<std::string> report(const TaskContext& context,
                                           const std::vector<IntermediateReport>& reports) {
    std::optional<std::string> stop;
    for (const auto& point : reports) {
      if (!context.report) break;
      auto reason = context.report(point);
      if (reason && !stop) {
        detail::log_line(context, fmt::format("stopped at step {}: {}", point.step, *reason));
        stop = std::move(reason);
      }
    }
    return stop;
  }

  void check_exit(const ExitStatus& status, const ProtocolReader& reader) const {
    if (status.timed_out) {
      throw Error(fmt::format("{} timed out after {} s and was stopped{}", settings_.argv.front(),
                              settings_.timeout_s, stderr_suffix()));
    }
    if (!status.success()) {
      throw Error(fmt::format("{} ended with {}{}", settings_.argv.front(), status.describe(),
                              stderr_suffix()));
    }
    if (auto error = reader.error()) throw Error(*error + stderr_suffix());
  }

  TaskOutcome collect(ProtocolReader& reader, const ScratchDir& scratch,
                      const WindowResult& window) const {
    const auto result_file = scratch.path() / "result.json";
    if (fs::exists(result_file)) {
      try {
        reader.merge(read_result_file(result_file));
      } catch (const Error& error) {
        throw Error(error.what() + stderr_suffix());
      }
    }
    TaskOutcome outcome;
    outcome.diagnostics = stderr_suffix();
    outcome.metrics = reader.metrics();
    outcome.metrics["command_j"] = window.net_j().value_or(window.gross_j());
    outcome.metrics["command_gross_j"] = window.gross_j();
    outcome.metrics["command_s"] = window.duration_s;
    outcome.energy = reader.phase_records();
    outcome.energy.push_back(energy_record("command", window));
    return outcome;
  }

  static nlohmann::json read_result_file(const fs::path& path) {
    const std::string what = fmt::format("the result file ECOPT_RESULT_FILE ({})", path.string());
    auto json = parse_json_input(read_input_file(path, what, kMaxResultFileBytes, FileKind::Regular),
                                 what);
    if (!json.is_object()) throw InputError(what + " is not a JSON object of metrics");
    return json;
  }

  // The last stderr line (most often the error itself) on the reason's
  // first line, which tables show; the last lines below it, one a line.
  // Each line storable_text already: the reason travels in an exception,
  // whose what() is a C string that a NUL byte would end.
  std::string stderr_suffix() const {
    if (last_stderr_.empty()) return "";
    std::vector<std::string> lines;
    for (const auto& line : last_stderr_) lines.push_back(storable_text(line));
    return fmt::format("; stderr: {}\nlast {} lines of stderr:\n{}", lines.back(), lines.size(),
                       fmt::join(lines, "\n"));
  }

  CommandSettings settings_;
  mutable std::vector<std::string> last_stderr_;
};

}  // namespace

std::unique_ptr<Task> make_command_task(const nlohmann::json& config) {
  return std::make_unique<CommandTask>(read_settings(config));
}

void remove_scratch_dirs(std::int64_t trial_number, std::int64_t pid) {
  const auto prefix = scratch_prefix(trial_number, pid);
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(error), error)) {
    if (entry.path().filename().string().starts_with(prefix)) fs::remove_all(entry.path(), error);
  }
}

}  // namespace ecopt
