#include "common.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/report/export.hpp"

namespace ecopt::cli {

void add_storage_flag(CLI::App& command, std::string& storage) {
  command.add_option("--storage", storage, "Storage URL: sqlite:///path.db, postgresql://..., memory")
      ->envname("ECOPT_STORAGE")
      ->required();
}

void add_study_flags(CLI::App& command, StudyFlags& flags) {
  add_storage_flag(command, flags.storage);
  command.add_option("--study-name,--study", flags.study_name, "Name of the study")->required();
}

CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::int64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (!text.empty() && end == text.data() + text.size() && error == std::errc()) return "";
        return fmt::format("'{}' is not a whole number written in decimal digits (at most {})",
                           text, INT64_MAX);
      },
      "INT");
}

OpenedStudy open_study(const StudyFlags& flags, StorageAccess access) {
  OpenedStudy opened;
  opened.storage = open_storage(flags.storage, {.access = access});
  opened.study = std::make_unique<Study>(Study::load(*opened.storage, flags.study_name));
  return opened;
}

void add_format_flag(CLI::App& command, Format& format) {
  const std::map<std::string, Format> names{
      {"json", Format::Json}, {"csv", Format::Csv}, {"table", Format::Table}};
  command.add_option("--format,-f", format,
                     "Output format: table on a terminal, json when piped (the default), or csv")
      ->transform(CLI::CheckedTransformer(names, CLI::ignore_case));
}

namespace {

nlohmann::json values_json(const Trial& trial) {
  if (trial.values.empty()) return nullptr;
  auto values = nlohmann::json::array();
  for (double v : trial.values) {
    values.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
  }
  return values;
}

nlohmann::json optional_time(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(format_time(*time)) : nlohmann::json(nullptr);
}

nlohmann::json trial_json(const Trial& trial) {
  return {{"number", trial.number},
          {"state", to_string(trial.state)},
          {"values", values_json(trial)},
          {"params", to_json(trial.params)},
          {"user_attrs", trial.user_attrs},
          {"fail_reason", trial.fail_reason ? nlohmann::json(*trial.fail_reason) : nullptr},
          {"datetime_start", format_time(trial.started_at)},
          {"datetime_complete", optional_time(trial.finished_at)},
          {"intermediate", intermediate_to_json(trial.intermediate)}};
}

}  // namespace

void print_trials(const std::vector<Trial>& trials, const StudySpec& spec, Format format) {
  switch (format) {
    case Format::Json: {
      auto list = nlohmann::json::array();
      for (const auto& trial : trials) list.push_back(trial_json(trial));
      std::cout << list.dump(2) << '\n';
      break;
    }
    case Format::Csv:
      // Optuna's trials_dataframe layout, shared with the report module.
      std::cout << report::trials_to_csv(spec, trials);
      break;
    case Format::Table:
      std::cout << report::format_trials_table(spec, trials);
      break;
  }
}

void add_trial_list_command(CLI::App& app, const std::string& name, const std::string& description,
                            std::function<TrialList(const Study&)> select) {
  // A table for a person at a terminal, as Optuna prints; JSON for a
  // program reading a pipe (the existing consumers).
  struct Flags {
    StudyFlags study;
    Format format = ::isatty(STDOUT_FILENO) ? Format::Table : Format::Json;
  };
  auto flags = std::make_shared<Flags>();
  auto* command = app.add_subcommand(name, description);
  add_study_flags(*command, flags->study);
  add_format_flag(*command, flags->format);
  command->callback([flags, select = std::move(select)] {
    auto opened = open_study(flags->study, StorageAccess::ReadOnly);
    const TrialList list = select(*opened.study);
    print_trials(list.trials, opened.study->spec(), flags->format);
    if (flags->format == Format::Table && !list.footer.empty()) std::cout << list.footer << '\n';
  });
}

std::vector<double> parse_values(const std::vector<std::string>& tokens) {
  std::vector<double> values;
  for (const auto& token : tokens) {
    std::size_t start = 0;
    while (start <= token.size()) {
      const auto comma = token.find(',', start);
      const std::string text =
          token.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      // from_chars reads decimal numbers only: "0x10" is not 16 here.
      const std::string_view digits = text.starts_with('+') ? std::string_view(text).substr(1) : text;
      double value = 0.0;
      const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (text.empty() || end != digits.data() + digits.size() || error != std::errc()) {
        throw InputError(fmt::format(
            "--values: '{}' is not a number; give numbers separated by commas, e.g. 0.91,0.012",
            text));
      }
      values.push_back(value);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return values;
}

std::string flag_text(const std::string& flag, const std::string& what) {
  if (!flag.starts_with('@')) return flag;
  return read_input_file(flag.substr(1), fmt::format("{} '{}'", what, flag.substr(1)), JsonLimits{}.max_bytes,
                         FileKind::Any);
}

std::optional<SearchSpace> given_space(const std::string& flag) {
  if (flag.empty()) return std::nullopt;
  return search_space_from_json_text(flag_text(flag, "the search space file"));
}

nlohmann::json parse_json_object(const std::string& text, const std::string& flag) {
  const auto parsed = parse_json_input(text, flag);
  if (!parsed.is_object()) {
    throw InputError(fmt::format("{} must be a JSON object, got {}", flag,
                                 cut_text(parsed.dump(), 100, 20)));
  }
  return parsed;
}

}  // namespace ecopt::cli
