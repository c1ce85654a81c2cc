// decode_packet(): the fixed header's flags and every body but CONNECT's and
// CONNACK's (see decode_connect.cpp).
#include <utility>

#include "packet_decoders.hpp"
#include "property_codec.hpp"
#include "pummelo/protocol/decoder.hpp"
#include "pummelo/protocol/topic.hpp"

namespace pummelo::protocol {

namespace detail {

errc check_fixed_header(std::uint8_t first_byte, version v) noexcept {
  const auto type = static_cast<std::uint8_t>(first_byte >> 4);
  const auto flags = static_cast<std::uint8_t>(first_byte & 0x0F);
  // Type 15 is AUTH in 5.0 and reserved before it.
  if (type == 0 || (type == 15 && v != version::v5)) {
    return errc::reserved_packet_type;
  }
  switch (static_cast<packet_type>(type)) {
    case packet_type::publish: {
      const auto qos = (flags >> 1) & 0x03;
      if (qos == 3) return errc::invalid_qos;
      // "The DUP flag MUST be set to 0 for all QoS 0 messages" (MQTT-3.3.1-2).
      // The spec names no error class; we call it a protocol error.
      if ((flags & 0x08) != 0 && qos == 0) return errc::protocol_error;
      return errc::ok;
    }
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
      return flags == 0x02 ? errc::ok : errc::invalid_fixed_header_flags;
    default:
      return flags == 0 ? errc::ok : errc::invalid_fixed_header_flags;
  }
}

namespace {

errc read_packet_id(reader& r, std::uint16_t& id) noexcept {
  PUMMELO_TRY(r.u16(id));
  return id != 0 ? errc::ok : errc::invalid_packet_id;
}

errc decode_publish(std::uint8_t flags, reader& r, version v, const limits& lim,
                    publish_packet& p) {
  p.dup = (flags & 0x08) != 0;
  p.qos = static_cast<std::uint8_t>((flags >> 1) & 0x03);
  p.retain = (flags & 0x01) != 0;
  PUMMELO_TRY(r.utf8(p.topic));
  if (!p.topic.empty()) PUMMELO_TRY(validate_topic_name(p.topic, lim));
  if (p.qos > 0) PUMMELO_TRY(read_packet_id(r, p.packet_id));
  if (v == version::v5) {
    PUMMELO_TRY(decode_properties(r, property_context::publish, lim, p.props));
  }
  // An empty topic name stands for a topic alias (5.0 only, 3.3.2.3.4).
  if (p.topic.empty() && !p.props.topic_alias) return errc::invalid_topic_name;
  r.rest(p.payload);
  return errc::ok;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP. In 5.0 the reason code and the property
// length may be left out (remaining length 2 or 3, spec 3.4.2.1).
template <packet_type T>
errc decode_ack(reader& r, version v, const limits& lim, ack_packet<T>& p) {
  PUMMELO_TRY(read_packet_id(r, p.packet_id));
  if (v != version::v5 || r.empty()) return r.finish();
  std::uint8_t code = 0;
  PUMMELO_TRY(r.u8(code));
  p.reason = static_cast<reason_code>(code);
  if (r.empty()) return errc::ok;
  PUMMELO_TRY(decode_properties(r, property_context::puback, lim, p.props));
  return r.finish();
}

errc read_filter(reader& r, const limits& lim, std::string& filter) {
  PUMMELO_TRY(r.utf8(filter));
  return validate_topic_filter(filter, lim);
}

errc decode_subscribe(reader& r, version v, const limits& lim,
                      subscribe_packet& p) {
  PUMMELO_TRY(read_packet_id(r, p.packet_id));
  const bool v5 = v == version::v5;
  if (v5) PUMMELO_TRY(decode_properties(r, property_context::subscribe, lim, p.props));
  while (!r.empty()) {
    if (p.entries.size() >= lim.max_subscriptions_per_packet) {
      return errc::limit_exceeded;
    }
    subscribe_entry& e = p.entries.emplace_back();
    PUMMELO_TRY(read_filter(r, lim, e.filter));
    std::uint8_t options = 0;
    PUMMELO_TRY(r.u8(options));
    // Reserved bits: 7-2 in 3.x, 7-6 in 5.0 (MQTT-3.8.3-4 / MQTT-3.8.3-5).
    if ((options & (v5 ? 0xC0 : 0xFC)) != 0) return errc::protocol_error;
    e.qos = static_cast<std::uint8_t>(options & 0x03);
    if (e.qos == 3) return errc::invalid_qos;
    if (!v5) continue;
    e.no_local = (options & 0x04) != 0;
    e.retain_as_published = (options & 0x08) != 0;
    e.retain_handling = static_cast<std::uint8_t>((options >> 4) & 0x03);
    if (e.retain_handling == 3) return errc::protocol_error;
    // No Local on a shared subscription is a Protocol Error (MQTT-3.8.3-4).
    if (e.no_local && !split_shared(e.filter).group.empty()) {
      return errc::protocol_error;
    }
  }
  // "The payload of a SUBSCRIBE packet MUST contain at least one Topic
  // Filter / Subscription Options pair" (MQTT-3.8.3-2).
  return p.entries.empty() ? errc::protocol_error : errc::ok;
}

errc decode_suback(reader& r, version v, const limits& lim, suback_packet& p) {
  PUMMELO_TRY(read_packet_id(r, p.packet_id));
  const bool v5 = v == version::v5;
  if (v5) PUMMELO_TRY(decode_properties(r, property_context::suback, lim, p.props));
  while (!r.empty()) {
    std::uint8_t code = 0;
    PUMMELO_TRY(r.u8(code));
    // 3.x knows only granted QoS 0..2 and failure 0x80.
    if (!v5 && code > 2 && code != 0x80) return errc::protocol_error;
    p.reasons.push_back(static_cast<reason_code>(code));
  }
  return p.reasons.empty() ? errc::protocol_error : errc::ok;
}

errc decode_unsubscribe(reader& r, version v, const limits& lim,
                        unsubscribe_packet& p) {
  PUMMELO_TRY(read_packet_id(r, p.packet_id));
  if (v == version::v5) {
    PUMMELO_TRY(decode_properties(r, property_context::unsubscribe, lim, p.props));
  }
  while (!r.empty()) {
    if (p.filters.size() >= lim.max_subscriptions_per_packet) {
      return errc::limit_exceeded;
    }
    PUMMELO_TRY(read_filter(r, lim, p.filters.emplace_back()));
  }
  return p.filters.empty() ? errc::protocol_error : errc::ok;
}

errc decode_unsuback(reader& r, version v, const limits& lim,
                     unsuback_packet& p) {
  PUMMELO_TRY(read_packet_id(r, p.packet_id));
  if (v != version::v5) return r.finish();  // 3.x UNSUBACK has no payload
  PUMMELO_TRY(decode_properties(r, property_context::unsuback, lim, p.props));
  while (!r.empty()) {
    std::uint8_t code = 0;
    PUMMELO_TRY(r.u8(code));
    p.reasons.push_back(static_cast<reason_code>(code));
  }
  return p.reasons.empty() ? errc::protocol_error : errc::ok;
}

// DISCONNECT and AUTH in 5.0: remaining length 0 means success without
// properties, 1 a reason code without properties (spec 3.14.2.1, 3.15.2.1).
template <class Packet>
errc decode_reason_and_properties(reader& r, property_context ctx,
                                  const limits& lim, Packet& p) {
  if (r.empty()) return errc::ok;
  std::uint8_t code = 0;
  PUMMELO_TRY(r.u8(code));
  p.reason = static_cast<reason_code>(code);
  if (r.empty()) return errc::ok;
  PUMMELO_TRY(decode_properties(r, ctx, lim, p.props));
  return r.finish();
}

// Parses the body of a packet of type Packet into `out`.
template <class Packet, class Parse>
errc parse_into(packet& out, Parse&& parse) {
  Packet p;
  PUMMELO_TRY(parse(p));
  out = std::move(p);
  return errc::ok;
}

}  // namespace

}  // namespace detail

errc decode_packet(std::uint8_t first_byte, std::span<const std::uint8_t> body,
                   version v, const limits& lim, packet& out) {
  using namespace detail;
  PUMMELO_TRY(check_fixed_header(first_byte, v));
  reader r(body);
  const bool v5 = v == version::v5;
  switch (static_cast<packet_type>(first_byte >> 4)) {
    case packet_type::connect:
      return parse_into<connect_packet>(
          out, [&](connect_packet& p) { return decode_connect(r, lim, p); });
    case packet_type::connack:
      return parse_into<connack_packet>(
          out, [&](connack_packet& p) { return decode_connack(r, v, lim, p); });
    case packet_type::publish:
      return parse_into<publish_packet>(out, [&](publish_packet& p) {
        return decode_publish(first_byte & 0x0F, r, v, lim, p);
      });
    case packet_type::puback:
      return parse_into<puback_packet>(
          out, [&](puback_packet& p) { return decode_ack(r, v, lim, p); });
    case packet_type::pubrec:
      return parse_into<pubrec_packet>(
          out, [&](pubrec_packet& p) { return decode_ack(r, v, lim, p); });
    case packet_type::pubrel:
      return parse_into<pubrel_packet>(
          out, [&](pubrel_packet& p) { return decode_ack(r, v, lim, p); });
    case packet_type::pubcomp:
      return parse_into<pubcomp_packet>(
          out, [&](pubcomp_packet& p) { return decode_ack(r, v, lim, p); });
    case packet_type::subscribe:
      return parse_into<subscribe_packet>(
          out, [&](subscribe_packet& p) { return decode_subscribe(r, v, lim, p); });
    case packet_type::suback:
      return parse_into<suback_packet>(
          out, [&](suback_packet& p) { return decode_suback(r, v, lim, p); });
    case packet_type::unsubscribe:
      return parse_into<unsubscribe_packet>(out, [&](unsubscribe_packet& p) {
        return decode_unsubscribe(r, v, lim, p);
      });
    case packet_type::unsuback:
      return parse_into<unsuback_packet>(
          out, [&](unsuback_packet& p) { return decode_unsuback(r, v, lim, p); });
    case packet_type::pingreq:
      return parse_into<pingreq_packet>(out, [&](pingreq_packet&) { return r.finish(); });
    case packet_type::pingresp:
      return parse_into<pingresp_packet>(out, [&](pingresp_packet&) { return r.finish(); });
    case packet_type::disconnect:
      return parse_into<disconnect_packet>(out, [&](disconnect_packet& p) {
        if (!v5) return r.finish();
        return decode_reason_and_properties(r, property_context::disconnect, lim, p);
      });
    case packet_type::auth:
      return parse_into<auth_packet>(out, [&](auth_packet& p) {
        return decode_reason_and_properties(r, property_context::auth, lim, p);
      });
  }
  return errc::reserved_packet_type;  // unreachable: check_fixed_header
}

}  // namespace pummelo::protocol
