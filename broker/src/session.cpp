#include "session.hpp"

#include <algorithm>

#include "connection.hpp"
#include "event_loop.hpp"
#include "publish_encoding.hpp"
#include "server.hpp"

namespace pummelo::broker {

session::session(event_loop& loop, channel::session_id id, std::string client_id)
    : will_timer(loop.context()),
      expiry_timer(loop.context()),
      loop_(loop),
      id_(id),
      client_id_(std::move(client_id)) {}

session::~session() = default;

std::size_t session::window() const noexcept {
  std::size_t w = loop_.owner().cfg().limits.max_inflight_messages;
  if (connection_) w = std::min<std::size_t>(w, connection_->client_receive_maximum());
  return w;
}

std::uint16_t session::next_packet_id() {
  // Skip ids still in flight: a reused id would confuse the client's acks.
  for (;;) {
    if (++last_packet_id_ == 0) last_packet_id_ = 1;
    auto in_use = std::any_of(inflight_.begin(), inflight_.end(),
                              [&](const auto& m) { return m.packet_id == last_packet_id_; });
    if (!in_use) return last_packet_id_;
  }
}

void session::attach(connection& c) {
  connection_ = &c;
  will_timer.cancel();
  expiry_timer.cancel();
  delayed_will.reset();
  // Resend everything in flight, in order, flagged as duplicates.
  publish_cache cache(clock::now());
  for (auto& m : inflight_) {
    if (m.pubrec_received) {
      c.send_pubrel(m.packet_id);
    } else {
      c.send_publish(m.delivery, m.packet_id, true, cache);
    }
  }
  pump();
}

void session::detach() noexcept { connection_ = nullptr; }

bool session::send_new(session_delivery& d, publish_cache& cache) {
  auto id = next_packet_id();
  if (!connection_->send_publish(d, id, false, cache)) {
    // Too large for this client: MQTT says discard it as if delivered.
    loop_.stats().messages_dropped.add();
    return true;
  }
  inflight_.push_back(inflight_message{std::move(d), id, false});
  return true;
}

bool session::deliver(session_delivery d, publish_cache& cache) {
  if (d.qos == 0) {
    if (connection_) connection_->send_publish(d, 0, false, cache);
    return true;  // QoS 0 is not queued for offline sessions
  }
  if (connection_ && queue_.empty() && inflight_.size() < window()) return send_new(d, cache);
  if (queue_.size() >= loop_.owner().cfg().limits.max_queued_messages) {
    ++dropped_;
    return false;
  }
  queue_.push_back(std::move(d));
  return true;
}

void session::pump() {
  if (!connection_) return;
  publish_cache cache(clock::now());
  while (!queue_.empty() && inflight_.size() < window() && connection_) {
    session_delivery d = std::move(queue_.front());
    queue_.pop_front();
    if (d.msg->expired(cache.now())) {
      loop_.stats().messages_dropped.add();
      continue;
    }
    send_new(d, cache);
  }
}

bool session::on_puback(std::uint16_t id) {
  auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const auto& m) {
    return m.packet_id == id && m.delivery.qos == 1;
  });
  if (it == inflight_.end()) return false;
  inflight_.erase(it);
  pump();
  return true;
}

bool session::on_pubrec(std::uint16_t id, bool failed) {
  auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const auto& m) {
    return m.packet_id == id && m.delivery.qos == 2;
  });
  if (it == inflight_.end()) return false;
  if (failed) {
    // A PUBREC with an error code ends the exchange (v5 4.3.3).
    inflight_.erase(it);
    pump();
    return true;
  }
  it->pubrec_received = true;
  return true;
}

bool session::on_pubcomp(std::uint16_t id) {
  auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const auto& m) {
    return m.packet_id == id && m.delivery.qos == 2 && m.pubrec_received;
  });
  if (it == inflight_.end()) return false;
  inflight_.erase(it);
  pump();
  return true;
}

}  // namespace pummelo::broker
