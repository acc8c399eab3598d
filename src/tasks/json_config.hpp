#pragma once
// Typed reads of a task's JSON settings with one-line errors that name the
// setting ("task.dataset.train_subset must be ...").
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ecopt::detail {

class JsonConfig {
 public:
  // `where` prefixes every key in messages, e.g. "task" or "task.dataset".
  JsonConfig(const nlohmann::json& json, std::string where);

  // Throws InputError naming the first key not in `known`.
  void reject_unknown(std::initializer_list<std::string_view> known) const;

  bool has(const std::string& key) const;
  const nlohmann::json& raw(const std::string& key) const;
  std::string where(const std::string& key) const;

  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  double number(const std::string& key, double fallback, double min, double max) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::string text(const std::string& key, const std::string& fallback) const;
  // A sub-table; an empty object when absent.
  JsonConfig table(const std::string& key) const;

 private:
  const nlohmann::json& json_;
  std::string where_;
};

}  // namespace ecopt::detail
