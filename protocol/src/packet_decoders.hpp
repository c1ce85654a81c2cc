// Internal: per-packet body parsers behind decode_packet(), and the checks the
// streaming decoder runs before a whole packet has arrived.
#pragma once

#include <cstdint>
#include <span>

#include "pummelo/protocol/error.hpp"
#include "pummelo/protocol/limits.hpp"
#include "pummelo/protocol/packets.hpp"
#include "wire.hpp"

namespace pummelo::protocol::detail {

/// Type and flag bits of the fixed header's first byte (spec 2.1.2, 2.1.3).
errc check_fixed_header(std::uint8_t first_byte, version v) noexcept;

/// Judges the start of a CONNECT body as far as it has arrived: returns
/// invalid_protocol_name or unsupported_protocol_version as soon as the name
/// or level shows it, ok while undecided or fine.
errc check_connect_prefix(std::span<const std::uint8_t> body_prefix) noexcept;

errc decode_connect(reader& r, const limits& lim, connect_packet& p);
errc decode_connack(reader& r, version v, const limits& lim, connack_packet& p);

}  // namespace pummelo::protocol::detail
