#include "commit_cutting_relay.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace ecopt::testing {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

bool send_all(int fd, const char* bytes, long size) {
  while (size > 0) {
    const auto sent = send(fd, bytes, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes += sent;
    size -= sent;
  }
  return true;
}

}  // namespace

CommitCuttingRelay::CommitCuttingRelay(int server_port) : server_port_(server_port) {
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  auto address = loopback(0);
  socklen_t length = sizeof address;
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("the relay cannot listen on a loopback port");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

CommitCuttingRelay::~CommitCuttingRelay() {
  stopping_ = true;
  acceptor_.join();
  close(listener_);
  for (auto& thread : threads_) thread.join();
  for (int server : held_open_) close(server);
}

std::string CommitCuttingRelay::through(const std::string& url) const {
  const auto from = fmt::format(":{}/", server_port_);
  const auto at = url.find(from);
  if (at == std::string::npos) throw std::runtime_error("the URL names another port: " + url);
  return url.substr(0, at) + fmt::format(":{}/", port_) + url.substr(at + from.size());
}

void CommitCuttingRelay::arm(Cut cut) {
  cut_ = cut;
  fired_ = false;
  armed_ = true;
}

void CommitCuttingRelay::accept_loop() {
  while (!stopping_) {
    pollfd waiting{listener_, POLLIN, 0};
    if (poll(&waiting, 1, 50) <= 0) continue;
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    const auto address = loopback(server_port_);
    if (connect(server, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      close(server);
      close(client);
      continue;
    }
    std::lock_guard lock(threads_mutex_);
    threads_.emplace_back([this, client, server] { relay(client, server); });
  }
}

bool CommitCuttingRelay::cut_now(const char* bytes, long size) {
  const std::string_view sent(bytes, static_cast<std::size_t>(size));
  bool expected = true;
  return sent.find(std::string_view("COMMIT\0", 7)) != std::string_view::npos &&
         armed_.compare_exchange_strong(expected, false);
}

void CommitCuttingRelay::relay(int client, int server) {
  char buffer[65536];
  pollfd ends[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  bool cut_here = false;
  while (!stopping_) {
    if (poll(ends, 2, 50) <= 0) continue;
    const bool from_client = ends[0].revents != 0;
    const int from = from_client ? client : server;
    const auto size = recv(from, buffer, sizeof buffer, 0);
    if (size <= 0) break;
    if (from_client && cut_now(buffer, size)) {
      if (cut_ == Cut::AfterCommit) {
        send_all(server, buffer, size);
        // Long enough for the server to commit; its answer stays unread.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
      cut_here = true;
      fired_ = true;
      break;
    }
    if (!send_all(from_client ? server : client, buffer, size)) break;
  }
  shutdown(client, SHUT_RDWR);
  close(client);
  if (cut_here && cut_ == Cut::ClientSideOnly) {
    std::lock_guard lock(threads_mutex_);
    held_open_.push_back(server);
    return;
  }
  shutdown(server, SHUT_RDWR);
  close(server);
}

}  // namespace ecopt::testing
