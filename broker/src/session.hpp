// The state MQTT keeps for a client id across connections: subscriptions,
// outgoing QoS 1/2 messages in flight, the bounded queue behind them, and
// incoming QoS 2 ids awaiting PUBREL. A session lives on one event loop (the
// one its client id hashes to) and is only touched from that loop's thread.
#pragma once

#include <asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

  // Inbound QoS 2 ids between PUBLISH and PUBREL. An id is pending until
  // the channel server accepted the message: a resend meanwhile is not
  // acknowledged, and a refusal forgets the id so that a resend counts anew.
  // A short list (limits.max_incoming_qos2, and empty for most devices).
  bool has_incoming_qos2(std::uint16_t id) const { return find_qos2(id) != nullptr; }
  bool incoming_qos2_pending(std::uint16_t id) const {
    auto* e = find_qos2(id);
    return e && !e->second;
  }
  bool begin_incoming_qos2(std::uint16_t id);  // true if the id was new
  void resolve_incoming_qos2(std::uint16_t id, bool accepted);
  bool end_incoming_qos2(std::uint16_t id);
  std::size_t incoming_qos2_count() const noexcept { return q_ ? q_->incoming_qos2.size() : 0; }
  /// QoS 1/2 messages sent and not yet acknowledged, and those waiting for
  /// the window (or for the client to come back).
  std::size_t inflight_count() const noexcept { return q_ ? q_->inflight.size() : 0; }
  std::size_t queued_count() const noexcept { return q_ ? q_->queue.size() : 0; }

  /// Subscriptions held, filter → options (mirror of the topic tree
  /// entries). A flat list: a device holds a handful, and a hash map would
  /// cost each one a bucket array.
  using subscription_list = std::vector<std::pair<std::string, channel::subscription_options>>;
  const subscription_list& subscriptions() const noexcept { return subscriptions_; }
  bool has_subscription(const std::string& filter) const noexcept;
  void set_subscription(const std::string& filter, const channel::subscription_options& o);
  void erase_subscription(const std::string& filter) noexcept;
  void clear_subscriptions() noexcept { subscription_list().swap(subscriptions_); }

  /// The uid the session is bound to ("" when unbound), and whether
  /// server::bind_session has bound it yet.
  std::string uid;
  bool bound = false;

 private:
  bool has_username_ = false;  // here: packs with `bound`

 public:
  /// The MQTT username it logged in with (what the ACL sees); none for an
  /// anonymous client. With the default uid_source it is the uid itself and
  /// costs nothing more.
  std::optional<std::string_view> username() const noexcept {
    if (!has_username_) return std::nullopt;
    return other_username_ ? std::string_view(*other_username_) : std::string_view(uid);
  }
  /// Call after the uid is set.
  void set_username(const std::optional<std::string>& name);
  /// Its name in channels (see channel_registry::member_name); computed, as
  /// it is needed only when memberships change.
  std::string member() const;
  std::uint64_t claim_stamp = 0;  // cluster: this session's claim on its client id

  // Lifetime settings from the last CONNECT (and DISCONNECT for v5).
  std::uint32_t expiry_interval_s = 0;  // 0 = ends with the connection
  protocol::version version = protocol::version::v3_1_1;

  /// What a session keeps only while it is offline: a will waiting for its
  /// delay (v5 will delay interval) and the expiry timer. Most sessions are
  /// online, so this is allocated only when needed (offline_state()).
  struct offline {
    explicit offline(asio::io_context& io) : will_timer(io), expiry_timer(io) {}
    std::optional<protocol::will_message> delayed_will;
    asio::steady_timer will_timer;
    asio::steady_timer expiry_timer;
  };
  offline& offline_state();
  offline* offline_if_any() noexcept { return offline_.get(); }
  /// Cancels the timers and drops a delayed will (the session is back, or ends).
  void clear_offline_state() noexcept { offline_.reset(); }

 private:
  void pump();  // resends unsent inflight, then moves queued messages into flight
  void send_new(session_delivery& d, publish_cache& cache);
  void erase_inflight(std::vector<inflight_message>::iterator it);
  const std::pair<std::uint16_t, bool>* find_qos2(std::uint16_t id) const noexcept;
  std::uint16_t next_packet_id();
  std::size_t window() const noexcept;

  event_loop& loop_;
  channel::session_id id_;
  std::string client_id_;
  connection* connection_ = nullptr;
  subscription_list subscriptions_;
  // QoS 1/2 state: messages in flight (at most the window), those waiting
  // for the window, inbound QoS 2 ids. A device that only receives QoS 0
  // never needs it, so it is allocated on first use and freed when empty.
  struct qos_state {
    std::vector<inflight_message> inflight;
    std::deque<session_delivery> queue;
    std::size_t queued_bytes = 0;
    std::size_t sent_count = 0;  // inflight entries with sent == true
    std::vector<std::pair<std::uint16_t, bool>> incoming_qos2;  // id -> accepted
    std::uint16_t last_packet_id = 0;
    bool empty() const noexcept { return inflight.empty() && queue.empty() && incoming_qos2.empty(); }
  };
  qos_state& qos();
  void release_qos_if_empty() noexcept;
  std::unique_ptr<qos_state> q_;
  std::unique_ptr<offline> offline_;
  std::unique_ptr<std::string> other_username_;  // only when it differs from uid
};

}  // namespace pummelo::broker
