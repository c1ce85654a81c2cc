// Limits the decoder enforces from the fixed header, before it allocates.
#pragma once

#include <cstdint>

#include "pummelo/protocol/types.hpp"

namespace pummelo::protocol {

struct limits {
  /// Largest whole packet (fixed header included) accepted, in bytes.
  std::uint32_t max_packet_size = 1024 * 1024;
  /// Largest first packet (CONNECT) accepted from a peer whose version is not
  /// known yet: keeps unauthenticated peers from making us allocate much.
  std::uint32_t max_connect_packet_size = 64 * 1024;
  /// Largest property section of one packet, in bytes.
  std::uint32_t max_properties_size = 64 * 1024;
  /// Most user properties in one packet.
  std::uint32_t max_user_properties = 64;
  /// Most entries in one SUBSCRIBE or UNSUBSCRIBE.
  std::uint32_t max_subscriptions_per_packet = 128;
  /// Longest topic name or filter, in bytes (spec maximum is 65535).
  std::uint16_t max_topic_length = 65535;
  /// Most levels ('/'-separated parts) in a topic name or filter.
  std::uint16_t max_topic_levels = 128;
};

}  // namespace pummelo::protocol
