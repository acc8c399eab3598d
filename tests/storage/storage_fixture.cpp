#include "storage_fixture.hpp"

#include <stdexcept>

namespace ecopt::testing {

TempFolder::TempFolder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ecopt-storage-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempFolder::~TempFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string sqlite_url(const TempFolder& folder, const std::string& file) {
  return "sqlite:///" + (folder.path() / file).string();  // absolute: four slashes in all
}

StudySpec two_objective_spec(const std::string& name) {
  StudySpec spec;
  spec.name = name;
  spec.objectives = objectives_from_directions("maximize,minimize");
  return spec;
}

std::string worker_path() { return ECOPT_STORAGE_WORKER; }

}  // namespace ecopt::testing
