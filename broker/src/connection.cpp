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
#include "socket_address.hpp"

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
  close_fd();
  if (counted_) server_().release_connection();
}

std::string connection::peer() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd_ < 0 || ::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    // A peer that reset is no longer known to the socket (a TLS client often
    // resets after its alert): TLS sessions note the peer at the start.
    const auto* tls = tls_stream();
    return tls && !tls->peer().empty() ? tls->peer() : "unknown peer";
  }
  return endpoint_of(ss);
}

void connection::close_fd() noexcept {
  if (fd_ < 0) return;
  // Counted per address at accept (limits.max_connections_per_address).
  server_().release_address(fd_);
  // Closing the only descriptor of the socket removes it from the epoll set:
  // no epoll_ctl needed (one system call fewer per connection).
  ::close(fd_);
  fd_ = -1;
}

void connection::start(tls::server_context* tls) {
  arm_timer();  // the CONNECT deadline counts from here
  reading_ = true;
  if (tls) {
    x().tls = tls::stream::accept(*tls, fd_);
    if (!x().tls) {
      close(protocol::reason_code::unspecified_error, "cannot start a TLS session", false);
      return;
    }
    x().tls->set_peer(peer());
  }
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
  // TLS: a read that must write first (a handshake step) waits for the
  // socket to be writable, a write that must read first for it to be readable.
  const auto* tls = tls_stream();
  const std::uint32_t read_on =
      tls && tls->read_wants_write() ? socket_poller::writable : socket_poller::readable;
  const std::uint32_t write_on =
      tls && tls->write_wants_read() ? socket_poller::readable : socket_poller::writable;
  std::uint8_t want = (reading_ ? read_on : 0u) | (writing_ ? write_on : 0u);
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
  read_tls_backlog();
}

void connection::read_tls_backlog() {
  const auto* tls = tls_stream();
  if (!tls || !reading_ || state_ == state::closing || state_ == state::closed ||
      !tls->has_pending())
    return;
  asio::post(loop_->context(), [self = shared_from_this()] { self->on_readable(); });
}

ssize_t connection::read_tls(std::span<std::uint8_t> buf) {
  auto r = tls_stream()->read(buf.data(), buf.size());
  if (polled_) {
    update_interest();  // a handshake step may wait for EPOLLOUT
    if (state_ == state::closing || state_ == state::closed) {
      errno = EPROTO;  // epoll failed: closed already
      return -1;
    }
  }
  using st = tls::stream::status;
  switch (r.st) {
    case st::ok: return static_cast<ssize_t>(r.bytes);
    case st::want_read:
    case st::want_write: errno = EAGAIN; return -1;
    case st::closed: return 0;
    case st::socket_error: errno = r.sys_errno; return -1;
    case st::failed: break;
  }
  // One line at info level: the peer and OpenSSL's reason.
  close(protocol::reason_code::unspecified_error, r.error, false);
  errno = EPROTO;  // the caller's close() is then a no-op
  return -1;
}

void connection::on_events(std::uint32_t events) {
  if (state_ == state::closed) return;
  if (events & EPOLLERR) {
    // A TLS client that gives up on the handshake sends an alert and often
    // resets: read the alert first, it says why.
    if (const auto* tls = tls_stream(); tls && !tls->handshake_done() && (events & EPOLLIN)) {
      on_readable();
      if (state_ == state::closing || state_ == state::closed) return;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    close(protocol::reason_code::success,
          err ? std::string("socket error: ") + std::strerror(err) : "socket error", false);
    return;
  }
  if (const auto* tls = tls_stream()) {
    // A TLS read waiting to write goes on when writable, a write waiting to
    // read when readable.
    if ((events & EPOLLOUT) && tls->read_wants_write()) events |= EPOLLIN;
    if ((events & EPOLLIN) && tls->write_wants_read()) events |= EPOLLOUT;
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
    ssize_t n = tls_stream() ? read_tls(buf) : ::read(fd_, buf.data(), buf.size());
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
    if (!reading_) return;     // paused (limits.max_publish_rate)
    // TLS: OpenSSL returns a record at a time; read on until it wants more.
    if (got < buf.size() && !tls_stream()) return;
  }
  // Bytes may be left: level-triggered polling reports the socket again
  // (input OpenSSL already took from it is not reported: read that later).
  read_tls_backlog();
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
    if (std::holds_alternative<protocol::publish_packet>(p) && state_ == state::active &&
        server_().cfg().limits.max_publish_rate > 0 && !publish_allowed_now()) {
      hold_publish(std::move(std::get<protocol::publish_packet>(p)), bytes);
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
  if (auto* tls = tls_stream(); tls && fd_ >= 0) tls->shutdown();  // close_notify, best effort
  close_fd();
  if (x_ && x_->flush_timer) x_->flush_timer->cancel();
  if (x_ && x_->throttle_timer) x_->throttle_timer->cancel();
  out_.clear();
  loop_->remove_connection(shared_from_this());
}

}  // namespace pummelo::broker
