// ecopt ask: one trial's parameters as JSON, as Optuna's ask prints them.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/untrusted_input.hpp"
#include "ecopt/optim/sampler.hpp"
#include "ecopt/space/search_space.hpp"

namespace ecopt::cli {

namespace {

struct AskFlags {
  StudyFlags study;
  std::string search_space;
  std::string sampler = "mobo";
  std::uint64_t seed = 0;
  std::string sampler_kwargs = "{}";
};

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

// "@path": the space is read from a file, as a large one does not fit in
// one command-line argument (/dev/stdin works too).
std::string search_space_text(const std::string& flag) {
  if (!flag.starts_with('@')) return flag;
  return read_input_file(flag.substr(1), fmt::format("the search space file '{}'", flag.substr(1)),
                         JsonLimits{}.max_bytes, FileKind::Any);
}

// The space given, else the one the study's definition declares.
SearchSpace space_to_search(const AskFlags& flags, const Study& study) {
  if (!flags.search_space.empty()) return search_space_from_json_text(search_space_text(flags.search_space));
  if (auto declared = declared_search_space(study.spec())) return *declared;
  throw InputError(fmt::format("study '{}' declares no search space yet; give one with --search-space",
                               study.name()));
}

void run(const AskFlags& flags) {
  // Everything the user typed is checked before a trial is created.
  const SamplerOptions options = sampler_options(flags);
  auto sampler = make_sampler(flags.sampler, options);
  auto opened = open_study(flags.study, StorageAccess::Existing);
  const SearchSpace space = space_to_search(flags, *opened.study);
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
  command->add_option("--sampler", flags->sampler, "random, sobol, nsga2 or mobo (default)");
  command->add_option("--seed", flags->seed, "Sampler seed (default 0)");
  command->add_option("--sampler-kwargs", flags->sampler_kwargs,
                      "Sampler options as JSON, e.g. {\"initial_trials\": 8}");
  command->callback([flags] { run(*flags); });
}

}  // namespace ecopt::cli
