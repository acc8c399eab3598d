// The dashboard server over real HTTP (cpp-httplib's client) on real
// SQLite and PostgreSQL storages: what it serves, what it refuses, and
// that its changes endpoint returns only what changed.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/attributes.hpp"
#include "ecopt/core/escape.hpp"
#include "ecopt/energy/tuning_energy.hpp"
#include "ecopt/study/budget.hpp"
#include "ecopt/study/noisy_front.hpp"
#include "ecopt/study/study_file.hpp"
#include "ecopt/study/trial_log.hpp"
#include "report/known_study.hpp"
#include "report/noisy_study.hpp"
#include "running_dashboard.hpp"
#include "storage/pg_test_server.hpp"

namespace ecopt::dashboard {
namespace {

namespace fs = std::filesystem;
using testing::RunningDashboard;
using testing::test_options;

class SqliteFile : public ::testing::Test {
 protected:
  void SetUp() override {
    folder = fs::temp_directory_path() /
             ("ecopt-dashboard-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder);
    fs::create_directories(folder);
    url = "sqlite:///" + (folder / "study.db").string();
  }
  void TearDown() override { fs::remove_all(folder); }
  fs::path folder;
  std::string url;
};

using DashboardServer = SqliteFile;

TEST(DashboardAddress, LoopbackIsRecognised) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.8.9.10"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("192.168.1.4"));
  EXPECT_FALSE(is_loopback("::"));
}

TEST_F(DashboardServer, AnOpenAddressNeedsAToken) {
  open_storage(url);  // the dashboard only reads: the database must exist
  DashboardOptions options = test_options(url);
  options.host = "0.0.0.0";
  try {
    Dashboard server(options);
    FAIL() << "served 0.0.0.0 without a token";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("--token"), std::string::npos) << error.what();
  }
  options.token = "";
  EXPECT_THROW(Dashboard{options}, InputError);
  options.token = "s3cret-token";
  EXPECT_NO_THROW(Dashboard{options});
}

TEST_F(DashboardServer, WithATokenEveryRequestMustCarryIt) {
  report::testing::make_known_study(*open_storage(url), "known");
  DashboardOptions options = test_options(url);
  options.token = "s3cret-token";
  RunningDashboard dashboard(options);
  httplib::Client client("127.0.0.1", dashboard.port());
  EXPECT_EQ(client.Get("/")->status, 401);
  EXPECT_EQ(client.Get("/api/studies")->status, 401);
  EXPECT_EQ(client.Get("/api/studies", {{"Authorization", "Bearer wrong-token!"}})->status, 401);
  EXPECT_EQ(client.Get("/api/studies", {{"Authorization", "Bearer s3cret-token"}})->status, 200);
  // A browser opens ?token= once and then carries the cookie it was given.
  const auto first = client.Get("/?token=s3cret-token");
  ASSERT_EQ(first->status, 200);
  const std::string cookie = first->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  const auto again = client.Get("/study?name=known", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  EXPECT_EQ(again->status, 200);
}

TEST_F(DashboardServer, IsReadOnlyAndRefusesLargeRequests) {
  report::testing::make_known_study(*open_storage(url), "known");
  RunningDashboard dashboard(test_options(url));
  httplib::Client client("127.0.0.1", dashboard.port());
  EXPECT_EQ(client.Post("/api/studies", "{}", "application/json")->status, 405);
  EXPECT_EQ(client.Delete("/study?name=known")->status, 405);
  const auto huge = client.Get("/api/studies?pad=" + std::string(20000, 'x'));
  ASSERT_TRUE(huge);
  EXPECT_GE(huge->status, 400);
  EXPECT_EQ(client.Get("/study?name=nope")->status, 404);
  const auto page = client.Get("/study?name=known");
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("connect-src 'self'"),
            std::string::npos);
}

// One request thread: a client that connects and sends nothing holds it
// only until the read timeout, then the next request is served.
TEST_F(DashboardServer, AnIdleClientCannotHoldTheServer) {
  report::testing::make_known_study(*open_storage(url), "known");
  DashboardOptions options = test_options(url);
  options.threads = 1;
  options.io_timeout = std::chrono::seconds(1);
  RunningDashboard dashboard(options);
  const int idle = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(dashboard.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  httplib::Client client("127.0.0.1", dashboard.port());
  client.set_read_timeout(std::chrono::seconds(20));
  const auto response = client.Get("/api/studies");
  ::close(idle);
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
}

// Issue 24 (16): 80 clients trickling header bytes kept the dashboard
// unreachable: cpp-httplib's timeout is per read, so a byte every 100 ms
// held each request thread for good and the rest queued behind them.
TEST_F(DashboardServer, ClientsTricklingTheirHeadsCannotHoldTheServer) {
  report::testing::make_known_study(*open_storage(url), "known");
  DashboardOptions options = test_options(url);
  options.threads = 2;
  options.queued_connections = 4;
  options.io_timeout = std::chrono::seconds(5);
  RunningDashboard dashboard(options);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(dashboard.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<int> tricklers;
  for (int i = 0; i < 80; ++i) {
    const int socket = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(socket, reinterpret_cast<sockaddr*>(&address), sizeof address);  // completes in the backlog
    tricklers.push_back(socket);
  }
  std::atomic<bool> done = false;
  std::thread trickle([&] {
    for (int round = 0; !done; ++round) {
      for (const int socket : tricklers) {
        const char* text = round == 0 ? "GET /api/studies HTTP/1.1\r\nHost: x\r\n" : "X";
        ::send(socket, text, std::strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server has taken the first ones
  httplib::Client client("127.0.0.1", dashboard.port());
  client.set_connection_timeout(std::chrono::seconds(3));
  client.set_read_timeout(std::chrono::seconds(3));
  const auto response = client.Get("/api/studies");
  done = true;
  trickle.join();
  for (const int socket : tricklers) ::close(socket);
  ASSERT_TRUE(response) << "unreachable while 80 clients trickled their heads: "
                        << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
}

nlohmann::json get_json(httplib::Client& client, const std::string& path) {
  const auto response = client.Get(path);
  if (!response || response->status != 200) {
    throw std::runtime_error("GET " + path + " failed");
  }
  return nlohmann::json::parse(response->body);
}

std::vector<std::int64_t> numbers(const nlohmann::json& changes) {
  std::vector<std::int64_t> out;
  for (const auto& trial : changes["trials"]) out.push_back(trial["number"]);
  return out;
}

std::vector<std::string> section_ids(const nlohmann::json& changes) {
  std::vector<std::string> out;
  for (const auto& section : changes["sections"]) out.push_back(section["id"]);
  return out;
}

// Worker-side writes through a second connection; the dashboard sees them
// on its next poll and sends only the trials and sections they changed.
void expect_only_changes_are_sent(const std::string& url) {
  auto writer = open_storage(url);
  const StudyRecord study = report::testing::make_known_study(*writer, "known");
  RunningDashboard dashboard(test_options(url));
  httplib::Client client("127.0.0.1", dashboard.port());

  const auto everything = get_json(client, "/api/changes?name=known&since=0");
  EXPECT_EQ(numbers(everything), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  const auto ids = section_ids(everything);
  for (const char* id : {"summary", "pareto", "trials", "method"}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
  }
  const std::int64_t version = everything["version"];
  const auto nothing = get_json(client, fmt::format("/api/changes?name=known&since={}", version));
  EXPECT_EQ(nothing["version"], version);
  EXPECT_TRUE(nothing["trials"].empty());
  EXPECT_TRUE(nothing["sections"].empty());

  const Trial running = writer->create_trial(study.id, nlohmann::json::object());
  TrialResult result;
  result.values = {0.99, 400.0};
  result.user_attrs = {{"accuracy", 0.99}, {"inference_j_per_sample", 1.0 / 400}};
  writer->finish_trial(running.id, result);

  nlohmann::json changes;
  for (int i = 0; i < 100; ++i) {  // the dashboard polls every 200 ms
    changes = get_json(client, fmt::format("/api/changes?name=known&since={}", version));
    if (changes["version"] != version) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GT(changes["version"].get<std::int64_t>(), version);
  EXPECT_EQ(numbers(changes), (std::vector<std::int64_t>{5}));
  const auto changed = section_ids(changes);
  EXPECT_NE(std::find(changed.begin(), changed.end(), "trials"), changed.end());
  EXPECT_NE(std::find(changed.begin(), changed.end(), "pareto"), changed.end());
  EXPECT_EQ(std::find(changed.begin(), changed.end(), "method"), changed.end())
      << "the method section never changes";

  const auto listing = get_json(client, "/api/studies");
  ASSERT_EQ(listing["studies"].size(), 1u);
  EXPECT_EQ(listing["studies"][0]["n_trials"], 6);
  EXPECT_EQ(listing["studies"][0]["states"]["COMPLETE"], 5);
}

TEST_F(DashboardServer, SendsOnlyWhatChangedOnSqlite) { expect_only_changes_are_sent(url); }

std::string section_html(const nlohmann::json& changes, const std::string& id) {
  for (const auto& section : changes["sections"]) {
    if (section["id"] == id) return section["html"];
  }
  return "";
}

std::vector<std::int64_t> posterior_front_in(Storage& storage, const std::string& name) {
  const auto study = storage.find_study(name);
  return posterior_mean_front_numbers(*study, storage.trials(study->id));
}

// A study that says its objectives are noisy: the feed's front chart rings
// and its table lists the front by posterior means, and trials told later
// bring the sections that show the new one.
TEST_F(DashboardServer, FeedsTheFrontByPosteriorMeansOfANoisyStudy) {
  using report::testing::attribute_numbers;
  using report::testing::count_of;
  auto writer = open_storage(url);
  report::testing::make_noisy_study(*writer, "noisy", true, 24);
  RunningDashboard dashboard(test_options(url));
  httplib::Client client("127.0.0.1", dashboard.port());

  const auto everything = get_json(client, "/api/changes?name=noisy&since=0");
  const auto before = posterior_front_in(*writer, "noisy");
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(attribute_numbers(section_html(everything, "trials"), "data-posterior-front"), before);
  EXPECT_EQ(count_of(section_html(everything, "pareto"), "<circle class=\"ring\""), before.size());
  EXPECT_NE(section_html(everything, "method").find("Front by posterior means"), std::string::npos);

  report::testing::add_noisy_trials(*writer, "noisy", 16, 11);
  const std::int64_t version = everything["version"];
  nlohmann::json changes;
  for (int i = 0; i < 100; ++i) {  // the dashboard polls every 200 ms
    changes = get_json(client, fmt::format("/api/changes?name=noisy&since={}", version));
    const auto& trials = changes["trials"];
    if (trials.size() == 16 && std::all_of(trials.begin(), trials.end(), [](const nlohmann::json& t) {
          return t["state"] == "COMPLETE";
        })) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(changes["trials"].size(), 16u);
  EXPECT_EQ(changes["trials"].back()["state"], "COMPLETE");
  const auto after = posterior_front_in(*writer, "noisy");
  ASSERT_NE(after, before);
  EXPECT_EQ(attribute_numbers(section_html(changes, "trials"), "data-posterior-front"), after);
  EXPECT_EQ(count_of(section_html(changes, "pareto"), "<circle class=\"ring\""), after.size());
}

nlohmann::json changes_after(httplib::Client& client, const std::string& study, std::int64_t version) {
  nlohmann::json changes;
  for (int i = 0; i < 100; ++i) {  // the dashboard polls every 200 ms
    changes = get_json(client, fmt::format("/api/changes?name={}&since={}", study, version));
    if (changes["version"] != version) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return changes;
}

// Issue 30: a running trial shows its parameters, its learning curve so far
// and the last lines of its log (escaped, bounded), and each point it
// reports reaches the page on the dashboard's next poll.
TEST_F(DashboardServer, ShowsRunningTrialsWithTheirCurveAndLog) {
  auto writer = open_storage(url);
  const StudyRecord study = report::testing::make_known_study(*writer, "known");
  const Trial running = writer->create_trial(study.id, nlohmann::json::object());
  writer->set_trial_params(running.id, {{"width", std::int64_t{64}}, {"optimizer", std::string("<b>adam</b>")}});
  writer->report_intermediate(running.id, 1, {{"accuracy", 0.61}, {"training_j_so_far", 12.5}});
  writer->report_intermediate(running.id, 2, {{"accuracy", 0.74}, {"training_j_so_far", 25.0}});
  const auto log_dir = trial_log_dir(url, "known");
  ASSERT_TRUE(log_dir);
  {
    TrialLog log(trial_log_path(*log_dir, running.number), {});
    for (int epoch = 0; epoch < 200; ++epoch) log.add(fmt::format("epoch {:03} of 200", epoch));
    log.add("<img src=x onerror=alert(1)> \x1b[2J");
  }
  RunningDashboard dashboard(test_options(url));
  httplib::Client client("127.0.0.1", dashboard.port());

  const auto everything = get_json(client, "/api/changes?name=known&since=0");
  const std::string section = section_html(everything, "running");
  ASSERT_NE(section.find("data-trial=\"5\""), std::string::npos) << section;
  EXPECT_NE(section.find("width = 64"), std::string::npos) << section;
  EXPECT_NE(section.find("&lt;b&gt;adam&lt;/b&gt;"), std::string::npos) << section;
  EXPECT_NE(section.find("running for"), std::string::npos) << section;
  EXPECT_NE(section.find("aria-label=\"trial 5: accuracy by step\""), std::string::npos) << section;
  EXPECT_NE(section.find("aria-label=\"trial 5: training_j_so_far by step\""), std::string::npos);
  EXPECT_NE(section.find("epoch 199 of 200"), std::string::npos) << section;
  EXPECT_EQ(section.find("epoch 000 of 200"), std::string::npos) << "the log is not bounded";
  EXPECT_NE(section.find("&lt;img src=x onerror=alert(1)&gt; \\x1b[2J"), std::string::npos) << section;
  EXPECT_EQ(section.find("<img"), std::string::npos) << "a log line became markup";
  EXPECT_EQ(section.find("<b>adam"), std::string::npos) << "a parameter became markup";

  // A line the trial writes reaches the page on the next poll, with no
  // storage write between.
  std::ofstream(trial_log_path(*log_dir, running.number), std::ios::app) << "epoch 200: written later\n";
  const auto logged = changes_after(client, "known", everything["version"]);
  EXPECT_NE(section_html(logged, "running").find("epoch 200: written later"), std::string::npos)
      << logged.dump();

  // A new point of the curve is a change the next poll sends.
  const std::int64_t version = logged["version"];
  writer->report_intermediate(running.id, 3, {{"accuracy", 0.80}, {"training_j_so_far", 37.5}});
  const auto reported = changes_after(client, "known", version);
  ASSERT_GT(reported["version"].get<std::int64_t>(), version);
  EXPECT_EQ(numbers(reported), (std::vector<std::int64_t>{5}));
  EXPECT_NE(section_html(reported, "running").find("0.8"), std::string::npos)
      << section_html(reported, "running");

  // Once it ends, the section has no trial left to show.
  writer->finish_trial(running.id, {TrialState::Pruned, {0.80, 100.0}});
  const auto ended = changes_after(client, "known", reported["version"]);
  const std::string after = section_html(ended, "running");
  EXPECT_EQ(after.find("data-trial="), std::string::npos) << after;
}

// Issue 30: how close the study is to each rule that ends its runs, in the
// runner's own words (study/budget.hpp), and why its last run stopped once
// one did; a study with no rule shows no budget.
TEST_F(DashboardServer, ShowsBudgetProgressAsTheRunnerJudgesIt) {
  auto writer = open_storage(url);
  StudySpec spec = report::testing::known_spec("budgeted");
  spec.budget.energy_kwh = 0.001;
  spec.budget.wall_time_s = 3600;
  spec.budget.min_hypervolume_per_kwh = 5.0;
  const StudyFile file = parse_study_file(R"(
[study]
name = "budgeted"
n_trials = 10
[[objectives]]
name = "accuracy"
direction = "maximize"
[[objectives]]
name = "inference_samples_per_j"
direction = "maximize"
[task]
kind = "test-problem"
)",
                                          "budgeted.toml");
  const StudyRecord study =
      report::testing::fill_known_study(*writer, spec, {{kStudyFileAttr, file.document}});
  report::testing::make_known_study(*writer, "unbounded");
  RunningDashboard dashboard(test_options(url));
  httplib::Client client("127.0.0.1", dashboard.port());

  const auto everything = get_json(client, "/api/changes?name=budgeted&since=0");
  const std::string section = section_html(everything, "budget");
  const auto trials = writer->trials(study.id);
  std::vector<BudgetProgress> expected{trials_progress(trials, 10)};
  for (auto& rule : budget_progress(spec.budget, trials, spec, tuning_energy(trials), CarbonOptions{})) {
    expected.push_back(std::move(rule));
  }
  ASSERT_EQ(expected.size(), 4u);
  for (const auto& rule : expected) {
    EXPECT_NE(section.find(html_escape(rule.status)), std::string::npos) << rule.status << "\n" << section;
  }
  EXPECT_NE(section.find("4 of 10 trials answered"), std::string::npos) << section;
  EXPECT_NE(section.find("of 0.001 kWh"), std::string::npos) << section;
  EXPECT_NE(section.find("<progress"), std::string::npos) << section;
  EXPECT_EQ(section_html(get_json(client, "/api/changes?name=unbounded&since=0"), "budget"),
            "<section id=\"budget\" hidden></section>");

  // A run that stops says why, in the study's attributes; the page follows.
  writer->set_study_user_attrs(study.id, {{kStoppedByStudyAttr,
                                           {{"rule", "energy_kwh"},
                                            {"message", "the energy budget is spent: <b>test</b>"},
                                            {"at", "2026-12-07T11:00:00.000Z"}}}});
  const auto stopped = changes_after(client, "budgeted", everything["version"]);
  EXPECT_NE(section_html(stopped, "budget").find("the energy budget is spent: &lt;b&gt;test&lt;/b&gt;"),
            std::string::npos)
      << section_html(stopped, "budget");
}

// Issue 30: an empty storage is no empty table but the commands that fill
// it, with this storage's URL in them.
TEST_F(DashboardServer, AnEmptyStorageSaysWhatToRun) {
  open_storage(url);
  RunningDashboard dashboard(test_options(url));
  httplib::Client client("127.0.0.1", dashboard.port());
  const auto page = client.Get("/");
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("No study in " + url + " yet"), std::string::npos) << page->body;
  EXPECT_NE(page->body.find("<code>ecopt tune study.toml --storage " + url + "</code>"), std::string::npos)
      << page->body;
  EXPECT_NE(page->body.find("<code>ecopt create-study --storage " + url), std::string::npos) << page->body;
  EXPECT_TRUE(get_json(client, "/api/studies")["studies"].empty());
}

// A study deleted and made again under its name while the dashboard runs
// is read from its start, and the other studies go on being read.
TEST_F(DashboardServer, AStudyMadeAgainUnderItsNameIsReadAfresh) {
  auto writer = open_storage(url);
  const StudyRecord first = report::testing::make_known_study(*writer, "known");
  RunningDashboard dashboard(test_options(url));
  httplib::Client client("127.0.0.1", dashboard.port());
  ASSERT_EQ(get_json(client, "/api/studies")["studies"][0]["n_trials"], 5);

  writer->delete_study(first.id);
  const StudyRecord again = writer->create_study(report::testing::known_spec("known"), nlohmann::json::object());
  writer->create_trial(again.id, nlohmann::json::object());
  nlohmann::json listing;
  for (int i = 0; i < 100; ++i) {  // the dashboard polls every 200 ms
    listing = get_json(client, "/api/studies");
    if (listing["studies"][0]["n_trials"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(listing["error"], nullptr) << listing.dump();
  EXPECT_EQ(listing["studies"][0]["n_trials"], 1) << listing.dump();
  EXPECT_EQ(listing["studies"][0]["states"], (nlohmann::json{{"RUNNING", 1}}));
}

TEST(DashboardPostgres, SendsOnlyWhatChangedOnPostgres) {
  ECOPT_REQUIRE_PG_SERVER(server);
  expect_only_changes_are_sent(server->create_database());
}

}  // namespace
}  // namespace ecopt::dashboard
