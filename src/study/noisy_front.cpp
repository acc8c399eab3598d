#include "ecopt/study/noisy_front.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/optim/posterior_front.hpp"
#include "ecopt/study/study.hpp"

namespace ecopt {

bool says_noisy(const nlohmann::json& sampler_options) {
  const auto noisy = sampler_options.find("noisy");
  return noisy != sampler_options.end() && *noisy == true;
}

bool stated_noisy(const StudyRecord& study, std::span<const Trial> trials) {
  const nlohmann::json::json_pointer file_options("/study_file/study/sampler_options");
  if (study.user_attrs.contains(file_options) && says_noisy(study.user_attrs.at(file_options))) return true;
  for (auto trial = trials.rbegin(); trial != trials.rend(); ++trial) {
    const auto asked_with = trial->system_attrs.find(kSamplerOptionsAttr);
    if (asked_with != trial->system_attrs.end()) return says_noisy(*asked_with);
  }
  return false;
}

std::optional<SearchSpace> stored_search_space(const StudyRecord& study, std::span<const Trial> trials) {
  const auto text_of = [](const nlohmann::json& attrs) -> const nlohmann::json* {
    const auto space = attrs.find(kSearchSpaceAttr);
    return space != attrs.end() && space->is_string() ? &*space : nullptr;
  };
  const nlohmann::json* text = text_of(study.user_attrs);
  for (auto trial = trials.rbegin(); !text && trial != trials.rend(); ++trial) {
    text = text_of(trial->system_attrs);
  }
  if (!text) return std::nullopt;
  return search_space_from_json_text(text->get<std::string>());
}

std::vector<std::int64_t> posterior_mean_front_numbers(const StudySpec& spec, const SearchSpace& space,
                                                       std::span<const Trial> trials) {
  std::vector<std::int64_t> numbers;
  for (const std::size_t i : posterior_mean_front(spec, space, trials)) numbers.push_back(trials[i].number);
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

std::vector<std::int64_t> posterior_mean_front_numbers(const StudyRecord& study,
                                                       std::span<const Trial> trials) {
  const auto space = stored_search_space(study, trials);
  if (!space) {
    throw InputError(fmt::format(
        "study '{}' has no stored search space (no trial was asked through ECOpt), so there are "
        "no models to judge its trials by posterior means; judge them by their observed values",
        study.spec.name));
  }
  return posterior_mean_front_numbers(study.spec, *space, trials);
}

}  // namespace ecopt
