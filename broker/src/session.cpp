#include "session.hpp"

#include <algorithm>

#include "channel_registry.hpp"
#include "connection.hpp"
#include "event_loop.hpp"
#include "publish_encoding.hpp"
#include "server.hpp"

namespace pummelo::broker {

session::session(event_loop& loop, channel::session_id id, std::string client_id)
    : loop_(loop), id_(id), client_id_(std::move(client_id)) {}

session::~session() = default;

std::string session::member() const { return channel_registry::member_name(uid, client_id_); }

void session::set_username(const std::optional<std::string>& name) {
  has_username_ = name.has_value();
  if (name && *name != uid) {
    other_username_ = std::make_unique<std::string>(*name);
  } else {
    other_username_.reset();
  }
}

session::offline& session::offline_state() {
  if (!offline_) offline_ = std::make_unique<offline>(loop_.context());
  return *offline_;
}

session::qos_state& session::qos() {
  if (!q_) q_ = std::make_unique<qos_state>();
  return *q_;
}

void session::release_qos_if_empty() noexcept {
  // Packet ids need not continue across connections: only ids in flight
  // must not be reused, and there are none.
  if (q_ && q_->empty()) q_.reset();
}

bool session::has_subscription(const std::string& filter) const noexcept {
  return std::any_of(subscriptions_.begin(), subscriptions_.end(),
                     [&](const auto& e) { return e.first == filter; });
}

void session::set_subscription(const std::string& filter, const channel::subscription_options& o) {
  for (auto& e : subscriptions_)
    if (e.first == filter) {
      e.second = o;
      return;
    }
  subscriptions_.emplace_back(filter, o);
}

void session::erase_subscription(const std::string& filter) noexcept {
  auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                         [&](const auto& e) { return e.first == filter; });
  if (it == subscriptions_.end()) return;
  *it = std::move(subscriptions_.back());  // order does not matter
  subscriptions_.pop_back();
}

const std::pair<std::uint16_t, bool>* session::find_qos2(std::uint16_t id) const noexcept {
  if (!q_) return nullptr;
  for (const auto& e : q_->incoming_qos2)
    if (e.first == id) return &e;
  return nullptr;
}

bool session::begin_incoming_qos2(std::uint16_t id) {
  if (find_qos2(id)) return false;
  qos().incoming_qos2.emplace_back(id, false);
  return true;
}

void session::resolve_incoming_qos2(std::uint16_t id, bool accepted) {
  if (!q_) return;
  auto& ids = q_->incoming_qos2;
  auto it = std::find_if(ids.begin(), ids.end(), [&](const auto& e) { return e.first == id; });
  if (it == ids.end()) return;
  if (accepted) {
    it->second = true;
  } else {
    ids.erase(it);
  }
}

bool session::end_incoming_qos2(std::uint16_t id) {
  if (!q_) return false;
  auto& ids = q_->incoming_qos2;
  auto it = std::find_if(ids.begin(), ids.end(), [&](const auto& e) { return e.first == id; });
  if (it == ids.end()) return false;
  ids.erase(it);
  return true;
}

std::size_t session::window() const noexcept {
  std::size_t w = loop_.owner().cfg().limits.max_inflight_messages;
  if (connection_) w = std::min<std::size_t>(w, connection_->client_receive_maximum());
  return w;
}

std::uint16_t session::next_packet_id() {
  // Skip ids still in flight: a reused id would confuse the client's acks.
  auto& q = qos();
  for (;;) {
    if (++q.last_packet_id == 0) q.last_packet_id = 1;
    auto in_use = std::any_of(q.inflight.begin(), q.inflight.end(),
                              [&](const auto& m) { return m.packet_id == q.last_packet_id; });
    if (!in_use) return q.last_packet_id;
  }
}

void session::attach(connection& c) {
  if (!connection_) loop_.owner().add_online(1);
  connection_ = &c;
  offline_.reset();  // cancels the timers, drops a delayed will
  // Everything in flight is resent, in order, flagged as duplicates.
  if (q_) {
    for (auto& m : q_->inflight) m.sent = false;
    q_->sent_count = 0;
  }
  pump();
}

void session::detach() noexcept {
  if (connection_) loop_.owner().add_online(-1);
  connection_ = nullptr;
  release_qos_if_empty();  // kept while online: a QoS 1 stream would churn it
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
  auto& q = qos();
  q.inflight.push_back(inflight_message{std::move(d), id, false, true});
  ++q.sent_count;
}

void session::erase_inflight(std::vector<inflight_message>::iterator it) {
  if (it->sent) --q_->sent_count;
  q_->inflight.erase(it);
}

bool session::deliver(session_delivery d, publish_cache& cache) {
  if (d.qos == 0) {
    // QoS 0 is not queued for offline sessions (as Mosquitto by default).
    if (connection_ && !connection_->send_publish(d, 0, false, cache))
      loop_.stats().messages_dropped.add();  // too large for this client
    return true;
  }
  auto& q = qos();
  if (connection_ && q.queue.empty() && q.inflight.size() < window()) {
    send_new(d, cache);
    return true;
  }
  const auto& lim = loop_.owner().cfg().limits;
  std::size_t cost = cost_of(d);
  if (q.queue.size() >= lim.max_queued_messages || q.queued_bytes + cost > lim.max_queued_bytes) {
    return false;
  }
  q.queued_bytes += cost;
  q.queue.push_back(std::move(d));
  return true;
}

void session::pump() {
  if (!connection_ || !q_) return;
  auto& q = *q_;
  publish_cache cache(clock::now());
  // First what is in flight but not yet sent on this connection (after a
  // reconnect, or held back by a smaller receive maximum).
  for (auto it = q.inflight.begin(); it != q.inflight.end() && q.sent_count < window();) {
    if (it->sent) {
      ++it;
      continue;
    }
    if (it->pubrec_received) {
      connection_->send_pubrel(it->packet_id);
    } else if (!connection_->send_publish(it->delivery, it->packet_id, true, cache)) {
      loop_.stats().messages_dropped.add();  // too large for this client now
      it = q.inflight.erase(it);
      continue;
    }
    it->sent = true;
    ++q.sent_count;
    ++it;
  }
  while (!q.queue.empty() && q.inflight.size() < window()) {
    session_delivery d = std::move(q.queue.front());
    q.queue.pop_front();
    q.queued_bytes -= cost_of(d);
    if (d.msg->expired(cache.now())) {
      loop_.stats().messages_dropped.add();
      continue;
    }
    send_new(d, cache);
  }
}

bool session::on_puback(std::uint16_t id) {
  if (!q_) return false;
  auto it = std::find_if(q_->inflight.begin(), q_->inflight.end(), [&](const auto& m) {
    return m.packet_id == id && m.delivery.qos == 1;
  });
  if (it == q_->inflight.end()) return false;
  erase_inflight(it);
  pump();
  return true;
}

bool session::on_pubrec(std::uint16_t id, bool failed) {
  if (!q_) return false;
  auto it = std::find_if(q_->inflight.begin(), q_->inflight.end(), [&](const auto& m) {
    return m.packet_id == id && m.delivery.qos == 2;
  });
  if (it == q_->inflight.end()) return false;
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
  if (!q_) return false;
  auto it = std::find_if(q_->inflight.begin(), q_->inflight.end(), [&](const auto& m) {
    return m.packet_id == id && m.delivery.qos == 2 && m.pubrec_received;
  });
  if (it == q_->inflight.end()) return false;
  erase_inflight(it);
  pump();
  return true;
}

}  // namespace pummelo::broker
