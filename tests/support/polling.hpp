#pragma once
// Waiting on what a child process or a background thread did, for tests.
#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

namespace ecopt::testing {

// Polls `condition` until it holds or `timeout` passes; true if it held.
// Tests of background work wait on what it did, not on a fixed sleep, so a
// loaded machine slows them down instead of failing them.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Whether a process still runs, from /proc: a zombie has ended and only
// waits for its parent (or init, or nobody in some containers) to reap it.
inline bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

}  // namespace ecopt::testing
