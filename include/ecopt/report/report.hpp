#pragma once
// `ecopt report`: a self-contained HTML report, a model card and exports of
// one study, written into a folder.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecopt/report/analysis.hpp"
#include "ecopt/storage/storage.hpp"

namespace ecopt::report {

struct ReportOptions {
  std::string study_name;
  std::filesystem::path out_dir = "report";
  std::optional<std::int64_t> baseline_trial;  // default: most accurate
  std::optional<std::int64_t> chosen_trial;    // default: default_chosen_trial()
  CarbonFlags carbon;  // unset ones come from the study file (resolve_carbon)
  // --noisy: also show the front judged by the models' posterior means
  // (study/noisy_front.hpp), as it is shown anyway when the study file
  // stored with the study says its objectives are noisy.
  bool noisy = false;
  // Where the study's trial logs are (study/trial_log.hpp's trial_log_dir):
  // running trials show their last lines. Unset: no logs are shown.
  std::optional<std::filesystem::path> trial_log_dir;
};

struct ReportFiles {
  std::filesystem::path html;        // report.html
  std::filesystem::path model_card;  // model-card.md (absent without complete trials)
  std::filesystem::path csv;         // trials.csv
  std::filesystem::path json;        // trials.json
  std::vector<std::string> notes;    // what could not be computed, one line each
  CarbonSettings carbon;             // as used, with where each setting came from
};

// Reads the study from `storage` and writes the four files. Throws
// NotFoundError for an unknown study or trial and InputError for a baseline
// or chosen trial without inference energy; writes nothing in that case.
ReportFiles write_report(Storage& storage, const ReportOptions& options);

// The page in pieces, so that a live view (ecopt dashboard) can replace
// only the sections that changed. page_document joins them into the same
// HTML as report.html; a live page adds its script after the report's own.
struct PageSection {
  std::string id;    // the id of the section's outer element
  std::string html;
};
struct ReportPage {
  std::string title;
  std::vector<PageSection> sections;  // in page order
  nlohmann::json data;                // what report.js reads: trials as columns (page_data.hpp)
};
ReportPage render_report_page(const StudyRecord& study, const std::vector<Trial>& trials,
                              const std::string& storage_description,
                              const ReportOptions& options);
// What a page served live adds: `script` runs after the report's own and
// reads `settings` from <script type="application/json" id="ecopt-live">.
struct LiveUpdates {
  nlohmann::json settings;
  std::string_view script;
};
std::string page_document(const ReportPage& page, const LiveUpdates* live = nullptr);

// The Content-Security-Policy page_document's pages declare: nothing is
// loaded from elsewhere, styles may be inline, and scripts run only when
// they are the report's own or one of `other_scripts` (by SHA-256: the
// page is one offline file, so no nonce could come with it). `fetches`:
// the page may poll the origin it came from.
std::string content_security_policy(const std::vector<std::string_view>& other_scripts = {},
                                    bool fetches = false);

// The trials of ReportPage::data, one object each by number, as report.js
// reads them: {"number", "state", "values", "params" (in the order of
// data["params"]), "inference_j", "inference_unit", "tuning_j", "energy",
// "fail_reason", and "user_attrs" where the page embeds them}. What a live
// view sends for the trials that changed.
std::map<std::int64_t, nlohmann::json> trial_rows(const nlohmann::json& data);

// The HTML page alone (for tests): study as stored, options as above.
std::string render_html_report(const StudyRecord& study, const std::vector<Trial>& trials,
                               const std::string& storage_description,
                               const ReportOptions& options);

}  // namespace ecopt::report
