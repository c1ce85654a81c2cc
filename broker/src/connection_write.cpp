// The write side: control packets and PUBLISH chunks go into a bounded queue
// that is flushed with one gathered write per loop turn.
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "connection.hpp"
#include "event_loop.hpp"
#include "pummelo/protocol/encoder.hpp"
#include "publish_encoding.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {
namespace {
constexpr std::size_t max_chunks_per_write = 64;  // bounded iovec per writev
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
  const auto& sched = server_.cfg().scheduler;
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
  if (out_.bytes() + chunk.size() > server_.cfg().limits.max_write_queue_bytes) {
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
  if (is_push && server_.cfg().scheduler.type == scheduler_config::kind::buffer) {
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
  if (!flush_timer_) flush_timer_ = std::make_unique<asio::steady_timer>(loop_->context());
  flush_timed_ = true;
  flush_timer_->expires_after(std::chrono::milliseconds(server_.cfg().scheduler.flush_interval_ms));
  flush_timer_->async_wait([self = shared_from_this()](const std::error_code& ec) {
    self->flush_timed_ = false;
    if (!ec) self->flush();
  });
}

void connection::schedule_flush() {
  if (writing_ || flush_posted_) return;
  // Flush at the end of this loop turn so that everything queued during it
  // leaves in one writev.
  flush_posted_ = true;
  asio::post(loop_->context(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();
  });
}

void connection::flush() {
  if (writing_ || state_ == state::closed) return;
  if (out_.empty()) {
    if (state_ == state::closing) finish_close();
    return;
  }
  std::vector<asio::const_buffer> buffers;
  std::size_t chunks = out_.gather(buffers, max_chunks_per_write);
  writing_ = true;
  asio::async_write(socket_, buffers,
                    [self = shared_from_this(), chunks](const std::error_code& ec, std::size_t n) {
                      self->writing_ = false;
                      if (self->state_ == state::closed) return;
                      if (ec) {
                        if (self->state_ == state::closing) {
                          self->finish_close();
                        } else {
                          self->close(protocol::reason_code::success, "write failed: " + ec.message(),
                                      false);
                        }
                        return;
                      }
                      self->loop_->stats().bytes_sent.add(n);
                      self->out_.consume(chunks);
                      self->flush();
                    });
}

}  // namespace pummelo::broker
