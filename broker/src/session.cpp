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
  if (!connection_) loop_.owner().add_online(1);
  connection_ = &c;
  will_timer.cancel();
  expiry_timer.cancel();
  delayed_will.reset();
  // Everything in flight is resent, in order, flagged as duplicates.
  for (auto& m : inflight_) m.sent = false;
  sent_count_ = 0;
  pump();
}

void session::detach() noexcept {
  if (connection_) loop_.owner().add_online(-1);
  connection_ = nullptr;
}

namespace {
std::size_t cost_of(const session_delivery& d) noexcept {
  return d.msg->topic.size() + d.msg->payload.size();
}
}  // namespace

void session::send_new(session_delivery& d, publish_cache& cache) {
  auto id = next_packet_id();
  if (!connection_->send_publish(d, id, false, cache)) {
    // Too large for this client: MQTT says discard it as if delivered.
    loop_.stats().messages_dropped.add();
    return;
  }
  inflight_.push_back(inflight_message{std::move(d), id, false, true});
  ++sent_count_;
}

void session::erase_inflight(std::deque<inflight_message>::iterator it) {
  if (it->sent) --sent_count_;
  inflight_.erase(it);
}

bool session::deliver(session_delivery d, publish_cache& cache) {
  if (d.qos == 0) {
    // QoS 0 is not queued for offline sessions (as Mosquitto by default).
    if (connection_ && !connection_->send_publish(d, 0, false, cache))
      loop_.stats().messages_dropped.add();  // too large for this client
    return true;
  }
  if (connection_ && queue_.empty() && inflight_.size() < window()) {
    send_new(d, cache);
    return true;
  }
  const auto& lim = loop_.owner().cfg().limits;
  std::size_t cost = cost_of(d);
  if (queue_.size() >= lim.max_queued_messages || queued_bytes_ + cost > lim.max_queued_bytes) {
    return false;
  }
  queued_bytes_ += cost;
  queue_.push_back(std::move(d));
  return true;
}

void session::pump() {
  if (!connection_) return;
  publish_cache cache(clock::now());
  // First what is in flight but not yet sent on this connection (after a
  // reconnect, or held back by a smaller receive maximum).
  for (auto it = inflight_.begin(); it != inflight_.end() && sent_count_ < window();) {
    if (it->sent) {
      ++it;
      continue;
    }
    if (it->pubrec_received) {
      connection_->send_pubrel(it->packet_id);
    } else if (!connection_->send_publish(it->delivery, it->packet_id, true, cache)) {
      loop_.stats().messages_dropped.add();  // too large for this client now
      it = inflight_.erase(it);
      continue;
    }
    it->sent = true;
    ++sent_count_;
    ++it;
  }
  while (!queue_.empty() && inflight_.size() < window()) {
    session_delivery d = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= cost_of(d);
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
  erase_inflight(it);
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
    erase_inflight(it);
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
  erase_inflight(it);
  pump();
  return true;
}

}  // namespace pummelo::broker
