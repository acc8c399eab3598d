// ecopt ask: one trial's parameters as JSON, as Optuna's ask prints them.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"
#include "ecopt/study/runner.hpp"

namespace ecopt::cli {

namespace {

struct AskFlags {
  StudyFlags study;
  std::string search_space;
  std::string sampler = "mobo";
  std::uint64_t seed = 0;
  std::string sampler_kwargs = "{}";
  std::string direction;
  std::vector<std::string> directions;
  std::string warm_start_from;
};

// The asked study, the space it is asked over and the flags' warm start.
// Optuna's ask creates the study when given directions (or loads it when it
// asks the same question); without them the study must exist. A warm start
// over a given space is checked before the study is created, so a refused
// ask leaves no new study behind.
struct AskedStudy {
  OpenedStudy opened;
  SearchSpace space;
  std::optional<RelatedHistory> warm;
};

AskedStudy open_asked_study(const AskFlags& flags, const std::optional<SearchSpace>& given) {
  AskedStudy asked;
  const auto load_warm = [&](const StudySpec& spec, const SearchSpace& space) {
    return load_warm_start(*asked.opened.storage, flags.warm_start_from, flags.sampler, spec, space);
  };
  if (flags.direction.empty() && flags.directions.empty()) {
    asked.opened = open_study(flags.study, StorageAccess::Existing);
  } else {
    if (!flags.direction.empty() && !flags.directions.empty())
      throw InputError("give either --direction or --directions, not both");
    std::string directions = flags.direction;
    for (const auto& token : flags.directions) directions += (directions.empty() ? "" : ",") + token;
    StudySpec spec;
    spec.name = flags.study.study_name;
    spec.objectives = objectives_from_directions(directions);
    asked.opened.storage = open_storage(flags.study.storage);
    if (given) asked.warm = load_warm(spec, *given);
    asked.opened.study = std::make_unique<Study>(Study::load_or_create(*asked.opened.storage, spec));
  }
  asked.space = given ? *given : asked.opened.study->declared_space();
  if (!asked.warm) asked.warm = load_warm(asked.opened.study->spec(), asked.space);  // not loaded above
  return asked;
}

SamplerOptions sampler_options(const AskFlags& flags) {
  auto kwargs = parse_json_object(flags.sampler_kwargs, "--sampler-kwargs");
  const OptionReader option(kwargs, "--sampler-kwargs option");
  SamplerOptions options;
  // The ranges of the study file's [study] seed and initial_trials.
  options.seed = static_cast<std::uint64_t>(
      option.integer("seed", static_cast<std::int64_t>(flags.seed), 0, INT64_MAX));
  options.initial_trials = option.integer("initial_trials", options.initial_trials, -1, 10'000'000);
  kwargs.erase("seed");
  kwargs.erase("initial_trials");
  options.extra = kwargs;
  return options;
}

void run(const AskFlags& flags) {
  // Everything the user typed is checked before a trial is created.
  const SamplerOptions options = sampler_options(flags);
  auto sampler = make_sampler(flags.sampler, options);
  const auto given = given_space(flags.search_space);
  auto [opened, space, warm] = open_asked_study(flags, given);
  if (warm) opened.study->warm_start_from(std::move(*warm));
  const AskResult asked = opened.study->ask(space, *sampler, sampler_options_attrs(options));
  // In the search space's order, as the user wrote it (not alphabetical).
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const auto& parameter : space.parameters()) {
    const auto value = asked.params.find(parameter.name);
    if (value != asked.params.end()) params[parameter.name] = to_json(value->second);
  }
  const nlohmann::ordered_json output = {{"number", asked.number}, {"params", params}};
  std::cout << output.dump() << '\n';
}

}  // namespace

void add_ask_command(CLI::App& app) {
  auto flags = std::make_shared<AskFlags>();
  auto* command = app.add_subcommand("ask", "Start a trial and print its parameters as JSON");
  add_study_flags(*command, flags->study);
  command->add_option("--search-space", flags->search_space,
                      "Search space in Optuna's distribution JSON, or @FILE holding it (default: the "
                      "space the study declares, from its first ask or study file)");
  command->add_option("--direction", flags->direction,
                      "minimize or maximize: create the study with one objective unless it exists (as Optuna)");
  command->add_option("--directions", flags->directions,
                      "One direction per objective: create the study unless it exists with them (as Optuna)");
  command->add_option("--sampler", flags->sampler, "random, sobol, nsga2 or mobo (default)");
  command->add_option("--seed", flags->seed, "Sampler seed (default 0)");
  command->add_option("--sampler-kwargs", flags->sampler_kwargs,
                      "Sampler options as JSON, e.g. {\"initial_trials\": 8}");
  command->add_option("--warm-start-from", flags->warm_start_from,
                      "A finished related study in the same storage whose COMPLETE trials inform mobo's "
                      "models; give it on every ask of the study");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
