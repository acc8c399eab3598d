// The dashboard's HTTP side: routes, the token check and the limits that
// keep a slow or idle client from holding the server. Storage is read by
// one poller thread only; requests read the feeds' snapshots.
#include "ecopt/dashboard/dashboard.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "assets.hpp"
#include "ecopt/core/error.hpp"
#include "ecopt/core/escape.hpp"
#include "ecopt/study/trial_log.hpp"
#include "head_reader.hpp"
#include "study_feed.hpp"

namespace ecopt::dashboard {

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

namespace {

constexpr std::size_t kMaxRequestBody = 4096;  // the API takes no bodies
constexpr const char* kTokenCookie = "ecopt_token";
// Connections still sending their heads; beyond, the longest waiting is closed.
constexpr std::size_t kMaxWaitingHeads = 512;

// httplib's ThreadPool queues without bound; this one makes the head
// reader wait once `capacity` requests are queued, so memory stays bounded.
class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(std::size_t threads, std::size_t capacity) : capacity_(capacity) {
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~BoundedTaskQueue() override { shutdown(); }
  void enqueue(std::function<void()> job) override {
    std::unique_lock lock(mutex_);
    has_room_.wait(lock, [this] { return jobs_.size() < capacity_ || stopping_; });
    jobs_.push_back(std::move(job));
    has_job_.notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    has_job_.notify_all();
    has_room_.notify_all();
    for (auto& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        has_job_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        has_room_.notify_one();
      }
      job();
    }
  }

  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable has_job_;
  std::condition_variable has_room_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
};

// cpp-httplib's accept loop hands each connection to its task queue; this
// one passes it straight to the head reader, so accepting never waits.
class HandOver : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> job) override { job(); }
  void shutdown() override {}
};

// A server whose connections reach a request thread only with their head
// read (HeadReader); cpp-httplib parses and routes it as usual.
class HeadFirstServer final : public httplib::Server {
 public:
  HeadFirstServer(std::size_t threads, std::size_t queued, std::chrono::milliseconds io_timeout)
      : io_timeout_(io_timeout),
        requests_(threads, queued),
        heads_(io_timeout, kMaxWaitingHeads, [this](int socket, std::string head) {
          requests_.enqueue([this, socket, head = std::move(head)]() mutable {
            serve(socket, std::move(head));
          });
        }) {
    new_task_queue = [] { return new HandOver; };
  }
  // Closes what waits and finishes what was queued, once the accept loop
  // has ended (after stop()).
  void drain() {
    heads_.stop();
    requests_.shutdown();
  }

 private:
  // Private in cpp-httplib, yet virtual: where an accepted socket goes.
  bool process_and_close_socket(int socket) override {
    heads_.admit(socket);
    return true;
  }
  void serve(int socket, std::string head) {
    HeadFirstStream stream(socket, std::move(head), io_timeout_);
    bool closed = false;
    process_request(stream, true, closed, nullptr);
    ::shutdown(socket, SHUT_RDWR);
    ::close(socket);
  }

  std::chrono::milliseconds io_timeout_;
  BoundedTaskQueue requests_;
  HeadReader heads_;
};

bool same_secret(const std::string& given, const std::string& expected) {
  if (given.size() != expected.size()) return false;
  unsigned char difference = 0;  // compare every byte: no early exit to time
  for (std::size_t i = 0; i < given.size(); ++i) difference |= given[i] ^ expected[i];
  return difference == 0;
}

std::string cookie_value(const std::string& cookies, const std::string& name) {
  const std::string prefix = name + "=";
  for (std::size_t start = 0; start < cookies.size();) {
    while (start < cookies.size() && (cookies[start] == ' ' || cookies[start] == ';')) ++start;
    const std::size_t end = std::min(cookies.find(';', start), cookies.size());
    if (cookies.compare(start, prefix.size(), prefix) == 0) {
      return cookies.substr(start + prefix.size(), end - start - prefix.size());
    }
    start = end;
  }
  return "";
}

std::string dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json state_counts(const TrialsState& state) {
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [number, trial] : state.trials) {
    const std::string name(to_string(trial.state));
    counts[name] = counts.value(name, 0) + 1;
  }
  return counts;
}

std::string study_link(const std::string& name) {
  return "/study?name=" + httplib::detail::encode_query_param(name);
}

}  // namespace

struct Dashboard::Impl {
  explicit Impl(DashboardOptions given)
      : options(std::move(given)),
        server(std::max<std::size_t>(1, options.threads),
               std::max<std::size_t>(1, options.queued_connections), options.io_timeout) {
    if (options.token && options.token->empty()) {
      throw InputError("--token is empty; give a secret of at least a few characters");
    }
    if (!is_loopback(options.host) && !options.token) {
      throw InputError(fmt::format(
          "--host {} is reachable from other machines; pass --token T or --token-file F so "
          "that only people with the token can read the studies, or keep the default "
          "--host 127.0.0.1",
          options.host));
    }
    storage = open_storage(options.storage_url, {.access = StorageAccess::ReadOnly});
    storage_description = storage->describe();
    refresh();
    configure_server();
  }

  // Reads new studies and every study's new trials; storage errors are
  // kept for the index page and retried at the next poll.
  void refresh() {
    std::lock_guard storage_lock(storage_mutex);
    try {
      for (auto& record : storage->studies()) {
        std::shared_ptr<StudyFeed> feed;
        {
          std::lock_guard lock(feeds_mutex);
          auto& slot = feeds[record.spec.name];
          if (!slot) {
            slot = std::make_shared<StudyFeed>(
                record, storage_description, trial_log_dir(options.storage_url, record.spec.name),
                [this, name = record.spec.name](std::int64_t version) {
                  return live_updates(name, version);
                });
          }
          feed = slot;
        }
        feed->refresh(*storage, record);
      }
      std::lock_guard lock(feeds_mutex);
      storage_error.clear();
    } catch (const std::exception& error) {
      std::lock_guard lock(feeds_mutex);
      if (storage_error != error.what()) std::cerr << "ecopt dashboard: " << error.what() << '\n';
      storage_error = error.what();
    }
  }

  report::LiveUpdates live_updates(const std::string& study, std::int64_t version) const {
    return {{{"changes", "/api/changes?name=" + httplib::detail::encode_query_param(study)},
             {"poll_ms", options.poll_interval.count()},
             {"version", version}},
            assets::kDashboardJs};
  }

  std::shared_ptr<StudyFeed> feed(const std::string& name) {
    std::lock_guard lock(feeds_mutex);
    const auto it = feeds.find(name);
    return it == feeds.end() ? nullptr : it->second;
  }

  nlohmann::json studies_json() {
    std::vector<std::shared_ptr<StudyFeed>> all;
    nlohmann::json out = nlohmann::json::object();
    {
      std::lock_guard lock(feeds_mutex);
      for (const auto& [name, feed] : feeds) all.push_back(feed);
      out["storage"] = storage_description;
      out["error"] = storage_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(storage_error);
    }
    nlohmann::json studies = nlohmann::json::array();
    for (const auto& feed : all) {
      const auto state = feed->trials();
      nlohmann::json objectives = nlohmann::json::array();
      for (const auto& objective : state->study.spec.objectives) {
        objectives.push_back(
            {{"name", objective.name}, {"direction", to_string(objective.direction)}});
      }
      studies.push_back({{"name", state->study.spec.name},
                         {"link", study_link(state->study.spec.name)},
                         {"objectives", objectives},
                         {"n_trials", state->trials.size()},
                         {"states", state_counts(*state)},
                         {"version", state->version}});
    }
    out["studies"] = studies;
    return out;
  }

  // The study list; on an empty storage, the commands that fill it
  // instead (index.js swaps one for the other as studies come and go).
  std::string index_page() {
    const nlohmann::json studies = studies_json();
    const bool none = studies["studies"].empty();
    const std::string storage = html_escape(storage_description);
    return fmt::format(
        R"(<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ECOpt dashboard</title><style>{}</style></head><body><div class="page"><header><p class="kicker">ECOpt dashboard</p><h1>Studies</h1><p class="meta">{}</p></header><section id="studies"><table id="study-table"{}><thead><tr><th>study</th><th>objectives</th><th class="num">trials</th><th class="num">running</th><th class="num">complete</th><th class="num">pruned</th><th class="num">failed</th></tr></thead><tbody></tbody></table>{}<p class="note" id="storage-error"></p></section></div><script type="application/json" id="ecopt-studies">{}</script><script>{}</script></body></html>)",
        assets::kIndexCss, storage, none ? " hidden" : "", empty_storage_text(storage, none),
        json_for_script(studies), assets::kIndexJs);
  }

  static std::string empty_storage_text(const std::string& storage, bool shown) {
    return fmt::format(
        R"(<div id="empty"{}><p>No study in {} yet. Start one into this storage and it appears here:</p><ul><li>from a study file (<code>examples/pytorch-fashion-mnist/study.toml</code> is one to start from; docs/study-file.md): <code>ecopt tune study.toml --storage {}</code></li><li>from your own training loop, asking for parameters and telling results (docs/cli.md): <code>ecopt create-study --storage {} --study-name my-study --directions maximize minimize --objective-names accuracy inference_j_per_sample</code>, then <code>ecopt ask</code> and <code>ecopt tell</code></li></ul></div>)",
        shown ? "" : " hidden", storage, storage, storage);
  }

  void configure_server() {
    server.set_payload_max_length(kMaxRequestBody);
    // One request per connection: an open page polls every second, so a
    // kept-alive connection would hold a request thread for good.
    server.set_keep_alive_max_count(1);
    server.set_default_headers({
        // The pages may talk to this server only, and run only their own
        // scripts: markup that slipped into a page runs nothing.
        {"Content-Security-Policy",
         report::content_security_policy({assets::kDashboardJs, assets::kIndexJs}, true) +
             "; frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"Cache-Control", "no-store"},
    });
    server.set_pre_routing_handler([this](const httplib::Request& request,
                                          httplib::Response& response) {
      if (request.method != "GET" && request.method != "HEAD") {
        response.status = 405;
        response.set_header("Allow", "GET, HEAD");
        response.set_content("the dashboard is read-only: only GET is served\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }
      return authorised(request, response) ? httplib::Server::HandlerResponse::Unhandled
                                           : httplib::Server::HandlerResponse::Handled;
    });
    server.Get("/", [this](const httplib::Request&, httplib::Response& response) {
      if (options.study_name) return response.set_redirect(study_link(*options.study_name));
      response.set_content(index_page(), "text/html; charset=utf-8");
    });
    server.Get("/api/studies", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(dump(studies_json()), "application/json");
    });
    server.Get("/study", [this](const httplib::Request& request, httplib::Response& response) {
      const auto study = requested_feed(request, response);
      if (study) response.set_content(study->page()->document, "text/html; charset=utf-8");
    });
    server.Get("/api/changes", [this](const httplib::Request& request,
                                      httplib::Response& response) {
      const auto study = requested_feed(request, response);
      if (!study) return;
      std::int64_t since = 0;
      try {
        since = std::stoll(request.get_param_value("since"));
      } catch (const std::exception&) {
        since = 0;  // absent or not a number: send everything
      }
      response.set_content(dump(study->changes_since(since)), "application/json");
    });
  }

  std::shared_ptr<StudyFeed> requested_feed(const httplib::Request& request,
                                            httplib::Response& response) {
    const std::string name = request.get_param_value("name");
    auto study = feed(name);
    if (!study) {
      response.status = 404;
      response.set_content(fmt::format("no study named '{}' in {}\n", name, storage_description),
                           "text/plain; charset=utf-8");
    }
    return study;
  }

  // With a token, every request carries it: a Bearer header (scripts), the
  // cookie set on the first visit, or ?token= on that first visit.
  bool authorised(const httplib::Request& request, httplib::Response& response) const {
    if (!options.token) return true;
    const std::string& token = *options.token;
    const std::string bearer = request.get_header_value("Authorization");
    if (bearer.rfind("Bearer ", 0) == 0 && same_secret(bearer.substr(7), token)) return true;
    if (same_secret(cookie_value(request.get_header_value("Cookie"), kTokenCookie), token)) {
      return true;
    }
    if (request.has_param("token") && same_secret(request.get_param_value("token"), token)) {
      response.set_header("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict",
                                                    kTokenCookie, token));
      return true;
    }
    response.status = 401;
    response.set_content(
        "this dashboard needs its token: open it with ?token=T once, or send "
        "'Authorization: Bearer T'\n",
        "text/plain");
    return false;
  }

  void poll_until_stopped() {
    std::unique_lock lock(stop_mutex);
    while (!stopping) {
      stop_signal.wait_for(lock, options.poll_interval, [this] { return stopping; });
      if (stopping) break;
      lock.unlock();
      refresh();
      lock.lock();
    }
  }

  DashboardOptions options;
  std::unique_ptr<Storage> storage;
  std::mutex storage_mutex;
  std::string storage_description;
  std::mutex feeds_mutex;
  std::map<std::string, std::shared_ptr<StudyFeed>> feeds;
  std::string storage_error;
  HeadFirstServer server;
  int bound_port = -1;
  std::mutex stop_mutex;
  std::condition_variable stop_signal;
  bool stopping = false;
};

Dashboard::Dashboard(DashboardOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Dashboard::~Dashboard() { stop(); }

int Dashboard::bind() {
  auto& impl = *impl_;
  const bool any = impl.options.port == 0;
  impl.bound_port = any ? impl.server.bind_to_any_port(impl.options.host)
                        : (impl.server.bind_to_port(impl.options.host, impl.options.port)
                               ? impl.options.port
                               : -1);
  if (impl.bound_port < 0) {
    throw InputError(fmt::format("cannot listen on {}:{} (in use, or not an address of this "
                                 "machine); pass another --port or --host",
                                 impl.options.host, impl.options.port));
  }
  return impl.bound_port;
}

void Dashboard::serve() {
  std::thread poller([this] { impl_->poll_until_stopped(); });
  impl_->server.listen_after_bind();
  stop();
  impl_->server.drain();
  poller.join();
}

void Dashboard::stop() {
  {
    std::lock_guard lock(impl_->stop_mutex);
    impl_->stopping = true;
  }
  impl_->stop_signal.notify_all();
  impl_->server.stop();
}

int Dashboard::port() const { return impl_->bound_port; }

}  // namespace ecopt::dashboard
