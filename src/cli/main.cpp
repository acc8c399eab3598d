// The ecopt command line: parsing and printing only; the work is in the
// library. Every error reaches the user here, as one line.
#include <sys/prctl.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/heap_pages.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/suggest.hpp"
#include "ecopt/study/runner.hpp"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells report Ctrl-C

// One line a person can read: control characters escaped, at most a few
// hundred characters of input (a 20,000-deep JSON document) quoted.
int print_error(const std::string& message, int code) {
  std::cerr << "ecopt: error: " << ecopt::cut_text(ecopt::printable(message), 1200, 300) << '\n';
  return code;
}

// Trials are programs we did not write, run as our user and with ecopt as
// their parent: without this, `cat /proc/$PPID/environ` shows them the
// storage URL and PGPASSWORD. A non-dumpable process's /proc files are
// readable only by itself and root (and it leaves no core dump); the
// programs it starts are dumpable again after their exec.
void hide_environment_from_trials() { ::prctl(PR_SET_DUMPABLE, 0); }

// "ecopt tnue": CLI11 would answer only "A subcommand is required".
std::optional<std::string> unknown_subcommand(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return std::nullopt;
  std::vector<std::string> names;
  for (const auto* command : app.get_subcommands([](CLI::App*) { return true; })) {
    names.push_back(command->get_name());
  }
  if (std::find(names.begin(), names.end(), argv[1]) != names.end()) return std::nullopt;
  return fmt::format("unknown command '{}'{}; run 'ecopt --help' for the commands", argv[1],
                     ecopt::did_you_mean(argv[1], names));
}

}  // namespace

int main(int argc, char** argv) {
  ecopt::keep_heap_pages();
  hide_environment_from_trials();
  CLI::App app{"ECOpt: tune machine-learning models for accuracy and energy efficiency together",
               "ecopt"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(ECOPT_VERSION));
  ecopt::cli::add_create_study_command(app);
  ecopt::cli::add_enqueue_command(app);
  ecopt::cli::add_ask_command(app);
  ecopt::cli::add_tell_command(app);
  ecopt::cli::add_intermediate_command(app);
  ecopt::cli::add_best_trials_command(app);
  ecopt::cli::add_trials_command(app);
  ecopt::cli::add_importance_command(app);
  ecopt::cli::add_studies_command(app);
  ecopt::cli::add_export_command(app);
  ecopt::cli::add_tune_command(app);
  ecopt::cli::add_worker_command(app);
  ecopt::cli::add_measure_command(app);
  ecopt::cli::add_devices_command(app);
  ecopt::cli::add_generation_bench_command(app);
  ecopt::cli::add_report_command(app);
  ecopt::cli::add_dashboard_command(app);
  ecopt::cli::add_submit_command(app);
  ecopt::cli::add_logs_command(app);
  ecopt::cli::add_delete_study_command(app);
  ecopt::cli::add_rename_study_command(app);
  ecopt::cli::add_copy_study_command(app);
  if (const auto unknown = unknown_subcommand(app, argc, argv)) return print_error(*unknown, kExitUsage);
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
    return print_error(std::string(error.what()) + "; run 'ecopt --help' for usage", kExitUsage);
  } catch (const ecopt::cli::ExitWithStatus& exit) {
    if (!exit.message.empty()) print_error(exit.message, exit.status);
    return exit.status;
  } catch (const ecopt::StudyInterrupted& interrupted) {
    std::cerr << "ecopt: " << interrupted.what() << '\n';
    return kExitInterrupted;
  } catch (const ecopt::Error& error) {
    return print_error(error.what(), kExitError);
  } catch (const std::exception& error) {
    return print_error(std::string("unexpected failure: ") + error.what() +
                           "; please report it with the command you ran",
                       kExitError);
  }
}
