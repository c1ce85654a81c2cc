// The 15 MQTT control packets as plain values. Decoded packets own their data.
// Fields that only exist in MQTT 5 (properties, reason codes) are ignored by
// the encoder for 3.x and left at their defaults by the decoder for 3.x.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pummelo/protocol/properties.hpp"
#include "pummelo/protocol/reason_code.hpp"
#include "pummelo/protocol/types.hpp"

namespace pummelo::protocol {

struct will_message {
  std::string topic;
  std::string payload;  // binary
  std::uint8_t qos = 0;
  bool retain = false;
  properties props;  // will properties (v5)
  bool operator==(const will_message&) const = default;
};

struct connect_packet {
  version protocol_version = version::v3_1_1;
  bool clean_start = true;  // "clean session" in 3.x
  std::uint16_t keep_alive = 0;  // seconds
  std::string client_id;  // may be empty: the server assigns one
  std::optional<will_message> will;
  std::optional<std::string> username;
  std::optional<std::string> password;  // binary
  properties props;
  bool operator==(const connect_packet&) const = default;
};

struct connack_packet {
  bool session_present = false;
  // v5 reason code. For 3.x the encoder writes to_connack_v3(reason) and the
  // decoder stores the 3.x return code value here unchanged.
  reason_code reason = reason_code::success;
  properties props;
  bool operator==(const connack_packet&) const = default;
};

struct publish_packet {
  bool dup = false;
  std::uint8_t qos = 0;
  bool retain = false;
  std::string topic;  // may be empty in v5 when a topic alias is set
  std::uint16_t packet_id = 0;  // 0 for QoS 0, non-zero otherwise
  properties props;
  std::string payload;  // binary
  bool operator==(const publish_packet&) const = default;
};

/// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape.
template <packet_type Type>
struct ack_packet {
  static constexpr packet_type type = Type;
  std::uint16_t packet_id = 0;
  reason_code reason = reason_code::success;
  properties props;
  bool operator==(const ack_packet&) const = default;
};
using puback_packet = ack_packet<packet_type::puback>;
using pubrec_packet = ack_packet<packet_type::pubrec>;
using pubrel_packet = ack_packet<packet_type::pubrel>;
using pubcomp_packet = ack_packet<packet_type::pubcomp>;

/// Subscription options byte (spec 3.8.3.1). In 3.x only qos is used.
struct subscribe_entry {
  std::string filter;
  std::uint8_t qos = 0;
  bool no_local = false;
  bool retain_as_published = false;
  std::uint8_t retain_handling = 0;  // 0, 1 or 2
  bool operator==(const subscribe_entry&) const = default;
};

struct subscribe_packet {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<subscribe_entry> entries;  // at least one
  bool operator==(const subscribe_packet&) const = default;
};

struct suback_packet {
  std::uint16_t packet_id = 0;
  properties props;
  // One per entry: granted QoS 0..2 or a failure code (0x80 in 3.1.1).
  std::vector<reason_code> reasons;
  bool operator==(const suback_packet&) const = default;
};

struct unsubscribe_packet {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<std::string> filters;  // at least one
  bool operator==(const unsubscribe_packet&) const = default;
};

struct unsuback_packet {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<reason_code> reasons;  // v5 only; empty for 3.x
  bool operator==(const unsuback_packet&) const = default;
};

struct pingreq_packet {
  bool operator==(const pingreq_packet&) const = default;
};
struct pingresp_packet {
  bool operator==(const pingresp_packet&) const = default;
};

struct disconnect_packet {
  reason_code reason = reason_code::success;  // v5 only
  properties props;
  bool operator==(const disconnect_packet&) const = default;
};

struct auth_packet {  // v5 only
  reason_code reason = reason_code::success;
  properties props;
  bool operator==(const auth_packet&) const = default;
};

/// Alternatives are in packet_type order: index() + 1 == packet type value.
using packet = std::variant<connect_packet, connack_packet, publish_packet,
                            puback_packet, pubrec_packet, pubrel_packet,
                            pubcomp_packet, subscribe_packet, suback_packet,
                            unsubscribe_packet, unsuback_packet, pingreq_packet,
                            pingresp_packet, disconnect_packet, auth_packet>;

inline packet_type type_of(const packet& p) noexcept {
  return static_cast<packet_type>(p.index() + 1);
}

}  // namespace pummelo::protocol
