// Connection lifecycle: reading, the CONNECT and keep-alive deadlines, and
// closing. Every way a connection ends goes through close() and then
// finish_close(), exactly once.
#include "connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "event_loop.hpp"
#include "log.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {

namespace {
constexpr int reads_per_wakeup = 4;  // so one busy client cannot starve the loop
}  // namespace

connection::connection(event_loop& loop, int fd)
    : fd_(fd),
      loop_(&loop),
      last_activity_(clock::now()),
      decoder_(protocol::decoder::role::server, loop.owner().codec_limits()) {}

server& connection::server_() const noexcept { return loop_->owner(); }

connection::extras& connection::x() {
  if (!x_) x_ = std::make_unique<extras>();
  return *x_;
}

connection::~connection() {
  loop_->deadlines().cancel(*this);
  if (fd_ >= 0) ::close(fd_);  // closing also leaves the epoll set
  if (counted_) server_().release_connection();
}

std::string connection::peer() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd_ < 0 || ::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "unknown peer";
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ss.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    ::inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    port = ntohs(a.sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    ::inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
    port = ntohs(a.sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

void connection::start() {
  arm_timer();  // the CONNECT deadline counts from here
  reading_ = true;
  // Listeners defer accepts until the client has sent something
  // (TCP_DEFER_ACCEPT), so its CONNECT is usually here already: read it
  // before watching the socket. A connection that moves to its client id's
  // loop is then registered with a poller once, there, and most connections
  // need no wake-up between accept and CONNACK.
  auto self = shared_from_this();  // reading may close us
  on_readable();
  update_interest();
}

void connection::update_interest() {
  if (fd_ < 0 || state_ == state::closed) return;
  std::uint8_t want = (reading_ ? socket_poller::readable : 0u) |
                      (writing_ ? socket_poller::writable : 0u);
  if (polled_ && want == interest_) return;
  auto& poller = loop_->poller();
  if (int err = polled_ ? poller.modify(fd_, want, this) : poller.add(fd_, want, this); err != 0) {
    reading_ = false;
    close(protocol::reason_code::unspecified_error, std::string("epoll: ") + std::strerror(err),
          false);
    return;
  }
  polled_ = true;
  interest_ = want;
}

void connection::start_read() {
  reading_ = true;
  update_interest();
}

void connection::on_events(std::uint32_t events) {
  if (state_ == state::closed) return;
  if (events & EPOLLERR) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    close(protocol::reason_code::success,
          err ? std::string("socket error: ") + std::strerror(err) : "socket error", false);
    return;
  }
  if (events & EPOLLOUT) flush();
  if (state_ == state::closed) return;
  if (events & EPOLLIN) {
    on_readable();
  } else if (events & EPOLLHUP) {
    // Hung up while we are not reading (input held until CONNACK, or
    // closing): stop here, or level-triggered EPOLLHUP would be reported on
    // every poll.
    close(protocol::reason_code::success, "connection closed by peer", false);
    finish_close();
  }
}

void connection::on_readable() {
  if (state_ == state::closed || state_ == state::closing || !reading_) return;
  auto& buf = loop_->read_buffer();
  for (int round = 0; round < reads_per_wakeup; ++round) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      close(protocol::reason_code::success, std::strerror(errno), false);
      return;
    }
    if (n == 0) {
      close(protocol::reason_code::success, "connection closed by peer", false);
      return;
    }
    const auto got = static_cast<std::size_t>(n);
    loop_->stats().bytes_received.add(got);
    last_activity_ = clock::now();
    auto self = shared_from_this();  // a handler below may close us
    process_input(std::span<const std::uint8_t>(buf.data(), got));
    // Closed, or migrated to another loop (the old object is then closed too).
    if (state_ != state::awaiting_connect && state_ != state::active) return;
    if (registering_) return;  // finish_connect() reads on
    if (got < buf.size()) return;
  }
  // Bytes may be left: level-triggered polling reports the socket again.
}

void connection::process_input(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    protocol::packet p;
    auto r = decoder_.feed(bytes, p);
    bytes = bytes.subspan(r.consumed);
    if (r.status == protocol::decode_status::error) {
      fail(r.error);
      return;
    }
    if (r.status == protocol::decode_status::need_more) return;
    if (state_ == state::awaiting_connect && std::holds_alternative<protocol::connect_packet>(p)) {
      auto& cp = std::get<protocol::connect_packet>(p);
      // CONNECT may move us to another loop: hand over the unread rest.
      std::vector<std::uint8_t> rest(bytes.begin(), bytes.end());
      on_connect(std::move(cp), rest);
      if (state_ != state::active || loop_ != event_loop::current()) return;
      if (registering_) {
        if (!rest.empty()) x().held_input = std::move(rest);  // until the CONNACK (finish_connect)
        return;
      }
      if (!rest.empty()) process_input(rest);
      return;
    }
    handle_packet(std::move(p));
    if (state_ != state::active) return;
  }
}

void connection::fail(protocol::errc e) {
  loop_->stats().protocol_errors.add();
  auto reason = protocol::to_reason_code(e);
  if (state_ == state::awaiting_connect && e == protocol::errc::unsupported_protocol_version) {
    // 3.1.1 3.1.2.2: answer an unknown level with return code 1 (v3 form).
    refuse_connect(protocol::reason_code::unsupported_protocol_version,
                   "unsupported protocol version");
    return;
  }
  close(reason, std::string("bad input: ") + std::string(protocol::to_string(e)));
}

void connection::arm_timer() {
  clock::time_point deadline;
  if (state_ == state::awaiting_connect) {
    // Fixed at accept (start() arms it once): trickling bytes do not extend it.
    deadline = last_activity_ + std::chrono::milliseconds(server_().cfg().connect_timeout_ms);
  } else if (keep_alive_s_ > 0) {
    // MQTT: the server disconnects after one and a half keep-alive periods.
    deadline = last_activity_ + std::chrono::milliseconds(keep_alive_s_ * 1500);
  } else {
    loop_->deadlines().cancel(*this);
    return;
  }
  loop_->deadlines().schedule(*this, deadline);
}

void connection::on_deadline() {
  if (state_ == state::awaiting_connect) {
    // The wheel never fires early, and this deadline is never moved.
    close(protocol::reason_code::maximum_connect_time,
          "no CONNECT within timeouts.connect_timeout_ms", false);
    return;
  } else if (state_ == state::active) {
    // Keep-alive 0 turns the check off (the CONNECT deadline may still have
    // been pending while the CONNACK waited for the channel servers).
    if (keep_alive_s_ == 0) return;
    if (clock::now() - last_activity_ >= std::chrono::milliseconds(keep_alive_s_ * 1500)) {
      close(protocol::reason_code::keep_alive_timeout, "keep-alive timeout");
      return;
    }
  } else if (state_ == state::closing) {
    finish_close();  // the close linger is over: stop waiting for the peer
    return;
  } else {
    return;
  }
  arm_timer();  // activity moved the deadline: sleep until the new one
}

void connection::close(protocol::reason_code reason, std::string_view why, bool send_disconnect) {
  if (state_ == state::closing || state_ == state::closed) return;
  bool was_active = state_ == state::active;
  // A redirect is routine for a cluster (devices sent to their frontend).
  bool routine = !protocol::is_error(reason) || reason == protocol::reason_code::use_another_server;
  if (auto level = routine ? log_level::debug : log_level::info; log_enabled(level))
    log(level, "client ", session_ ? session_->client_id() : std::string("(not connected)"), " ",
        peer(), ": closing: ", why);
  // Closing first: the final DISCONNECT then bypasses the write-queue limit.
  state_ = state::closing;
  if (was_active && send_disconnect && version_ == protocol::version::v5 &&
      reason != protocol::reason_code::success) {
    protocol::disconnect_packet d;
    d.reason = reason;
    send(d);
  }
  end_session_link();
  reading_ = false;
  if (out_.empty()) {
    finish_close();  // closes the descriptor: no need to change its interest first
    return;
  }
  update_interest();
  // Let what is queued (a final DISCONNECT, buffered pushes) leave now, but
  // never wait on a peer that stopped reading: on_deadline() ends it.
  loop_->deadlines().schedule(*this, clock::now() + std::chrono::seconds(1));
  schedule_flush();
}

void connection::finish_close() {
  if (state_ == state::closed) return;
  state_ = state::closed;
  loop_->deadlines().cancel(*this);
  if (fd_ >= 0) {
    // Closing the only descriptor of the socket removes it from the epoll
    // set: no epoll_ctl needed (one system call fewer per connection).
    ::close(fd_);
    fd_ = -1;
  }
  if (x_ && x_->flush_timer) x_->flush_timer->cancel();
  out_.clear();
  loop_->remove_connection(shared_from_this());
}

}  // namespace pummelo::broker
