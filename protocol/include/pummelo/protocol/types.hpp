// Basic MQTT vocabulary shared by the decoder, the encoder and their users.
#pragma once

#include <cstdint>
#include <string_view>

namespace pummelo::protocol {

/// Protocol level carried in CONNECT: 3 = MQTT 3.1, 4 = 3.1.1, 5 = 5.0.
enum class version : std::uint8_t { v3_1 = 3, v3_1_1 = 4, v5 = 5 };

/// Fixed-header packet types. 0 is reserved and never valid on the wire.
enum class packet_type : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,
};

std::string_view to_string(packet_type t) noexcept;

/// Largest value a Variable Byte Integer (4 bytes) can carry.
inline constexpr std::uint32_t max_variable_byte_integer = 268'435'455;

}  // namespace pummelo::protocol
