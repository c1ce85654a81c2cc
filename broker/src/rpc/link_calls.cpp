// The sending side of a link: calls and their deadline queue, responses,
// heartbeats, and the write path (frames queued during one loop turn leave in
// one socket write).
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "rpc/link.hpp"

namespace pummelo::broker::rpc {

namespace {
// Bytes of a request frame: header, method, payload.
std::size_t request_frame_size(std::size_t payload) { return wire::frame_header_size + 2 + payload; }
}  // namespace

void link::batch::reset() noexcept {
  bytes.clear();
  frames = requests = request_bytes = 0;
}

bool link::refuse(call_callback& cb, status st) {
  // Posted, never run inside call(): a callback that calls again must not recurse.
  asio::post(io_, [cb = std::move(cb), st] { cb(st, {}); });
  return false;
}

bool link::call(std::uint16_t method, std::span<const std::uint8_t> payload,
                std::chrono::milliseconds timeout, call_callback cb) {
  if (state_ == state::closed) return refuse(cb, status::error);
  std::size_t size = request_frame_size(payload.size());
  if (size - 4 > opts_.max_frame_size) return refuse(cb, status::error);  // peer would reject it
  batch& b = state_ == state::established ? out_ : held_;
  std::size_t unwritten_requests = held_.requests + out_.requests + inflight_.requests;
  std::size_t unwritten_bytes = held_.request_bytes + out_.request_bytes + inflight_.request_bytes;
  if (calls_.size() >= opts_.max_pending_calls || unwritten_requests >= opts_.max_queued_requests ||
      unwritten_bytes + size > opts_.max_queued_bytes ||
      queued_bytes() + size > opts_.max_write_queue_bytes) {
    stats_.calls_overloaded.add();
    return refuse(cb, status::overloaded);
  }
  std::uint64_t id = next_id_++;
  wire::encode_request(b.bytes, id, method, payload);
  ++b.frames;
  ++b.requests;
  b.request_bytes += size;
  auto deadline = steady::now() + timeout;
  calls_.emplace(id, pending_call{std::move(cb), deadline});
  add_deadline(deadline, id);
  if (state_ == state::established) schedule_flush();
  return true;
}

void link::add_deadline(steady::time_point at, std::uint64_t id) {
  deadlines_.emplace(at, id);
  if (!call_timer_armed_ || at < call_timer_at_) arm_call_timer(at);
}

void link::arm_call_timer(steady::time_point at) {
  // Re-arming cancels the previous wait (its handler sees operation_aborted),
  // so at most one wait is live and it targets the earliest deadline.
  call_timer_armed_ = true;
  call_timer_at_ = at;
  call_timer_.expires_at(at);
  call_timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (!ec) self->on_call_timer();
  });
}

void link::on_call_timer() {
  call_timer_armed_ = false;
  if (closed()) return;
  auto now = steady::now();
  // A callback may call() or close(): re-check the set on every turn.
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    std::uint64_t id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto it = calls_.find(id);
    if (it == calls_.end()) continue;
    auto cb = std::move(it->second.cb);
    calls_.erase(it);
    stats_.calls_timed_out.add();
    cb(status::timeout, {});
  }
  if (closed() || deadlines_.empty()) return;
  auto next = deadlines_.begin()->first;
  if (!call_timer_armed_ || next < call_timer_at_) arm_call_timer(next);
}

bool link::room_for(std::size_t frame_bytes) {
  if (queued_bytes() + frame_bytes <= opts_.max_write_queue_bytes) return true;
  close("write queue over max_write_queue_bytes: peer is not reading");
  return false;
}

bool link::send_response(std::uint64_t id, status st, std::span<const std::uint8_t> payload) {
  if (state_ != state::established) return false;
  if (!room_for(wire::frame_header_size + 1 + payload.size())) return false;
  wire::encode_response(out_.bytes, id, st, payload);
  ++out_.frames;
  schedule_flush();
  return true;
}

void link::arm_heartbeat() {
  heartbeat_timer_.expires_after(opts_.heartbeat_interval);
  heartbeat_timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (!ec) self->on_heartbeat_tick();
  });
}

void link::on_heartbeat_tick() {
  if (closed()) return;
  auto now = steady::now();
  if (state_ != state::established) {
    if (now - started_ >= opts_.heartbeat_timeout) {
      close("no handshake within heartbeat_timeout");
      return;
    }
  } else {
    if (now - last_received_ >= opts_.heartbeat_timeout) {
      close("heartbeat timeout: nothing received for " +
            std::to_string(opts_.heartbeat_timeout.count()) + " ms");
      return;
    }
    // Idle in either direction during the last interval: a heartbeat keeps
    // the peer's timer fed, and its ack feeds ours.
    if ((!sent_since_tick_ || !received_since_tick_) && room_for(wire::frame_header_size)) {
      wire::encode_heartbeat(out_.bytes, false, ++heartbeat_seq_);
      ++out_.frames;
      schedule_flush();
    }
    if (closed()) return;
  }
  sent_since_tick_ = false;
  received_since_tick_ = false;
  arm_heartbeat();
}

void link::schedule_flush() {
  if (writing_ || flush_posted_ || closed()) return;
  // Flush at the end of this loop turn so that every frame queued during it
  // leaves in the same write.
  flush_posted_ = true;
  asio::post(io_, [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();
  });
}

void link::flush() {
  if (writing_ || closed() || out_.bytes.empty()) return;
  // Double buffering: the batch being written stays untouched while new
  // frames accumulate in out_.
  std::swap(inflight_, out_);
  out_.reset();
  if (out_.bytes.capacity() > opts_.max_queued_bytes) out_.bytes.shrink_to_fit();
  writing_ = true;
  sent_since_tick_ = true;
  asio::async_write(socket_, asio::buffer(inflight_.bytes),
                    [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                      self->writing_ = false;
                      if (!ec) {
                        self->stats_.writes.add();
                        self->stats_.bytes_sent.add(n);
                        self->stats_.frames_sent.add(self->inflight_.frames);
                      }
                      self->inflight_.reset();
                      if (self->closed()) return;
                      if (ec) {
                        self->close("write failed: " + ec.message());
                        return;
                      }
                      self->flush();
                    });
}

// ---------------------------------------------------------------- responder

responder::state::~state() {
  if (done) return;
  if (auto l = owner.lock()) {
    l->send_response(id, status::error,
                     std::span<const std::uint8_t>(
                         reinterpret_cast<const std::uint8_t*>("request dropped"), 15));
  }
}

bool responder::operator()(status st, std::span<const std::uint8_t> payload) const {
  if (!state_ || state_->done) return false;
  state_->done = true;
  auto l = state_->owner.lock();
  return l && l->send_response(state_->id, st, payload);
}

bool responder::fail(status st, std::string_view message) const {
  return (*this)(st, std::span<const std::uint8_t>(
                         reinterpret_cast<const std::uint8_t*>(message.data()), message.size()));
}

bool responder::answered() const noexcept { return !state_ || state_->done; }

}  // namespace pummelo::broker::rpc
