#include "head_reader.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <system_error>

namespace ecopt::dashboard {
namespace {

constexpr std::size_t kMaxHead = 16 * 1024;  // cpp-httplib refuses longer lines anyway

void close_connection(int socket) {
  ::shutdown(socket, SHUT_RDWR);
  ::close(socket);
}

bool complete(const std::string& head) {
  return head.find("\r\n\r\n") != std::string::npos || head.find("\n\n") != std::string::npos;
}

}  // namespace

HeadReader::HeadReader(std::chrono::milliseconds deadline, std::size_t max_waiting, Serve serve)
    : deadline_(deadline), max_waiting_(std::max<std::size_t>(1, max_waiting)), serve_(std::move(serve)) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  thread_ = std::thread([this] { run(); });
}

HeadReader::~HeadReader() {
  stop();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void HeadReader::admit(int socket) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      arrived_.push_back(socket);
      socket = -1;
    }
  }
  if (socket >= 0) return close_connection(socket);
  const char wake = 1;
  [[maybe_unused]] const auto written = ::write(wake_[1], &wake, 1);  // a full pipe wakes it too
}

void HeadReader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  const char wake = 1;
  [[maybe_unused]] const auto written = ::write(wake_[1], &wake, 1);
  if (thread_.joinable()) thread_.join();
}

bool HeadReader::read_more(Waiting& waiting) {
  char chunk[4096];
  const ssize_t n = ::recv(waiting.socket, chunk, sizeof chunk, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) {  // gone, or an error
    close_connection(waiting.socket);
    return false;
  }
  waiting.head.append(chunk, static_cast<std::size_t>(n));
  if (complete(waiting.head)) {
    serve_(waiting.socket, std::move(waiting.head));
    return false;
  }
  if (waiting.head.size() > kMaxHead) {
    close_connection(waiting.socket);
    return false;
  }
  return true;
}

void HeadReader::run() {
  std::vector<Waiting> waiting;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      for (const int socket : arrived_) waiting.push_back({socket, "", Clock::now() + deadline_});
      arrived_.clear();
    }
    // Over the limit, the longest waiting make room: they had the most time.
    const std::size_t excess = waiting.size() > max_waiting_ ? waiting.size() - max_waiting_ : 0;
    for (std::size_t i = 0; i < excess; ++i) close_connection(waiting[i].socket);
    waiting.erase(waiting.begin(), waiting.begin() + static_cast<std::ptrdiff_t>(excess));

    std::vector<pollfd> polled{{wake_[0], POLLIN, 0}};
    auto until = Clock::now() + deadline_;
    for (const auto& one : waiting) {
      polled.push_back({one.socket, POLLIN, 0});
      until = std::min(until, one.deadline);
    }
    const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
    ::poll(polled.data(), polled.size(), static_cast<int>(std::max<long>(0, wait_ms)));
    if (polled[0].revents) {
      char drained[64];
      while (::read(wake_[0], drained, sizeof drained) > 0) {
      }
    }
    std::vector<Waiting> still;
    const auto now = Clock::now();
    for (std::size_t i = 0; i < waiting.size(); ++i) {
      Waiting& one = waiting[i];
      if (polled[i + 1].revents && !read_more(one)) continue;
      if (now >= one.deadline) {
        close_connection(one.socket);
        continue;
      }
      still.push_back(std::move(one));
    }
    waiting = std::move(still);
  }
  for (const auto& one : waiting) close_connection(one.socket);
  std::lock_guard lock(mutex_);
  for (const int socket : arrived_) close_connection(socket);
  arrived_.clear();
}

HeadFirstStream::HeadFirstStream(int socket, std::string head, std::chrono::milliseconds timeout)
    : socket_(socket), head_(std::move(head)), timeout_(timeout) {}

bool HeadFirstStream::ready(short events) const {
  pollfd waiting{socket_, events, 0};
  return ::poll(&waiting, 1, static_cast<int>(timeout_.count())) > 0 && (waiting.revents & events);
}

bool HeadFirstStream::is_readable() const { return read_from_ < head_.size() || ready(POLLIN); }

bool HeadFirstStream::is_writable() const { return ready(POLLOUT); }

ssize_t HeadFirstStream::read(char* ptr, size_t size) {
  if (read_from_ < head_.size()) {
    const std::size_t n = std::min(size, head_.size() - read_from_);
    std::memcpy(ptr, head_.data() + read_from_, n);
    read_from_ += n;
    return static_cast<ssize_t>(n);
  }
  if (!ready(POLLIN)) return -1;
  return ::recv(socket_, ptr, size, 0);
}

ssize_t HeadFirstStream::write(const char* ptr, size_t size) {
  if (!ready(POLLOUT)) return -1;
  return ::send(socket_, ptr, size, MSG_NOSIGNAL);
}

namespace {

void address_of(int socket, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  if ((peer ? ::getpeername(socket, raw, &length) : ::getsockname(socket, raw, &length)) != 0) return;
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

}  // namespace

void HeadFirstStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  address_of(socket_, true, ip, port);
}

void HeadFirstStream::get_local_ip_and_port(std::string& ip, int& port) const {
  address_of(socket_, false, ip, port);
}

}  // namespace ecopt::dashboard
