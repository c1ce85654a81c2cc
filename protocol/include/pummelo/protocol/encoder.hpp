// MQTT encoder writing into buffers the caller owns. Never allocates except
// through the caller's vector in encode_append().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pummelo/protocol/packets.hpp"

namespace pummelo::protocol {

/// Exact number of bytes encode() writes for `p` in version `v`.
/// Properties and v5-only fields are left out for 3.x.
std::size_t encoded_size(const packet& p, version v);

/// Writes `p` into `out`. Precondition: out.size() >= encoded_size(p, v).
/// Returns the number of bytes written.
std::size_t encode(const packet& p, version v, std::span<std::uint8_t> out);

/// Appends the encoding of `p` to `out`.
void encode_append(const packet& p, version v, std::vector<std::uint8_t>& out);

/// Layout of an encoded PUBLISH, so that one encoding can be shared by many
/// subscribers: copy [0, payload_offset), patch the 2 packet id bytes at
/// packet_id_offset (QoS > 0 only), and send the shared payload after it.
struct publish_layout {
  std::size_t packet_id_offset = 0;  // 0 when qos == 0
  std::size_t payload_offset = 0;
  std::size_t size = 0;
};
publish_layout layout_of(const publish_packet& p, version v);

/// Writes a Variable Byte Integer; returns bytes written (1..4).
std::size_t write_varint(std::uint32_t value, std::uint8_t* out) noexcept;
std::size_t varint_size(std::uint32_t value) noexcept;

}  // namespace pummelo::protocol
