#pragma once
// Headless Chromium for the report and dashboard tests (Debian's chromium
// package), driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: commands on fd 3, replies on fd 4, each a JSON
// message ended by NUL), so a test can size the window, evaluate script in
// the page, read element geometry and see every console message and every
// network request the page makes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/optional_component.hpp"

extern char** environ;

namespace ecopt::testing {

inline const char* const kChromium = "/usr/bin/chromium";

// Chromium comes with scripts/install-deps.sh; a machine without it skips
// the browser tests with this message (ECOPT_REQUIRE_CHROMIUM=1: fails).
#define ECOPT_SKIP_WITHOUT_CHROMIUM()                                                    \
  ECOPT_NEED_COMPONENT(std::filesystem::exists(::ecopt::testing::kChromium), "CHROMIUM", \
                       "chromium is not installed; run scripts/install-deps.sh")

// Networking and background services off: nothing but the page under test
// may reach the network.
inline std::vector<std::string> chromium_flags(const std::filesystem::path& profile) {
  return {kChromium,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-extensions",
          "--disable-default-apps",
          "--no-first-run",
          "--no-default-browser-check",
          "--hide-scrollbars",
          "--user-data-dir=" + profile.string()};
}

inline std::string base64_decode(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    if (c >= '0' && c <= '9') value = c - '0' + 52;
    if (c == '+') value = 62;
    if (c == '/') value = 63;
    if (value < 0) continue;  // padding
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

class ChromiumSession {
 public:
  using Seconds = std::chrono::duration<double>;

  ChromiumSession(const std::filesystem::path& scratch, int width, int height) {
    std::filesystem::create_directories(scratch / "profile");
    int to_browser[2];
    int from_browser[2];
    if (::pipe2(to_browser, O_CLOEXEC) != 0 || ::pipe2(from_browser, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    // Moved above 4, so that dup2 onto 3 and 4 below never hits itself.
    const int browser_reads = ::fcntl(to_browser[0], F_DUPFD_CLOEXEC, 10);
    const int browser_writes = ::fcntl(from_browser[1], F_DUPFD_CLOEXEC, 10);
    ::close(to_browser[0]);
    ::close(from_browser[1]);
    to_browser_ = to_browser[1];
    from_browser_ = from_browser[0];
    std::vector<std::string> args = chromium_flags(scratch / "profile");
    args.push_back("--remote-debugging-pipe");
    args.push_back(fmt::format("--window-size={},{}", width, height));
    args.push_back("about:blank");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, browser_reads, 3);
    posix_spawn_file_actions_adddup2(&actions, browser_writes, 4);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    const std::string log = (scratch / "chromium.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> raw;
    for (auto& arg : args) raw.push_back(arg.data());
    raw.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, kChromium, &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(browser_reads);
    ::close(browser_writes);
    if (rc != 0) throw std::runtime_error("cannot start " + std::string(kChromium));
    attach();
    set_viewport(width, height);
  }

  ~ChromiumSession() {
    try {
      send("Browser.close", nlohmann::json::object(), false);
    } catch (const std::exception&) {
      // Already gone: reaped below either way.
    }
    ::close(to_browser_);
    for (int i = 0; i < 50 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (::waitpid(pid_, nullptr, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(from_browser_);
  }
  ChromiumSession(const ChromiumSession&) = delete;
  ChromiumSession& operator=(const ChromiumSession&) = delete;

  void set_viewport(int width, int height) {
    call("Emulation.setDeviceMetricsOverride",
         {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}});
  }

  // Files the page downloads are saved in `folder`.
  void allow_downloads(const std::filesystem::path& folder) {
    call("Browser.setDownloadBehavior", {{"behavior", "allow"}, {"downloadPath", folder.string()}}, false);
  }

  // Loads `url` and waits for its load event.
  void navigate(const std::string& url) {
    loaded_ = false;
    const auto reply = call("Page.navigate", {{"url", url}});
    if (reply.contains("errorText")) throw std::runtime_error("navigate: " + reply.dump());
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!loaded_) {
      if (Clock::now() > deadline) throw std::runtime_error("no load event from " + url);
      pump(deadline);
    }
  }

  // The value of a script expression (promises awaited); throws on a
  // script error.
  nlohmann::json evaluate(const std::string& expression) {
    const auto reply = call("Runtime.evaluate", {{"expression", expression},
                                                 {"returnByValue", true},
                                                 {"awaitPromise", true}});
    if (reply.contains("exceptionDetails")) {
      throw std::runtime_error("script failed: " + reply["exceptionDetails"].dump());
    }
    return reply["result"].value("value", nlohmann::json());
  }

  // Evaluates `condition` every 50 ms until it is true; returns how long
  // that took, or nothing after `limit`.
  std::optional<Seconds> wait_for(const std::string& condition, Seconds limit) {
    const auto start = Clock::now();
    while (Clock::now() - start < limit) {
      if (evaluate(condition) == true) return Clock::now() - start;
      const auto until = Clock::now() + std::chrono::milliseconds(50);
      while (Clock::now() < until) pump(until);
    }
    return std::nullopt;
  }

  // The page from its top, at most `max_height` px of it, as a PNG.
  std::string screenshot_png(double max_height) {
    const double height =
        std::min(max_height, evaluate("document.documentElement.scrollHeight").get<double>());
    const double width = evaluate("document.documentElement.clientWidth").get<double>();
    return capture(0, 0, width, height);
  }

  // The element `selector` names, as a PNG.
  std::string screenshot_png(const std::string& selector) {
    const auto box = evaluate("(() => { const r = document.querySelector('" + selector +
                              "').getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })()");
    return capture(box[0].get<double>(), box[1].get<double>(), box[2].get<double>(), box[3].get<double>());
  }

  // A real mouse event at (x, y) in CSS px of the viewport: type is
  // "mouseMoved", "mousePressed", "mouseReleased" or "mouseWheel"; `extra`
  // adds DevTools' Input.dispatchMouseEvent fields (button, modifiers: 8 is
  // Shift, clickCount, deltaY).
  void mouse(const std::string& type, double x, double y, nlohmann::json extra = nlohmann::json::object()) {
    extra["type"] = type;
    extra["x"] = x;
    extra["y"] = y;
    call("Input.dispatchMouseEvent", extra);
  }

  // A key pressed and released on the focused element: a character such as
  // "+", or a named key such as "ArrowLeft".
  void key(const std::string& name) {
    nlohmann::json down = {{"type", "keyDown"}, {"key", name}, {"code", name}};
    if (name.size() == 1) down["text"] = name;
    call("Input.dispatchKeyEvent", down);
    call("Input.dispatchKeyEvent", {{"type", "keyUp"}, {"key", name}, {"code", name}});
  }

  // Console messages, uncaught exceptions and browser log entries
  // (failed loads, blocked requests), one line each.
  const std::vector<std::string>& console() const { return console_; }
  // Every URL the page requested.
  const std::vector<std::string>& requests() const { return requests_; }

 private:
  using Clock = std::chrono::steady_clock;

  std::string capture(double x, double y, double width, double height) {
    const auto reply = call("Page.captureScreenshot",
                            {{"format", "png"},
                             {"captureBeyondViewport", true},
                             {"clip", {{"x", x}, {"y", y}, {"width", width}, {"height", height}, {"scale", 1}}}});
    return base64_decode(reply["data"].get<std::string>());
  }

  void attach() {
    const auto targets = call("Target.getTargets", nlohmann::json::object(), false);
    for (const auto& target : targets["targetInfos"]) {
      if (target["type"] != "page") continue;
      session_ = call("Target.attachToTarget",
                      {{"targetId", target["targetId"]}, {"flatten", true}}, false)["sessionId"];
      break;
    }
    if (session_.empty()) throw std::runtime_error("chromium opened no page");
    for (const char* domain : {"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"}) {
      call(domain, nlohmann::json::object());
    }
    // As a page in a window of its own would: focus and blur events fire.
    call("Emulation.setFocusEmulationEnabled", {{"enabled", true}});
  }

  int send(const std::string& method, const nlohmann::json& params, bool in_session) {
    nlohmann::json message = {{"id", ++last_id_}, {"method", method}, {"params", params}};
    if (in_session) message["sessionId"] = session_;
    std::string text = message.dump();
    text.push_back('\0');
    for (std::size_t sent = 0; sent < text.size();) {
      const ssize_t n = ::write(to_browser_, text.data() + sent, text.size() - sent);
      if (n <= 0) throw std::runtime_error("chromium closed its pipe");
      sent += static_cast<std::size_t>(n);
    }
    return last_id_;
  }

  nlohmann::json call(const std::string& method, const nlohmann::json& params,
                      bool in_session = true) {
    const int id = send(method, params, in_session);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
      for (auto it = replies_.begin(); it != replies_.end(); ++it) {
        if ((*it)["id"] != id) continue;
        const nlohmann::json reply = *it;
        replies_.erase(it);
        if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
        return reply["result"];
      }
      if (Clock::now() > deadline) throw std::runtime_error(method + ": no reply from chromium");
      pump(deadline);
    }
  }

  // Handles what chromium sends until `deadline` or the first message.
  void pump(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd waiting{from_browser_, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(std::max<long>(0, left.count()))) <= 0) return;
    char chunk[65536];
    const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("chromium exited; see chromium.log");
    buffer_.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t end; (end = buffer_.find('\0')) != std::string::npos;) {
      handle(nlohmann::json::parse(buffer_.substr(0, end)));
      buffer_.erase(0, end + 1);
    }
  }

  void handle(const nlohmann::json& message) {
    if (message.contains("id")) {
      replies_.push_back(message);
      return;
    }
    const std::string method = message.value("method", "");
    const auto& params = message.value("params", nlohmann::json::object());
    if (method == "Page.loadEventFired") loaded_ = true;
    if (method == "Network.requestWillBeSent") requests_.push_back(params["request"]["url"]);
    if (method == "Runtime.consoleAPICalled") {
      std::string line = params["type"].get<std::string>() + ":";
      for (const auto& arg : params["args"]) {
        line += " " + (arg.contains("value") ? arg["value"].dump() : arg.value("description", ""));
      }
      console_.push_back(line);
    }
    if (method == "Runtime.exceptionThrown") {
      const auto& details = params["exceptionDetails"];
      console_.push_back("exception: " + details.value("text", "") + " " +
                         details.value("exception", nlohmann::json::object()).value("description", ""));
    }
    if (method == "Log.entryAdded") {
      console_.push_back("log " + params["entry"].value("level", "") + ": " +
                         params["entry"].value("text", "") + " " + params["entry"].value("url", ""));
    }
  }

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  int last_id_ = 0;
  std::string session_;
  std::string buffer_;
  std::vector<nlohmann::json> replies_;
  std::vector<std::string> console_;
  std::vector<std::string> requests_;
  bool loaded_ = false;
};

// A script that lists what does not fit at the current width: cells whose
// content is wider than the cell, sections or figures that scroll sideways
// (the trials table may), and a page wider than the window. Empty when
// the layout fits.
inline const char* const kOverflowScript = R"js((() => {
  const problems = [];
  const name = (node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') +
    (node.className && typeof node.className === 'string' ? '.' + node.className.split(' ').join('.') : '');
  for (const cell of document.querySelectorAll('th, td')) {
    if (cell.offsetParent === null) continue;
    if (cell.scrollWidth > cell.clientWidth + 1) {
      problems.push('cell ' + name(cell) + ' "' + cell.textContent.slice(0, 40) + '" needs ' +
        cell.scrollWidth + ' px, has ' + cell.clientWidth);
    }
  }
  // The trials table's wrapper scrolls sideways by design (every parameter
  // has a column); sections and figures must not.
  for (const box of document.querySelectorAll('section, figure')) {
    if (box.offsetParent !== null && box.scrollWidth > box.clientWidth + 1) {
      problems.push('box ' + name(box) + ' scrolls sideways: ' + box.scrollWidth + ' px in ' + box.clientWidth);
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) {
    problems.push('page is ' + page.scrollWidth + ' px wide in a ' + window.innerWidth + ' px window');
  }
  return problems;
})())js";

}  // namespace ecopt::testing
