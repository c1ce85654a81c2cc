// CONNECT and CONNACK bodies (spec 3.1, 3.2; 3.1.1 3.1, 3.2; 3.1 3.1, 3.2).
#include <string_view>

#include "packet_decoders.hpp"
#include "property_codec.hpp"
#include "pummelo/protocol/topic.hpp"

namespace pummelo::protocol::detail {

namespace {

// Protocol name and level. Truncation yields malformed_packet and nothing
// else, which check_connect_prefix() relies on to mean "undecided".
errc read_protocol(reader& r, version& out) noexcept {
  std::uint16_t name_len = 0;
  PUMMELO_TRY(r.u16(name_len));
  // Only "MQTT" and "MQIsdp" exist: any other length is wrong at once.
  if (name_len != 4 && name_len != 6) return errc::invalid_protocol_name;
  std::string_view name;
  PUMMELO_TRY(r.view(name_len, name));
  const bool mqisdp = name == "MQIsdp";
  if (!mqisdp && name != "MQTT") return errc::invalid_protocol_name;
  std::uint8_t level = 0;
  PUMMELO_TRY(r.u8(level));
  // Judged right at the level byte: the broker answers an unknown level
  // with CONNACK 0x01 / 0x84 whatever follows (3.1.1 MQTT-3.1.2-2).
  if (level < 3 || level > 5) return errc::unsupported_protocol_version;
  if (mqisdp != (level == 3)) return errc::invalid_protocol_name;
  out = static_cast<version>(level);
  return errc::ok;
}

}  // namespace

errc check_connect_prefix(std::span<const std::uint8_t> body_prefix) noexcept {
  reader r(body_prefix);
  version v{};
  const errc e = read_protocol(r, v);
  return e == errc::malformed_packet ? errc::ok : e;
}

errc decode_connect(reader& r, const limits& lim, connect_packet& p) {
  PUMMELO_TRY(read_protocol(r, p.protocol_version));
  const bool v5 = p.protocol_version == version::v5;

  std::uint8_t flags = 0;
  PUMMELO_TRY(r.u8(flags));
  const bool has_will = (flags & 0x04) != 0;
  const auto will_qos = static_cast<std::uint8_t>((flags >> 3) & 0x03);
  const bool will_retain = (flags & 0x20) != 0;
  const bool has_password = (flags & 0x40) != 0;
  const bool has_username = (flags & 0x80) != 0;
  if ((flags & 0x01) != 0) return errc::invalid_connect_flags;  // reserved
  if (!has_will && (will_qos != 0 || will_retain)) return errc::invalid_connect_flags;
  if (will_qos == 3) return errc::invalid_connect_flags;
  // 3.1 and 3.1.1 require a user name with a password; 5.0 lifted that.
  if (has_password && !has_username && !v5) return errc::invalid_connect_flags;
  p.clean_start = (flags & 0x02) != 0;

  PUMMELO_TRY(r.u16(p.keep_alive));
  if (v5) PUMMELO_TRY(decode_properties(r, property_context::connect, lim, p.props));

  // Client id semantics (empty, length, characters) are the broker's call.
  PUMMELO_TRY(r.utf8(p.client_id));

  if (has_will) {
    will_message& will = p.will.emplace();
    will.qos = will_qos;
    will.retain = will_retain;
    if (v5) PUMMELO_TRY(decode_properties(r, property_context::will, lim, will.props));
    PUMMELO_TRY(r.utf8(will.topic));
    PUMMELO_TRY(validate_topic_name(will.topic, lim));
    PUMMELO_TRY(r.binary(will.payload));
  }
  if (has_username) PUMMELO_TRY(r.utf8(p.username.emplace()));
  if (has_password) PUMMELO_TRY(r.binary(p.password.emplace()));
  return r.finish();
}

errc decode_connack(reader& r, version v, const limits& lim, connack_packet& p) {
  std::uint8_t ack_flags = 0;
  std::uint8_t code = 0;
  PUMMELO_TRY(r.u8(ack_flags));
  PUMMELO_TRY(r.u8(code));
  // In 3.1 the first byte is unused; from 3.1.1 on, bits 7-1 are reserved.
  if (v != version::v3_1) {
    if ((ack_flags & 0xFE) != 0) return errc::malformed_packet;
    p.session_present = (ack_flags & 0x01) != 0;
  }
  p.reason = static_cast<reason_code>(code);
  if (v != version::v5) {
    // 3.x return codes 6..255 are reserved; refusing them also keeps the
    // raw value round-tripping through to_connack_v3().
    return code <= 5 ? r.finish() : errc::protocol_error;
  }
  PUMMELO_TRY(decode_properties(r, property_context::connack, lim, p.props));
  return r.finish();
}

}  // namespace pummelo::protocol::detail
