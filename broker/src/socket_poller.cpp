#include "socket_poller.hpp"

#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <system_error>

#include "connection.hpp"

namespace pummelo::broker {
namespace {
int make_epoll() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  return fd;
}
}  // namespace

socket_poller::socket_poller(asio::io_context& io) : io_(io), epoll_(io, make_epoll()) {}

socket_poller::~socket_poller() = default;

int socket_poller::add(int fd, std::uint32_t events, connection* c) noexcept {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = c;
  return ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

int socket_poller::modify(int fd, std::uint32_t events, connection* c) noexcept {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = c;
  return ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : errno;
}

void socket_poller::remove(int fd) noexcept {
  epoll_event ev{};  // ignored, but kernels before 2.6.9 wanted non-null
  ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_DEL, fd, &ev);
}

void socket_poller::start() {
  stopped_ = false;
  arm();
}

void socket_poller::stop() {
  stopped_ = true;
  std::error_code ec;
  epoll_.cancel(ec);
}

void socket_poller::arm() {
  epoll_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const std::error_code& ec) {
    if (!ec && !stopped_) poll_once();
  });
}

void socket_poller::poll_once() {
  const int n = ::epoll_wait(epoll_.native_handle(), events_.data(), static_cast<int>(events_.size()), 0);
  for (int i = 0; i < n; ++i) {
    // A connection closed earlier in this batch is still alive: the loop
    // frees closed connections only after the current handler returns.
    static_cast<connection*>(events_[i].data.ptr)->on_events(events_[i].events);
  }
  if (stopped_) return;
  if (n > 0) {
    // Poll again after the other queued work: some sockets may still be
    // ready. Asio watches our epoll descriptor edge-triggered, so only an
    // empty poll may end in a wait; an edge that arrives meanwhile stays
    // queued in Asio's reactor until this thread polls it, after the wait
    // below is registered.
    asio::post(io_, [this] {
      if (!stopped_) poll_once();
    });
    return;
  }
  arm();
}

}  // namespace pummelo::broker
