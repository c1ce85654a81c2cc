// Connection lifecycle: reading, the CONNECT and keep-alive deadlines, and
// closing. Every way a connection ends goes through close() and then
// finish_close(), exactly once.
#include "connection.hpp"

#include <asio/post.hpp>

#include "event_loop.hpp"
#include "log.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {

namespace {
std::string describe(const asio::ip::tcp::socket& s) {
  std::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown peer";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}
}  // namespace

connection::connection(event_loop& loop, asio::ip::tcp::socket socket)
    : loop_(&loop),
      server_(loop.owner()),
      socket_(std::move(socket)),
      timer_(loop.context()),
      decoder_(protocol::decoder::role::server, loop.owner().codec_limits()),
      peer_(describe(socket_)),
      last_activity_(clock::now()),
      connect_deadline_(last_activity_ +
                        std::chrono::milliseconds(loop.owner().cfg().connect_timeout_ms)) {}

connection::~connection() {
  if (counted_) server_.release_connection();
}

void connection::start() {
  std::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  arm_timer();
  start_read();
}

void connection::start_read() {
  // Wait for readability instead of reading into a buffer of our own: the
  // bytes land in the loop's shared buffer, so idle connections hold none.
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const std::error_code& ec) {
                       if (ec) {
                         if (self->state_ != state::closed && self->state_ != state::closing)
                           self->close(protocol::reason_code::success, "read wait failed", false);
                         return;
                       }
                       self->on_readable();
                     });
}

void connection::on_readable() {
  if (state_ == state::closed || state_ == state::closing) return;
  auto& buf = loop_->read_buffer();
  // A few reads per wake-up at most, so one busy client cannot starve the loop.
  for (int round = 0; round < 4; ++round) {
    std::error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      close(protocol::reason_code::success,
            ec == asio::error::eof ? "connection closed by peer" : ec.message(), false);
      return;
    }
    loop_->stats().bytes_received.add(n);
    last_activity_ = clock::now();
    auto self = shared_from_this();  // a handler below may close us
    process_input(std::span<const std::uint8_t>(buf.data(), n));
    // Closed, or migrated to another loop (the old object is then closed too).
    if (state_ != state::awaiting_connect && state_ != state::active) return;
    if (registering_) return;  // finish_connect() reads on
    if (n < buf.size()) break;
  }
  start_read();
}

void connection::process_input(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    auto r = decoder_.feed(bytes);
    bytes = bytes.subspan(r.consumed);
    if (r.status == protocol::decode_status::error) {
      fail(r.error);
      return;
    }
    if (r.status == protocol::decode_status::need_more) return;
    auto p = decoder_.take();
    if (state_ == state::awaiting_connect && std::holds_alternative<protocol::connect_packet>(p)) {
      auto& cp = std::get<protocol::connect_packet>(p);
      // CONNECT may move us to another loop: hand over the unread rest.
      std::vector<std::uint8_t> rest(bytes.begin(), bytes.end());
      on_connect(std::move(cp), rest);
      if (state_ != state::active || loop_ != event_loop::current()) return;
      if (registering_) {
        held_input_ = std::move(rest);  // until the CONNACK (finish_connect)
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
    deadline = connect_deadline_;
  } else if (keep_alive_s_ > 0) {
    // MQTT: the server disconnects after one and a half keep-alive periods.
    deadline = last_activity_ + std::chrono::milliseconds(keep_alive_s_ * 1500);
  } else {
    return;
  }
  timer_.expires_at(deadline);
  timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (!ec) self->on_timer();
  });
}

void connection::on_timer() {
  if (state_ == state::awaiting_connect) {
    if (clock::now() >= connect_deadline_) {
      close(protocol::reason_code::maximum_connect_time,
            "no CONNECT within timeouts.connect_timeout_ms", false);
      return;
    }
  } else if (state_ == state::active) {
    if (clock::now() - last_activity_ >= std::chrono::milliseconds(keep_alive_s_ * 1500)) {
      close(protocol::reason_code::keep_alive_timeout, "keep-alive timeout");
      return;
    }
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
  log(routine ? log_level::debug : log_level::info, "client ",
      session_ ? session_->client_id() : std::string("(not connected)"), " ", peer_,
      ": closing: ", why);
  // Closing first: the final DISCONNECT then bypasses the write-queue limit.
  state_ = state::closing;
  if (was_active && send_disconnect && version_ == protocol::version::v5 &&
      reason != protocol::reason_code::success) {
    protocol::disconnect_packet d;
    d.reason = reason;
    send(d);
  }
  end_session_link();
  timer_.cancel();
  if (!writing_ && out_.empty()) {
    finish_close();
    return;
  }
  // Let what is queued (a final DISCONNECT, buffered pushes) leave now, but
  // never wait on a peer that stopped reading.
  schedule_flush();
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (ec != asio::error::operation_aborted) self->finish_close();
  });
}

void connection::finish_close() {
  if (state_ == state::closed) return;
  state_ = state::closed;
  std::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
  if (flush_timer_) flush_timer_->cancel();
  out_.clear();
  loop_->remove_connection(shared_from_this());
}

}  // namespace pummelo::broker
