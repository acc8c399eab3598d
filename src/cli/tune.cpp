// ecopt tune STUDY.toml: run (or resume) a study file's tune loop.
#include "commands.hpp"
#include "ecopt/study/runner.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt::cli {

namespace {

struct TuneFlags {
  std::string study_file;
  std::int64_t n_trials = 0;
  std::string storage;
};

void run(const TuneFlags& flags) {
  const StudyFile file = load_study_file(flags.study_file);
  const StopSignals signals;
  RunOptions options;
  if (flags.n_trials > 0) options.n_trials = flags.n_trials;
  if (!flags.storage.empty()) options.storage_url = flags.storage;
  options.stop = &signals.flag();
  run_study(file, options);
}

}  // namespace

void add_tune_command(CLI::App& app) {
  auto flags = std::make_shared<TuneFlags>();
  auto* command = app.add_subcommand(
      "tune", "Run or resume the study a TOML file describes; Ctrl-C stops cleanly");
  command->add_option("study_file", flags->study_file, "Study file, e.g. studies/zdt1-quick.toml")
      ->required();
  command->add_option("--n-trials", flags->n_trials,
                      "Total finished trials to reach (overrides [study] n_trials)")
      ->check(CLI::PositiveNumber);
  command->add_option("--storage", flags->storage, "Storage URL (overrides [study] storage)");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
