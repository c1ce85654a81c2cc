// Decoding errors, reported as values. Each maps onto an MQTT reason code.
#pragma once

#include <cstdint>
#include <string_view>

#include "pummelo/protocol/reason_code.hpp"

namespace pummelo::protocol {

enum class errc : std::uint8_t {
  ok = 0,
  malformed_packet,           // bad lengths, truncated fields, bad varint
  malformed_remaining_length, // remaining length longer than 4 bytes
  reserved_packet_type,       // type 0 in the fixed header
  invalid_fixed_header_flags, // reserved flag bits not as the spec demands
  packet_too_large,           // over limits::max_packet_size
  invalid_utf8,               // ill-formed UTF-8, surrogates, or U+0000
  invalid_topic_name,         // empty, wildcards in a name, too long
  invalid_topic_filter,       // misplaced wildcard, empty, bad $share
  invalid_packet_id,          // packet id 0 where one is required
  invalid_qos,                // QoS 3, or QoS bits with a QoS 0 packet
  invalid_property,           // unknown id, wrong type, not allowed here
  duplicate_property,         // a property present twice that may not be
  protocol_error,             // other rule violations (e.g. empty SUBSCRIBE)
  unsupported_protocol_version,
  invalid_protocol_name,
  invalid_connect_flags,      // reserved bit set, will flags inconsistent
  client_identifier_not_valid,
  expected_connect,           // first packet was not CONNECT (server role)
  limit_exceeded,             // another configured limit (e.g. properties)
};

std::string_view to_string(errc e) noexcept;

/// The reason code to send (CONNACK or DISCONNECT) for a decoding error.
reason_code to_reason_code(errc e) noexcept;

}  // namespace pummelo::protocol
