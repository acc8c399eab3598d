#include "ecopt/study/manage_study.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/trial_log.hpp"

namespace ecopt {
namespace fs = std::filesystem;

namespace {

StudyRecord existing_study(Storage& storage, const std::string& name) {
  auto record = storage.find_study(name);
  if (!record) {
    throw NotFoundError(fmt::format("no study named '{}' in {}; list them with 'ecopt studies'",
                                    printable(name), storage.describe()));
  }
  return std::move(*record);
}

std::optional<fs::path> existing_log_dir(const std::string& url, const std::string& name) {
  auto dir = trial_log_dir(url, name);
  std::error_code error;
  if (!dir || !fs::is_directory(*dir, error)) return std::nullopt;
  return dir;
}

}  // namespace

void delete_study(const std::string& storage_url, const std::string& name) {
  auto storage = open_storage(storage_url, {.access = StorageAccess::Existing});
  storage->delete_study(existing_study(*storage, name).id);
  if (const auto logs = existing_log_dir(storage_url, name)) fs::remove_all(*logs);
}

void rename_study(const std::string& storage_url, const std::string& name, const std::string& new_name) {
  auto storage = open_storage(storage_url, {.access = StorageAccess::Existing});
  storage->rename_study(existing_study(*storage, name).id, new_name);
  const auto logs = existing_log_dir(storage_url, name);
  const auto new_logs = trial_log_dir(storage_url, new_name);
  if (!logs || !new_logs) return;
  fs::remove_all(*new_logs);  // a deleted study's leftovers: no study owns them
  fs::rename(*logs, *new_logs);
}

CopiedStudy copy_study(const std::string& from_url, const std::string& name, const std::string& to_url,
                       const std::string& to_name) {
  auto from = open_storage(from_url, {.access = StorageAccess::ReadOnly});
  const StudyRecord source = existing_study(*from, name);
  auto to = open_storage(to_url, {.access = StorageAccess::Create});
  StudySpec spec = source.spec;
  spec.name = to_name;
  const StudyRecord copy = to->create_study(spec, source.user_attrs);
  CopiedStudy copied;
  try {
    for (const auto& trial : from->trials(source.id)) {
      to->import_trial(copy.id, trial);
      ++copied.trials;
    }
    const auto logs = existing_log_dir(from_url, name);
    const auto to_logs = trial_log_dir(to_url, to_name);
    if (logs && to_logs) {
      fs::remove_all(*to_logs);
      fs::create_directories(*to_logs);
      for (const auto& entry : fs::directory_iterator(*logs)) {
        fs::copy_file(entry.path(), *to_logs / entry.path().filename());
        ++copied.logs;
      }
    }
  } catch (...) {
    to->delete_study(copy.id);
    throw;
  }
  return copied;
}

}  // namespace ecopt
