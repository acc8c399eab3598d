#pragma once
// Flags and output formats shared by several subcommands.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ecopt/core/trial.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/study.hpp"

namespace ecopt::cli {

// --storage URL (or $ECOPT_STORAGE) and --study-name NAME, as in Optuna.
struct StudyFlags {
  std::string storage;
  std::string study_name;
};
void add_storage_flag(CLI::App& command, std::string& storage);
void add_study_flags(CLI::App& command, StudyFlags& flags);

// CLI11 reads integers with strtoll in base 0: "0x10" as 16, "010" as 8,
// and 99999999999999999999 silently clamped. Whole-number options check
// the text first: decimal digits that fit.
CLI::Validator whole_number();

// An opened storage (which must exist) and a loaded study that lives as
// long as it.
struct OpenedStudy {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Study> study;
};
// `access`: Existing for ask and tell, ReadOnly for commands that only read.
OpenedStudy open_study(const StudyFlags& flags, StorageAccess access);

// Output formats of listing commands: --format json|csv|table.
enum class Format { Json, Csv, Table };
void add_format_flag(CLI::App& command, Format& format);

void print_trials(const std::vector<Trial>& trials, const StudySpec& spec, Format format);

// A subcommand that prints the trials `select` picks from a study (trials,
// best-trials), with the study flags and --format; the footer follows a table.
struct TrialList {
  std::vector<Trial> trials;
  std::string footer;
};
void add_trial_list_command(CLI::App& app, const std::string& name, const std::string& description,
                            std::function<TrialList(const Study&)> select);

// "0.91,0.012" or separate tokens; "nan" and "inf" are read so that tell
// can refuse them with a clear message.
std::vector<double> parse_values(const std::vector<std::string>& tokens);

// A flag's text, or with "@path" the file's (`what`: "the search space
// file"): a large space does not fit in one argument; /dev/stdin works too.
std::string flag_text(const std::string& flag, const std::string& what);

// The search space --search-space gives (text or @FILE); nullopt when empty.
std::optional<SearchSpace> given_space(const std::string& flag);

// A JSON object from a flag; InputError naming the flag otherwise.
nlohmann::json parse_json_object(const std::string& text, const std::string& flag);

}  // namespace ecopt::cli
