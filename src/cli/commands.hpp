#pragma once
// One function per subcommand, each in its own file; main.cpp calls them
// all. To add a subcommand: declare add_<verb>_command here, define it in
// <verb>.cpp, call it in main.cpp. Errors are thrown, never printed: main
// turns them into one line and an exit code.
#include <string>

#include <CLI/CLI.hpp>

namespace ecopt::cli {

void add_create_study_command(CLI::App& app);
void add_ask_command(CLI::App& app);
void add_tell_command(CLI::App& app);
void add_best_trials_command(CLI::App& app);
void add_trials_command(CLI::App& app);
void add_studies_command(CLI::App& app);
void add_tune_command(CLI::App& app);
void add_measure_command(CLI::App& app);
void add_devices_command(CLI::App& app);
void add_generation_bench_command(CLI::App&);
void add_report_command(CLI::App& app);

// Thrown to end ecopt with `status` rather than 0 or 1 (`measure` passes its
// command's status through); main prints a non-empty message as an error.
struct ExitWithStatus {
  int status = 1;
  std::string message;
};

}  // namespace ecopt::cli
