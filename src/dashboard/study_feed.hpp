#pragma once
// One study as the dashboard serves it: its trials, read incrementally from
// storage (trials_changed_since), and its report page, rendered at most once
// per version whoever asks. Every trial and page section remembers
// the version at which it last changed, so a client that holds version V
// gets only what changed after V.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecopt/report/report.hpp"
#include "ecopt/storage/storage.hpp"

namespace ecopt::dashboard {

struct TrialsState {
  StudyRecord study;
  // The feed's version, which pages hold and poll from: storage's, moved on
  // also when the study record or a running trial's log changes, which
  // storage does not version.
  std::int64_t version = 0;
  std::int64_t storage_version = 0;  // trials_changed_since's
  std::map<std::int64_t, Trial> trials;                  // by number
  std::map<std::int64_t, std::int64_t> changed_at;       // number -> version
  std::map<std::int64_t, std::uintmax_t> log_bytes;      // running trial -> its log's size
};

struct RenderedPage {
  std::shared_ptr<const TrialsState> state;  // what was rendered
  std::int64_t version = -1;
  report::ReportPage page;
  std::vector<std::int64_t> section_changed_at;  // parallel to page.sections
  std::map<std::int64_t, nlohmann::json> trial_data;  // number -> report::trial_rows' row
  std::string document;                          // the whole page, live script included
};

class StudyFeed {
 public:
  // live_updates(version): what a page rendered at that version adds.
  using LiveUpdates = std::function<report::LiveUpdates(std::int64_t version)>;
  // trial_log_dir: where its trials' logs are (study/trial_log.hpp), read
  // for the running trials' last lines at each render.
  StudyFeed(StudyRecord study, std::string storage_description,
            std::optional<std::filesystem::path> trial_log_dir, LiveUpdates live_updates);

  // Reads what changed in storage, given the study's record as just read,
  // and the running trials' log sizes; the caller serialises storage access.
  void refresh(Storage& storage, const StudyRecord& record);
  std::shared_ptr<const TrialsState> trials() const;
  // The page at the latest version read; renders it if nobody has yet.
  std::shared_ptr<const RenderedPage> page();
  // {"version", "trials": [...], "sections": [{"id", "html"}]} with only
  // what changed after `since` (everything when since is 0 or unknown).
  nlohmann::json changes_since(std::int64_t since);

 private:
  std::map<std::int64_t, std::uintmax_t> running_log_bytes(std::map<std::int64_t, std::uintmax_t> bytes,
                                                           const std::vector<Trial>& changed) const;
  std::shared_ptr<const RenderedPage> render(std::shared_ptr<const TrialsState> state,
                                             const RenderedPage* previous) const;

  std::string storage_description_;
  std::optional<std::filesystem::path> trial_log_dir_;
  LiveUpdates live_updates_;
  mutable std::mutex state_mutex_;
  std::shared_ptr<const TrialsState> state_;
  std::mutex render_mutex_;  // one render at a time; held while rendering
  std::shared_ptr<const RenderedPage> rendered_;
};

}  // namespace ecopt::dashboard
