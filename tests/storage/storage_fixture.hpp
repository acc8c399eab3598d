#pragma once
// Shared set-up for storage tests: a fresh storage of each backend, a clock
// the test moves, and helpers for studies and trials.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "ecopt/storage/storage.hpp"

namespace ecopt::testing {

// A folder under the system temp folder, removed with its contents.
class TempFolder {
 public:
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// "sqlite:////abs/path" for a file in `folder`.
std::string sqlite_url(const TempFolder& folder, const std::string& file = "study.db");

StudySpec two_objective_spec(const std::string& name);

// The path of the storage_worker helper built beside the tests.
std::string worker_path();

}  // namespace ecopt::testing
