// ecopt enqueue: queue a known configuration, run before any sampled one.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/printable.hpp"

namespace ecopt::cli {

namespace {

struct EnqueueFlags {
  StudyFlags study;
  std::string params;
  std::string search_space;
  bool skip_if_queued = false;
};

void run(const EnqueueFlags& flags) {
  auto opened = open_study(flags.study, StorageAccess::Existing);
  Study& study = *opened.study;
  const ParamMap params = param_map_from_json(parse_json_object(flag_text(flags.params, "the params file"), "--params"));
  const auto queued = study.enqueue(params, given_space(flags.search_space), flags.skip_if_queued);
  std::cout << fmt::format("{} configuration {} of study '{}': {}; asks, tune and workers run it before any "
                           "sampled trial\n",
                           queued.added ? "enqueued" : "already queued:", queued.index, printable(study.name()),
                           printable(to_json(queued.configuration).dump()));
}

}  // namespace

void add_enqueue_command(CLI::App& app) {
  auto flags = std::make_shared<EnqueueFlags>();
  auto* command = app.add_subcommand("enqueue", "Queue a known configuration to run before any sampled trial");
  add_study_flags(*command, flags->study);
  command->add_option("--params", flags->params, "The configuration as a JSON object of parameter values, or @FILE")
      ->required();
  command->add_option("--search-space", flags->search_space,
                      "Search space in Optuna's distribution JSON, or @FILE (default: the space the study "
                      "declares); declared as the study's when it has none");
  command->add_flag("--skip-if-queued", flags->skip_if_queued,
                    "Queue nothing when the same configuration is queued already");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
