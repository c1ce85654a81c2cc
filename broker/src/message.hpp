// A published application message as it travels through the broker. It is
// immutable once routed and shared (shared_ptr<const message>) by every
// session it is delivered to or queued for.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pummelo/channel/topic_tree.hpp"
#include "pummelo/protocol/properties.hpp"

namespace pummelo::broker {

using clock = std::chrono::steady_clock;

struct message {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
  /// Properties forwarded to v5 subscribers (user properties, content type,
  /// response topic, correlation data, payload format). Topic alias and
  /// subscription identifiers are per-connection and never stored here.
  protocol::properties props;
  std::optional<clock::time_point> expires_at;  // from message_expiry_interval
  channel::session_id origin = 0;  // publishing session, for no_local; 0 = broker
  std::uint16_t origin_frontend = 0;  // the frontend of `origin` (cluster/topology index)

  bool expired(clock::time_point now) const noexcept { return expires_at && now >= *expires_at; }

  /// Seconds left for the message expiry property sent on, rounded up.
  std::uint32_t remaining_expiry_s(clock::time_point now) const noexcept;
};

using message_ptr = std::shared_ptr<const message>;

/// $SYS belongs to the broker: clients' publishes and wills there are dropped.
inline bool is_sys_topic(std::string_view topic) noexcept { return topic.starts_with("$SYS"); }

}  // namespace pummelo::broker
