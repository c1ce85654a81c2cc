// The state MQTT keeps for a client id across connections: subscriptions,
// outgoing QoS 1/2 messages in flight, the bounded queue behind them, and
// incoming QoS 2 ids awaiting PUBREL. A session lives on one event loop (the
// one its client id hashes to) and is only touched from that loop's thread.
#pragma once

#include <asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "message.hpp"
#include "pummelo/channel/topic_tree.hpp"
#include "pummelo/protocol/packets.hpp"

namespace pummelo::broker {

class connection;
class event_loop;
class publish_cache;

/// A message for this session with the form chosen by its subscription.
struct session_delivery {
  message_ptr msg;
  std::uint8_t qos = 0;
  bool retain = false;
  std::vector<std::uint32_t> subscription_ids;
};

/// A QoS 1/2 message sent and not yet fully acknowledged.
struct inflight_message {
  session_delivery delivery;
  std::uint16_t packet_id = 0;
  bool pubrec_received = false;  // QoS 2: PUBREL sent, awaiting PUBCOMP
  bool sent = false;  // sent on the current connection (else resent on pump)
};

class session {
 public:
  session(event_loop& loop, channel::session_id id, std::string client_id);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  channel::session_id id() const noexcept { return id_; }
  const std::string& client_id() const noexcept { return client_id_; }
  event_loop& loop() noexcept { return loop_; }

  connection* current_connection() const noexcept { return connection_; }
  bool online() const noexcept { return connection_ != nullptr; }

  /// Binds a connection; resends what was in flight (with DUP) and drains the
  /// queue, both within the window (the client's receive maximum counts only
  /// what was sent on this connection). Cancels expiry and any delayed will.
  void attach(connection& c);
  /// Unbinds the connection; the session keeps its state.
  void detach() noexcept;

  /// Delivers or queues one message. QoS 0 messages are not queued while
  /// offline. Returns false when the message was dropped (queue over
  /// limits.max_queued_messages or limits.max_queued_bytes).
  bool deliver(session_delivery d, publish_cache& cache);

  // Acknowledgements from the client. Unknown ids return false.
  bool on_puback(std::uint16_t id);
  bool on_pubrec(std::uint16_t id, bool failed);
  bool on_pubcomp(std::uint16_t id);

  // Incoming QoS 2: true if the id was new (deliver the message).
  // Inbound QoS 2 ids between PUBLISH and PUBREL. An id is pending until
  // the channel server accepted the message: a resend meanwhile is not
  // acknowledged, and a refusal forgets the id so that a resend counts anew.
  bool has_incoming_qos2(std::uint16_t id) const { return incoming_qos2_.count(id) > 0; }
  bool incoming_qos2_pending(std::uint16_t id) const {
    auto it = incoming_qos2_.find(id);
    return it != incoming_qos2_.end() && !it->second;
  }
  bool begin_incoming_qos2(std::uint16_t id) { return incoming_qos2_.emplace(id, false).second; }
  void resolve_incoming_qos2(std::uint16_t id, bool accepted) {
    if (!accepted) {
      incoming_qos2_.erase(id);
    } else if (auto it = incoming_qos2_.find(id); it != incoming_qos2_.end()) {
      it->second = true;
    }
  }
  bool end_incoming_qos2(std::uint16_t id) { return incoming_qos2_.erase(id) > 0; }
  std::size_t incoming_qos2_count() const noexcept { return incoming_qos2_.size(); }

  /// Subscriptions held, filter → options (mirror of the topic tree entries).
  std::unordered_map<std::string, channel::subscription_options>& subscriptions() noexcept {
    return subscriptions_;
  }

  /// The uid the session is bound to ("" when unbound) and its channel member
  /// name (see channel_registry::member_name).
  std::string uid;
  std::string member;
  std::uint64_t claim_stamp = 0;  // cluster: this session's claim on its client id

  // Lifetime settings from the last CONNECT (and DISCONNECT for v5).
  std::uint32_t expiry_interval_s = 0;  // 0 = ends with the connection
  protocol::version version = protocol::version::v3_1_1;

  /// A will waiting for its delay to pass (v5 will delay interval).
  std::optional<protocol::will_message> delayed_will;
  asio::steady_timer will_timer;
  asio::steady_timer expiry_timer;


 private:
  void pump();  // resends unsent inflight, then moves queued messages into flight
  void send_new(session_delivery& d, publish_cache& cache);
  void erase_inflight(std::deque<inflight_message>::iterator it);
  std::uint16_t next_packet_id();
  std::size_t window() const noexcept;

  event_loop& loop_;
  channel::session_id id_;
  std::string client_id_;
  connection* connection_ = nullptr;
  std::unordered_map<std::string, channel::subscription_options> subscriptions_;
  std::deque<inflight_message> inflight_;
  std::deque<session_delivery> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t sent_count_ = 0;  // inflight entries with sent == true
  std::unordered_map<std::uint16_t, bool> incoming_qos2_;  // id -> accepted
  std::uint16_t last_packet_id_ = 0;
};

}  // namespace pummelo::broker
