// The streaming part of the decoder: fixed header, limits, buffering.
// Packet bodies are parsed by decode_packet() (decode_packet.cpp).
#include "pummelo/protocol/decoder.hpp"

#include <algorithm>
#include <utility>

#include "packet_decoders.hpp"

namespace pummelo::protocol {

namespace {

// Packets that only flow from server to client, and the reverse (spec 2.1.2).
bool server_to_client_only(packet_type t) noexcept {
  return t == packet_type::connack || t == packet_type::suback ||
         t == packet_type::unsuback || t == packet_type::pingresp;
}
bool client_to_server_only(packet_type t) noexcept {
  return t == packet_type::connect || t == packet_type::subscribe ||
         t == packet_type::unsubscribe || t == packet_type::pingreq;
}

}  // namespace

decoder::decoder(role r, const limits& lim, version v)
    : limits_(lim), role_(r), version_(v) {}

decode_result decoder::fail(errc e, std::size_t consumed) {
  failed_ = true;
  error_ = e;
  release_partial();
  return {decode_status::error, consumed, e};
}

errc decoder::check_first_byte(std::uint8_t first) const noexcept {
  const auto type = static_cast<packet_type>(first >> 4);
  if ((first >> 4) == 0) return errc::reserved_packet_type;
  if (role_ == role::server) {
    if (!connect_seen_) {
      if (type != packet_type::connect) return errc::expected_connect;
    } else if (type == packet_type::connect || server_to_client_only(type)) {
      // A second CONNECT is a protocol violation (MQTT-3.1.0-2).
      return errc::protocol_error;
    }
  } else if (client_to_server_only(type)) {
    return errc::protocol_error;
  }
  return detail::check_fixed_header(first, version_);
}

errc decoder::check_size() const noexcept {
  const std::uint64_t total =
      std::uint64_t{1} + length_bytes_ + std::uint64_t{remaining_length_};
  std::uint32_t limit = limits_.max_packet_size;
  if (awaiting_connect()) {
    limit = std::min(limit, limits_.max_connect_packet_size);
  }
  return total > limit ? errc::packet_too_large : errc::ok;
}

decode_result decoder::feed(std::span<const std::uint8_t> bytes, packet& out) {
  if (failed_) return {decode_status::error, 0, error_};
  std::size_t pos = 0;

  if (!have_header_byte_) {
    if (bytes.empty()) return {};
    const std::uint8_t first = bytes[pos++];
    if (const errc e = check_first_byte(first); e != errc::ok) return fail(e, pos);
    header_byte_ = first;
    have_header_byte_ = true;
  }

  if (!length_done_) {
    while (pos < bytes.size() && !length_done_) {
      const std::uint8_t b = bytes[pos++];
      remaining_length_ += (b & 0x7Fu) << (7 * length_bytes_);
      ++length_bytes_;
      if ((b & 0x80) == 0) {
        length_done_ = true;
      } else if (length_bytes_ == 4) {
        // A fifth length byte would follow: no need to wait for it.
        return fail(errc::malformed_remaining_length, pos);
      }
    }
    if (!length_done_) return {decode_status::need_more, pos, errc::ok};
    // Limits come before any allocation for the body.
    if (const errc e = check_size(); e != errc::ok) return fail(e, pos);
  }

  const std::size_t available = bytes.size() - pos;
  if (partial_size_ == 0 && available >= remaining_length_) {
    // The whole body is in this chunk: parse it in place.
    return complete(bytes.subspan(pos, remaining_length_), pos + remaining_length_, out);
  }
  if (available == 0) return {decode_status::need_more, pos, errc::ok};

  if (!partial_) partial_ = std::make_unique_for_overwrite<std::uint8_t[]>(remaining_length_);  // size checked
  const std::size_t n = std::min<std::size_t>(available, remaining_length_ - partial_size_);
  std::copy_n(bytes.data() + pos, n, partial_.get() + partial_size_);
  partial_size_ += static_cast<std::uint32_t>(n);
  pos += n;
  if (partial_size_ < remaining_length_) {
    if (awaiting_connect()) {
      // Reject a wrong protocol name or level without waiting for the rest.
      if (const errc e = detail::check_connect_prefix(partial()); e != errc::ok) {
        return fail(e, pos);
      }
    }
    return {decode_status::need_more, pos, errc::ok};
  }
  return complete(partial(), pos, out);
}

decode_result decoder::complete(std::span<const std::uint8_t> body,
                                std::size_t consumed, packet& p) {
  const errc e = decode_packet(header_byte_, body, version_, limits_, p);
  // `body` may point into partial_: release it only after parsing. Freeing
  // (not just clearing) keeps idle connections from holding big buffers.
  release_partial();
  have_header_byte_ = false;
  length_done_ = false;
  remaining_length_ = 0;
  length_bytes_ = 0;
  if (e != errc::ok) return fail(e, consumed);

  if (role_ == role::server) {
    if (const auto* c = std::get_if<connect_packet>(&p)) {
      connect_seen_ = true;
      version_ = c->protocol_version;
    } else if (const auto* pub = std::get_if<publish_packet>(&p);
               pub != nullptr && !pub->props.subscription_identifiers.empty()) {
      // "A PUBLISH packet sent from a Client to a Server MUST NOT contain a
      // Subscription Identifier" (MQTT-3.3.4-6).
      return fail(errc::protocol_error, consumed);
    }
  }
  return {decode_status::packet_ready, consumed, errc::ok};
}

decode_result decoder::feed(std::span<const std::uint8_t> bytes) {
  if (!ready_) ready_ = std::make_unique<packet>();
  return feed(bytes, *ready_);
}

packet decoder::take() { return std::move(*ready_); }

}  // namespace pummelo::protocol
