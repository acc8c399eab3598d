#pragma once
// Whole-study operations of `ecopt delete-study`, `rename-study` and
// `copy-study`: the study's rows through the storage API (so they work
// between any two backends) and its trial logs (study/trial_log.hpp) with
// them.
#include <cstdint>
#include <string>

namespace ecopt {

// Removes the study, its trials and its trial logs. NotFoundError when
// there is no such study.
void delete_study(const std::string& storage_url, const std::string& name);

// InputError when `new_name` is taken (nothing changes then).
void rename_study(const std::string& storage_url, const std::string& name, const std::string& new_name);

struct CopiedStudy {
  std::int64_t trials = 0;
  std::int64_t logs = 0;  // trial log files copied
};

// Copies the study (its definition, attributes and every trial as it is:
// state, values, params, attributes, reasons, times) into `to_url` as
// `to_name`, and the trial logs where both storages keep them. The source
// is only read. InputError when `to_name` exists there; a copy that fails
// part-way is removed.
CopiedStudy copy_study(const std::string& from_url, const std::string& name, const std::string& to_url,
                       const std::string& to_name);

}  // namespace ecopt
