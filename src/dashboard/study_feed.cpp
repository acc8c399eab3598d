#include "study_feed.hpp"

#include <algorithm>
#include <utility>

#include "ecopt/study/trial_log.hpp"

namespace ecopt::dashboard {

StudyFeed::StudyFeed(StudyRecord study, std::string storage_description,
                     std::optional<std::filesystem::path> trial_log_dir, LiveUpdates live_updates)
    : storage_description_(std::move(storage_description)),
      trial_log_dir_(std::move(trial_log_dir)),
      live_updates_(std::move(live_updates)) {
  auto state = std::make_shared<TrialsState>();
  state->study = std::move(study);
  state_ = std::move(state);
}

void StudyFeed::refresh(Storage& storage, const StudyRecord& record) {
  auto current = trials();
  TrialChanges changes = storage.trials_changed_since(record.id, current->storage_version);
  // A study deleted and made again under its name (a new id, or the same id
  // reused with its version count started anew): read from its start.
  const bool made_again = record.id != current->study.id || changes.version < current->storage_version;
  if (made_again) {
    auto start = std::make_shared<TrialsState>();
    start->version = current->version;  // the feed's version only moves on
    current = std::move(start);
    changes = storage.trials_changed_since(record.id, 0);
  }
  auto log_bytes = running_log_bytes(current->log_bytes, changes.trials);
  if (!made_again && changes.trials.empty() && changes.version == current->storage_version &&
      log_bytes == current->log_bytes && record.spec == current->study.spec &&
      record.user_attrs == current->study.user_attrs) {
    return;
  }
  auto next = std::make_shared<TrialsState>(*current);
  next->version = std::max(current->version + 1, changes.version);
  next->storage_version = changes.version;
  next->study = record;
  next->log_bytes = std::move(log_bytes);
  for (auto& trial : changes.trials) {
    next->changed_at[trial.number] = next->version;
    next->trials[trial.number] = std::move(trial);
  }
  std::lock_guard lock(state_mutex_);
  state_ = std::move(next);
}

// `bytes` with the trials that `changed` and are RUNNING added, the others
// left out, each with its log's size now (0 while it has none).
std::map<std::int64_t, std::uintmax_t> StudyFeed::running_log_bytes(std::map<std::int64_t, std::uintmax_t> bytes,
                                                                    const std::vector<Trial>& changed) const {
  if (!trial_log_dir_) return {};
  for (const Trial& trial : changed) {
    if (trial.state == TrialState::Running) {
      bytes[trial.number] = 0;
    } else {
      bytes.erase(trial.number);
    }
  }
  for (auto& [number, size] : bytes) {
    std::error_code none;
    const std::uintmax_t now = std::filesystem::file_size(trial_log_path(*trial_log_dir_, number), none);
    size = none ? 0 : now;
  }
  return bytes;
}

std::shared_ptr<const TrialsState> StudyFeed::trials() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

std::shared_ptr<const RenderedPage> StudyFeed::render(std::shared_ptr<const TrialsState> state,
                                                      const RenderedPage* previous) const {
  std::vector<Trial> trials;
  trials.reserve(state->trials.size());
  for (const auto& [number, trial] : state->trials) trials.push_back(trial);
  report::ReportOptions options;
  options.study_name = state->study.spec.name;
  options.trial_log_dir = trial_log_dir_;
  auto rendered = std::make_shared<RenderedPage>();
  rendered->version = state->version;
  rendered->page = report::render_report_page(state->study, trials, storage_description_, options);
  for (const auto& section : rendered->page.sections) {
    std::int64_t changed = state->version;
    if (previous) {
      for (std::size_t i = 0; i < previous->page.sections.size(); ++i) {
        const auto& old = previous->page.sections[i];
        if (old.id == section.id && old.html == section.html) changed = previous->section_changed_at[i];
      }
    }
    rendered->section_changed_at.push_back(changed);
  }
  rendered->trial_data = report::trial_rows(rendered->page.data);
  const report::LiveUpdates live = live_updates_(state->version);
  rendered->document = report::page_document(rendered->page, &live);
  rendered->state = std::move(state);
  return rendered;
}

std::shared_ptr<const RenderedPage> StudyFeed::page() {
  const auto state = trials();
  std::unique_lock lock(render_mutex_, std::try_to_lock);
  // Another request is rendering: serve the last page rather than queue.
  if (!lock.owns_lock() && rendered_) return rendered_;
  if (!lock.owns_lock()) lock.lock();
  if (!rendered_ || rendered_->version != state->version) rendered_ = render(state, rendered_.get());
  return rendered_;
}

nlohmann::json StudyFeed::changes_since(std::int64_t since) {
  const auto rendered = page();
  const auto& changed_at = rendered->state->changed_at;
  const bool everything = since <= 0 || since > rendered->version;
  nlohmann::json trials = nlohmann::json::array();
  for (const auto& [number, item] : rendered->trial_data) {
    const auto changed = changed_at.find(number);
    if (everything || (changed != changed_at.end() && changed->second > since)) {
      trials.push_back(item);
    }
  }
  nlohmann::json sections = nlohmann::json::array();
  for (std::size_t i = 0; i < rendered->page.sections.size(); ++i) {
    if (everything || rendered->section_changed_at[i] > since) {
      sections.push_back({{"id", rendered->page.sections[i].id},
                          {"html", rendered->page.sections[i].html}});
    }
  }
  return {{"version", rendered->version}, {"trials", trials}, {"sections", sections}};
}

}  // namespace ecopt::dashboard
