#pragma once
// A loopback TCP relay in front of the test server that cuts a connection
// at its next COMMIT: before passing the COMMIT on (the server never
// commits), just after (the server commits, its answer never arrives), or
// on the client's side only (the server, told nothing, waits inside the
// transaction, as behind a network partition). The worst moments for a
// network to fail, on demand.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ecopt::testing {

class CommitCuttingRelay {
 public:
  enum class Cut { BeforeCommit, AfterCommit, ClientSideOnly };

  explicit CommitCuttingRelay(int server_port);
  ~CommitCuttingRelay();
  CommitCuttingRelay(const CommitCuttingRelay&) = delete;
  CommitCuttingRelay& operator=(const CommitCuttingRelay&) = delete;

  // `url` of the server with the relay's port in place of the server's.
  std::string through(const std::string& url) const;
  // The next COMMIT is cut as `cut` says; everything else passes.
  void arm(Cut cut);
  bool fired() const { return fired_; }

 private:
  void accept_loop();
  void relay(int client, int server);
  // True when the client's bytes hold a COMMIT and the relay is armed.
  bool cut_now(const char* bytes, long size);

  int server_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> armed_{false};
  std::atomic<bool> fired_{false};
  Cut cut_ = Cut::BeforeCommit;
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
  std::vector<int> held_open_;  // server sides a ClientSideOnly cut left waiting
  std::thread acceptor_;
};

}  // namespace ecopt::testing
