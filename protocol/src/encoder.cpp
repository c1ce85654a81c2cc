#include "pummelo/protocol/encoder.hpp"

#include <cassert>
#include <string_view>
#include <type_traits>

#include "property_codec.hpp"
#include "wire.hpp"

namespace pummelo::protocol {

namespace {

using detail::properties_size;
using detail::str_size;
using detail::writer;
using detail::write_properties;

template <class T>
constexpr bool is_ack_v = std::is_same_v<T, puback_packet> ||
                          std::is_same_v<T, pubrec_packet> ||
                          std::is_same_v<T, pubrel_packet> ||
                          std::is_same_v<T, pubcomp_packet>;

std::string_view protocol_name(version v) noexcept {
  return v == version::v3_1 ? "MQIsdp" : "MQTT";
}

// 3.x SUBACK knows granted QoS 0..2 and failure 0x80 only.
std::uint8_t suback_code_v3(reason_code rc) noexcept {
  const auto value = static_cast<std::uint8_t>(rc);
  return value <= 2 ? value : 0x80;
}

// How much of a 5.0 ack / DISCONNECT / AUTH tail is written: the reason code
// and the property length are left out when they carry nothing (3.4.2.1).
enum class tail { none, reason, reason_and_properties };

template <class Packet>
tail tail_of(const Packet& p) noexcept {
  if (!p.props.empty()) return tail::reason_and_properties;
  return p.reason == reason_code::success ? tail::none : tail::reason;
}

// AUTH has no "reason only" form in the spec's text, so it gets the
// property length whenever it has a reason code.
tail tail_of_auth(const auth_packet& p) noexcept {
  return tail_of(p) == tail::none ? tail::none : tail::reason_and_properties;
}

std::size_t tail_size(tail t, const properties& props) noexcept {
  switch (t) {
    case tail::none: return 0;
    case tail::reason: return 1;
    case tail::reason_and_properties: return 1 + properties_size(props);
  }
  return 0;
}

void write_tail(writer& w, tail t, reason_code rc, const properties& props) {
  if (t == tail::none) return;
  w.u8(static_cast<std::uint8_t>(rc));
  if (t == tail::reason_and_properties) write_properties(w, props);
}

std::size_t publish_body_size(const publish_packet& p, version v) noexcept {
  return str_size(p.topic) + (p.qos > 0 ? 2 : 0) +
         (v == version::v5 ? properties_size(p.props) : 0) + p.payload.size();
}

// Remaining length of `p` in version `v`.
std::size_t body_size(const packet& pkt, version v) {
  const bool v5 = v == version::v5;
  return std::visit(
      [&](const auto& p) -> std::size_t {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, connect_packet>) {
          std::size_t n = str_size(protocol_name(v)) + 1 + 1 + 2;
          if (v5) n += properties_size(p.props);
          n += str_size(p.client_id);
          if (p.will) {
            if (v5) n += properties_size(p.will->props);
            n += str_size(p.will->topic) + str_size(p.will->payload);
          }
          if (p.username) n += str_size(*p.username);
          if (p.password) n += str_size(*p.password);
          return n;
        } else if constexpr (std::is_same_v<T, connack_packet>) {
          return 2 + (v5 ? properties_size(p.props) : 0);
        } else if constexpr (std::is_same_v<T, publish_packet>) {
          return publish_body_size(p, v);
        } else if constexpr (is_ack_v<T>) {
          return 2 + (v5 ? tail_size(tail_of(p), p.props) : 0);
        } else if constexpr (std::is_same_v<T, subscribe_packet>) {
          std::size_t n = 2 + (v5 ? properties_size(p.props) : 0);
          for (const auto& e : p.entries) n += str_size(e.filter) + 1;
          return n;
        } else if constexpr (std::is_same_v<T, suback_packet>) {
          return 2 + (v5 ? properties_size(p.props) : 0) + p.reasons.size();
        } else if constexpr (std::is_same_v<T, unsubscribe_packet>) {
          std::size_t n = 2 + (v5 ? properties_size(p.props) : 0);
          for (const auto& f : p.filters) n += str_size(f);
          return n;
        } else if constexpr (std::is_same_v<T, unsuback_packet>) {
          return 2 + (v5 ? properties_size(p.props) + p.reasons.size() : 0);
        } else if constexpr (std::is_same_v<T, disconnect_packet>) {
          return v5 ? tail_size(tail_of(p), p.props) : 0;
        } else if constexpr (std::is_same_v<T, auth_packet>) {
          return tail_size(tail_of_auth(p), p.props);
        } else {
          static_assert(std::is_same_v<T, pingreq_packet> ||
                        std::is_same_v<T, pingresp_packet>);
          return 0;
        }
      },
      pkt);
}

std::uint8_t first_byte(const packet& pkt) noexcept {
  const auto type = static_cast<std::uint8_t>(static_cast<unsigned>(type_of(pkt)) << 4);
  if (const auto* p = std::get_if<publish_packet>(&pkt)) {
    return static_cast<std::uint8_t>(type | (p->dup ? 0x08 : 0) | (p->qos << 1) |
                                     (p->retain ? 0x01 : 0));
  }
  switch (type_of(pkt)) {
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
      return type | 0x02;  // reserved bits fixed by spec 2.1.3
    default:
      return type;
  }
}

void write_connect(writer& w, const connect_packet& p, version v) {
  const bool v5 = v == version::v5;
  w.str(protocol_name(v));
  w.u8(static_cast<std::uint8_t>(v));
  std::uint8_t flags = p.clean_start ? 0x02 : 0;
  if (p.will) {
    flags |= static_cast<std::uint8_t>(0x04 | (p.will->qos << 3) |
                                       (p.will->retain ? 0x20 : 0));
  }
  if (p.password) flags |= 0x40;
  if (p.username) flags |= 0x80;
  w.u8(flags);
  w.u16(p.keep_alive);
  if (v5) write_properties(w, p.props);
  w.str(p.client_id);
  if (p.will) {
    if (v5) write_properties(w, p.will->props);
    w.str(p.will->topic);
    w.str(p.will->payload);
  }
  if (p.username) w.str(*p.username);
  if (p.password) w.str(*p.password);
}

void write_body(writer& w, const packet& pkt, version v) {
  const bool v5 = v == version::v5;
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, connect_packet>) {
          write_connect(w, p, v);
        } else if constexpr (std::is_same_v<T, connack_packet>) {
          // 3.1 has no session present flag: its first byte is unused.
          w.u8(v != version::v3_1 && p.session_present ? 0x01 : 0x00);
          w.u8(v5 ? static_cast<std::uint8_t>(p.reason)
                  : static_cast<std::uint8_t>(to_connack_v3(p.reason)));
          if (v5) write_properties(w, p.props);
        } else if constexpr (std::is_same_v<T, publish_packet>) {
          w.str(p.topic);
          if (p.qos > 0) w.u16(p.packet_id);
          if (v5) write_properties(w, p.props);
          w.raw(p.payload);
        } else if constexpr (is_ack_v<T>) {
          w.u16(p.packet_id);
          if (v5) write_tail(w, tail_of(p), p.reason, p.props);
        } else if constexpr (std::is_same_v<T, subscribe_packet>) {
          w.u16(p.packet_id);
          if (v5) write_properties(w, p.props);
          for (const auto& e : p.entries) {
            w.str(e.filter);
            std::uint8_t options = e.qos;
            if (v5) {
              options |= static_cast<std::uint8_t>(
                  (e.no_local ? 0x04 : 0) | (e.retain_as_published ? 0x08 : 0) |
                  (e.retain_handling << 4));
            }
            w.u8(options);
          }
        } else if constexpr (std::is_same_v<T, suback_packet>) {
          w.u16(p.packet_id);
          if (v5) write_properties(w, p.props);
          for (const reason_code rc : p.reasons) {
            w.u8(v5 ? static_cast<std::uint8_t>(rc) : suback_code_v3(rc));
          }
        } else if constexpr (std::is_same_v<T, unsubscribe_packet>) {
          w.u16(p.packet_id);
          if (v5) write_properties(w, p.props);
          for (const auto& f : p.filters) w.str(f);
        } else if constexpr (std::is_same_v<T, unsuback_packet>) {
          w.u16(p.packet_id);
          if (v5) {
            write_properties(w, p.props);
            for (const reason_code rc : p.reasons) w.u8(static_cast<std::uint8_t>(rc));
          }
        } else if constexpr (std::is_same_v<T, disconnect_packet>) {
          if (v5) write_tail(w, tail_of(p), p.reason, p.props);
        } else if constexpr (std::is_same_v<T, auth_packet>) {
          write_tail(w, tail_of_auth(p), p.reason, p.props);
        }
      },
      pkt);
}

}  // namespace

std::size_t varint_size(std::uint32_t value) noexcept {
  return detail::varint_len(value);
}

std::size_t write_varint(std::uint32_t value, std::uint8_t* out) noexcept {
  writer w(out);
  w.varint(value);
  return static_cast<std::size_t>(w.position() - out);
}

std::size_t encoded_size(const packet& p, version v) {
  const std::size_t body = body_size(p, v);
  return 1 + varint_size(static_cast<std::uint32_t>(body)) + body;
}

std::size_t encode(const packet& p, version v, std::span<std::uint8_t> out) {
  // AUTH exists only in 5.0; encoding it for 3.x is a caller bug.
  assert(v == version::v5 || type_of(p) != packet_type::auth);
  const std::size_t body = body_size(p, v);
  assert(body <= max_variable_byte_integer);
  assert(out.size() >= 1 + varint_size(static_cast<std::uint32_t>(body)) + body);
  writer w(out.data());
  w.u8(first_byte(p));
  w.varint(static_cast<std::uint32_t>(body));
  [[maybe_unused]] const std::uint8_t* body_start = w.position();
  write_body(w, p, v);
  assert(static_cast<std::size_t>(w.position() - body_start) == body);
  return static_cast<std::size_t>(w.position() - out.data());
}

void encode_append(const packet& p, version v, std::vector<std::uint8_t>& out) {
  const std::size_t old = out.size();
  out.resize(old + encoded_size(p, v));
  encode(p, v, std::span<std::uint8_t>(out).subspan(old));
}

publish_layout layout_of(const publish_packet& p, version v) {
  const std::size_t body = publish_body_size(p, v);
  publish_layout layout;
  const std::size_t header = 1 + varint_size(static_cast<std::uint32_t>(body));
  layout.size = header + body;
  // The packet id follows the topic name (spec 3.3.2).
  layout.packet_id_offset = p.qos > 0 ? header + str_size(p.topic) : 0;
  layout.payload_offset = layout.size - p.payload.size();
  return layout;
}

}  // namespace pummelo::protocol
