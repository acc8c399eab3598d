// ecopt logs STUDY --trial N [--follow]: a trial's kept output
// (study/trial_log.hpp says what is kept and where).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/study/trial_log.hpp"

namespace ecopt::cli {

namespace {

struct LogsFlags {
  StudyFlags study;
  std::int64_t trial = 0;
  bool follow = false;
};

// Prints the whole lines from `offset` on (read_trial_log); returns the
// offset after them.
std::uintmax_t print_from(const std::filesystem::path& path, std::uintmax_t offset) {
  const TrialLogLines read = read_trial_log(path, offset);
  for (const auto& line : read.lines) std::cout << line << '\n';
  std::cout << std::flush;
  return read.next;
}

bool running(Storage& storage, std::int64_t study_id, std::int64_t number) {
  const auto trial = storage.find_trial(study_id, number);
  return trial && trial->state == TrialState::Running;
}

void run(const LogsFlags& flags) {
  auto storage = open_storage(flags.study.storage, {.access = StorageAccess::ReadOnly});
  const auto study = storage->find_study(flags.study.study_name);
  if (!study) {
    throw NotFoundError(fmt::format("no study named '{}' in {}; list them with 'ecopt studies'",
                                    printable(flags.study.study_name), storage->describe()));
  }
  if (!storage->find_trial(study->id, flags.trial)) {
    throw NotFoundError(fmt::format("study '{}' has no trial {}; list them with 'ecopt trials'",
                                    printable(flags.study.study_name), flags.trial));
  }
  const auto dir = trial_log_dir(flags.study.storage, flags.study.study_name);
  if (!dir) throw InputError("the memory storage keeps no trial logs; use an SQLite or PostgreSQL storage");
  const auto path = trial_log_path(*dir, flags.trial);
  const auto follows = [&] { return flags.follow && running(*storage, study->id, flags.trial); };
  std::uintmax_t offset = 0;
  while (true) {
    const bool more = follows();  // asked first: a trial seen finished has its whole log written
    if (std::filesystem::exists(path)) offset = print_from(path, offset);
    if (!more) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!std::filesystem::exists(path)) {
    throw NotFoundError(fmt::format("trial {} of study '{}' has no log ({} does not exist): logs are "
                                    "kept for command trials that 'ecopt tune' or 'ecopt worker' ran",
                                    flags.trial, printable(flags.study.study_name), path.string()));
  }
}

}  // namespace

void add_logs_command(CLI::App& app) {
  auto flags = std::make_shared<LogsFlags>();
  auto* command = app.add_subcommand(
      "logs", "Print a trial's output (stdout and stderr of its command), or follow it while it runs");
  add_storage_flag(*command, flags->study.storage);
  command->add_option("study_name,--study-name,--study", flags->study.study_name, "Name of the study")
      ->required();
  command->add_option("--trial", flags->trial, "The trial's number")
      ->check(whole_number())
      ->required();
  command->add_flag("--follow,-f", flags->follow, "Keep printing new lines until the trial ends");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
