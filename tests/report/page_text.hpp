#pragma once
// Reading the report page's HTML in tests: the page of a stored study, and
// the first capture group of every match of a pattern in it.
#include <regex>
#include <string>
#include <vector>

#include "ecopt/report/report.hpp"
#include "ecopt/storage/storage.hpp"

namespace ecopt::report::testing {

inline std::string render(Storage& storage, const StudyRecord& study) {
  ReportOptions options;
  options.study_name = study.spec.name;
  return render_html_report(study, storage.trials(study.id), storage.describe(), options);
}

inline std::vector<std::string> all(const std::string& text, const std::string& pattern) {
  std::vector<std::string> found;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    found.push_back((*it)[1].str());
  }
  return found;
}

}  // namespace ecopt::report::testing
