// Readiness of client sockets, one epoll set per event loop.
//
// Asio keeps per socket a reactor record and, while a read is awaited, a
// queued operation: several hundred bytes for every idle device. Client
// sockets are therefore plain descriptors in an epoll set of our own, whose
// descriptor Asio watches like any other. The loop learns "some client is
// ready" from Asio and asks epoll which ones; an idle connection then costs
// only its descriptor and the kernel's epoll entry.
//
// Registrations are level-triggered: a connection that left bytes unread (it
// reads a bounded amount per turn) is reported again on the next poll.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <array>
#include <cstdint>
#include <sys/epoll.h>

namespace pummelo::broker {

class connection;

class socket_poller {
 public:
  static constexpr std::uint32_t readable = EPOLLIN;
  static constexpr std::uint32_t writable = EPOLLOUT;

  explicit socket_poller(asio::io_context& io);  // throws std::system_error
  ~socket_poller();
  socket_poller(const socket_poller&) = delete;
  socket_poller& operator=(const socket_poller&) = delete;

  /// Watches `fd` for `events` on behalf of `c`. Returns 0 or an errno.
  int add(int fd, std::uint32_t events, connection* c) noexcept;
  /// Changes the events watched. Returns 0 or an errno.
  int modify(int fd, std::uint32_t events, connection* c) noexcept;
  /// Stops watching; call before closing the descriptor.
  void remove(int fd) noexcept;

  /// Starts dispatching events to connection::on_events until stop().
  void start();
  void stop();

 private:
  void arm();
  void poll_once();

  asio::io_context& io_;
  asio::posix::stream_descriptor epoll_;
  std::array<epoll_event, 256> events_{};
  bool stopped_ = false;
};

}  // namespace pummelo::broker
