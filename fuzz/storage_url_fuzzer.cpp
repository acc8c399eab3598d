// Any text after "postgresql://" is parsed (as libpq reads it) or refused
// with ecopt::StorageError, and the URL as ECOpt shows it (banner, stored
// study file, errors) never holds the password libpq reads from it.
#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../src/storage/storage_url.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/storage/storage.hpp"

namespace {

// libpq's keywords and values for `url`; empty when it cannot parse it.
std::vector<std::pair<std::string, std::string>> libpq_reading(const std::string& url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(url.c_str(), &error), &PQconninfoFree);
  if (error) PQfreemem(error);
  std::vector<std::pair<std::string, std::string>> values;
  for (auto* option = options.get(); option && option->keyword; ++option) {
    if (option->val) values.emplace_back(option->keyword, option->val);
  }
  return values;
}

// Whether `shown` reveals `password`. Only passwords without the shown
// URL's separators are judged: any occurrence of one then lies inside one
// shown part, so it is a leak unless another part itself holds it.
bool leaks(const std::string& url, const std::string& shown, const std::string& password,
           const std::vector<std::pair<std::string, std::string>>& values) {
  if (password.size() < 6 || password.find_first_of(":*@/?=&,.[] ") != std::string::npos) {
    return false;
  }
  if (std::string("postgresql").find(password) != std::string::npos) return false;
  // The same bytes elsewhere in the URL (a host spelled like the password)
  // may be shown as what they are there.
  if (url.find(password) != url.rfind(password)) return false;
  for (const auto& [key, value] : values) {
    if (key == "password") continue;
    if (key.find(password) != std::string::npos || value.find(password) != std::string::npos) {
      return false;
    }
  }
  return shown.find(password) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string url = "postgresql://" + std::string(reinterpret_cast<const char*>(data), size);
  if (url.find('\0') != std::string::npos) return 0;  // a C string ends there for libpq too
  const std::string shown = ecopt::redact_url(url);
  try {
    const auto target = ecopt::parse_postgres_url(url);
    if (target.shown != shown) __builtin_trap();
  } catch (const ecopt::StorageError&) {
    // the expected outcome for a URL libpq cannot read or would misread
  }
  const auto values = libpq_reading(url);
  for (const auto& [key, value] : values) {
    if (key == "password" && leaks(url, shown, value, values)) __builtin_trap();
  }
  return 0;
}
