#pragma once
// The dashboard's front door: every connection's request head (request line
// and headers) is read by one thread that polls them all, and only a
// complete head takes a request thread. A client that sends its head a
// byte at a time holds no thread, and is closed when the head has not
// arrived whole within the deadline; cpp-httplib's own timeout is per read,
// so one byte every few seconds kept a request thread for good.
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace ecopt::dashboard {

class HeadReader {
 public:
  // serve(socket, head) gets each connection whose head has arrived, with
  // the bytes read so far; it owns the socket from then on.
  using Serve = std::function<void(int socket, std::string head)>;
  HeadReader(std::chrono::milliseconds deadline, std::size_t max_waiting, Serve serve);
  ~HeadReader();
  HeadReader(const HeadReader&) = delete;
  HeadReader& operator=(const HeadReader&) = delete;

  // Hands over an accepted connection; closed at once after stop().
  void admit(int socket);
  // Closes the connections still sending their heads and joins the thread.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiting {
    int socket;
    std::string head;
    Clock::time_point deadline;
  };
  void run();
  // Reads what `waiting` sent; false when it is done with (served or closed).
  bool read_more(Waiting& waiting);

  std::chrono::milliseconds deadline_;
  std::size_t max_waiting_;
  Serve serve_;
  int wake_[2] = {-1, -1};
  std::mutex mutex_;
  std::vector<int> arrived_;
  bool stopping_ = false;
  std::thread thread_;
};

// A connection whose head HeadReader read: those bytes first, then the
// socket, each read and write waiting at most `timeout`.
class HeadFirstStream final : public httplib::Stream {
 public:
  HeadFirstStream(int socket, std::string head, std::chrono::milliseconds timeout);
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return socket_; }

 private:
  bool ready(short events) const;

  int socket_;
  std::string head_;
  std::size_t read_from_ = 0;
  std::chrono::milliseconds timeout_;
};

}  // namespace ecopt::dashboard
