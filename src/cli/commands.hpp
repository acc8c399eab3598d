#pragma once
// One function per subcommand, each in its own file; main.cpp calls them
// all. To add a subcommand: declare add_<verb>_command here, define it in
// <verb>.cpp, call it in main.cpp. Errors are thrown, never printed: main
// turns them into one line and an exit code.
#include <CLI/CLI.hpp>

namespace ecopt::cli {

void add_create_study_command(CLI::App& app);
void add_ask_command(CLI::App& app);
void add_tell_command(CLI::App& app);
void add_best_trials_command(CLI::App& app);
void add_trials_command(CLI::App& app);
void add_studies_command(CLI::App& app);
void add_tune_command(CLI::App& app);
void add_generation_bench_command(CLI::App&);
void add_report_command(CLI::App& app);

}  // namespace ecopt::cli
