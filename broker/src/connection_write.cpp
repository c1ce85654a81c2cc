// The write side: control packets and PUBLISH chunks go into a bounded queue
// that is flushed with one gathered write per loop turn.
#include <sys/uio.h>

#include <asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "connection.hpp"
#include "event_loop.hpp"
#include "pummelo/protocol/encoder.hpp"
#include "publish_encoding.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {
namespace {
constexpr std::size_t max_iovecs_per_write = 64;  // bounded iovec per writev
constexpr int writes_per_flush = 16;  // then the rest waits a turn: fairness
}

void connection::send(const protocol::packet& p) {
  out_chunk c;
  protocol::encode_append(p, version_, c.owned);
  enqueue(std::move(c));
}

bool connection::send_publish(const session_delivery& d, std::uint16_t packet_id, bool dup,
                              publish_cache& cache) {
  if (state_ != state::active) return true;
  publish_form form;
  form.version = version_;
  form.qos = d.qos;
  form.retain = d.retain;
  form.dup = dup;
  form.subscription_ids = d.subscription_ids.empty() ? nullptr : &d.subscription_ids;
  const auto& e = cache.get(d.msg, form);
  if (e.layout.size > client_max_packet_size_) return false;
  const auto& sched = server_().cfg().scheduler;
  out_chunk chunk = make_publish_chunk(e, d.qos, packet_id);
  if (sched.type == scheduler_config::kind::buffer && d.qos == 0) {
    // The buffer scheduler's queue is bounded: QoS 0 pushes beyond it are
    // dropped and counted (pomelo's grew without limit).
    if (out_.buffered_pushes() >= sched.max_buffered_messages) {
      loop_->stats().scheduler_overflow.add();
      loop_->stats().messages_dropped.add();
      return true;
    }
    chunk.buffered_push = true;
  }
  if (enqueue(std::move(chunk), true)) {
    loop_->stats().messages_sent.add();
  } else {
    loop_->stats().messages_dropped.add();  // the connection is going away
  }
  return true;
}

void connection::send_pubrel(std::uint16_t packet_id) {
  send(protocol::pubrel_packet{packet_id, protocol::reason_code::success, {}});
}

bool connection::enqueue(out_chunk chunk, bool is_push) {
  if (state_ == state::closed) return false;
  if (state_ == state::closing) {
    out_.push(std::move(chunk));  // only close()'s final DISCONNECT gets here
    schedule_flush();
    return true;
  }
  if (overflowed_) return false;
  if (out_.bytes() + chunk.size() > server_().cfg().limits.max_write_queue_bytes) {
    // A client that stops reading is disconnected, never buffered without
    // bound. The close is posted, not run here: we may be deep inside a
    // session's delivery loop, which must not see its session ended under it.
    overflowed_ = true;
    asio::post(loop_->context(), [self = shared_from_this()] {
      self->close(protocol::reason_code::success,
                  "write queue over limits.max_write_queue_bytes: client is not reading", false);
    });
    return false;
  }
  out_.push(std::move(chunk));
  if (is_push && server_().cfg().scheduler.type == scheduler_config::kind::buffer) {
    schedule_timed_flush();
  } else {
    schedule_flush();
  }
  return true;
}

void connection::schedule_timed_flush() {
  if (writing_ || flush_posted_ || flush_timed_) return;
  // pomelo's buffer scheduler: pushes wait up to flush_interval_ms so that a
  // burst leaves in one write.
  if (!x().flush_timer) x().flush_timer = std::make_unique<asio::steady_timer>(loop_->context());
  flush_timed_ = true;
  x().flush_timer->expires_after(std::chrono::milliseconds(server_().cfg().scheduler.flush_interval_ms));
  x().flush_timer->async_wait([self = shared_from_this()](const std::error_code& ec) {
    self->flush_timed_ = false;
    if (!ec) self->flush();
  });
}

void connection::schedule_flush() {
  // While the socket is full, EPOLLOUT calls flush().
  if (writing_ || flush_posted_ || state_ == state::closed) return;
  flush_posted_ = true;
  loop_->request_flush(*this);
}

ssize_t connection::write_tls(const iovec* iov, std::size_t count) {
  // A write OpenSSL could not finish is retried (EPOLLOUT, or EPOLLIN when it
  // must read first: update_interest) with the queue's front unchanged, as
  // SSL_write wants.
  auto r = tls_stream()->write(iov, count);
  using st = tls::stream::status;
  switch (r.st) {
    case st::ok: return static_cast<ssize_t>(r.bytes);
    case st::want_read:
    case st::want_write: errno = EAGAIN; return -1;
    case st::closed: errno = EPIPE; return -1;
    case st::socket_error: errno = r.sys_errno; return -1;
    case st::failed: break;
  }
  errno = EPROTO;
  return -1;
}

void connection::flush() {
  if (state_ == state::closed) return;
  for (int round = 0; round < writes_per_flush && !out_.empty(); ++round) {
    iovec iov[max_iovecs_per_write];
    const std::size_t n = out_.gather(iov, max_iovecs_per_write);
    const ssize_t written =
        tls_stream() ? write_tls(iov, n) : ::writev(fd_, iov, static_cast<int>(n));
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        writing_ = true;  // the client is slow: wait until it reads
        update_interest();
        return;
      }
      const int err = errno;
      if (state_ == state::closing) {
        finish_close();
      } else {
        close(protocol::reason_code::success, std::string("write failed: ") + std::strerror(err),
              false);
      }
      return;
    }
    loop_->stats().bytes_sent.add(static_cast<std::size_t>(written));
    out_.consume(static_cast<std::size_t>(written));
  }
  if (!out_.empty()) {
    if (!writing_ && !flush_posted_) {
      // More than writes_per_flush batches: let other connections write first.
      flush_posted_ = true;
      loop_->request_flush(*this);
    }
    return;
  }
  if (writing_) {
    writing_ = false;
    update_interest();
  }
  if (state_ == state::closing) finish_close();
}

}  // namespace pummelo::broker
