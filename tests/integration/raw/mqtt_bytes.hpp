// Hand-built MQTT packets and a minimal independent parser for what the
// broker sends back. Deliberately separate from protocol/: it is the thing
// under test, so the tests must not share its bugs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "raw_client.hpp"

namespace pummelo::test::raw {

namespace ptype {
inline constexpr std::uint8_t connect = 1, connack = 2, publish = 3, puback = 4, pubrec = 5,
                              pubrel = 6, pubcomp = 7, subscribe = 8, suback = 9,
                              unsubscribe = 10, unsuback = 11, pingreq = 12, pingresp = 13,
                              disconnect = 14, auth = 15;
}

inline constexpr std::uint8_t v311 = 4;
inline constexpr std::uint8_t v5 = 5;

// Append-only encoder for packet bodies.
struct writer {
  bytes out;
  writer& u8(std::uint8_t v);
  writer& u16(std::uint16_t v);
  writer& u32(std::uint32_t v);
  writer& varint(std::uint32_t v);
  writer& str(std::string_view s);
  writer& raw(const bytes& b);
};

// Fixed header (type, flags, remaining length) + body.
bytes frame(std::uint8_t type, std::uint8_t flags, const bytes& body);

struct will_options {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
};

struct connect_options {
  std::uint8_t version = v311;
  std::string protocol_name = "MQTT";
  std::string client_id;
  bool clean = true;
  std::uint16_t keepalive = 60;
  std::optional<will_options> will;
  std::optional<std::uint32_t> session_expiry;       // v5 only
  std::optional<std::uint16_t> receive_maximum;      // v5 only
  std::optional<std::uint32_t> maximum_packet_size;  // v5 only
  std::optional<std::uint16_t> topic_alias_maximum;  // v5 only
  bytes extra_properties;  // appended verbatim (v5), e.g. a forbidden property
  std::optional<std::string> username;
  std::optional<std::string> password;
};
bytes make_connect(const connect_options& o);

struct publish_options {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;
  std::optional<std::uint16_t> topic_alias;  // v5 only
};
// Shorthand: GCC 12 flags partial designated initializers under -Wextra.
publish_options pub(std::string topic, std::string payload, std::uint8_t qos = 0,
                    std::uint16_t packet_id = 0);
bytes make_publish(std::uint8_t version, const publish_options& o);

bytes make_subscribe(std::uint8_t version, std::uint16_t packet_id,
                     const std::vector<std::pair<std::string, std::uint8_t>>& filters);
// PUBACK / PUBREC / PUBREL / PUBCOMP: the 2-byte form, valid in 3.1.1 and 5.0.
bytes make_ack(std::uint8_t type, std::uint16_t packet_id);
bytes make_pingreq();
bytes make_disconnect(std::uint8_t version, std::uint8_t reason = 0);

// Cursor over a received body; any overrun sets ok = false.
struct reader {
  const bytes& b;
  std::size_t pos = 0;
  bool ok = true;
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint32_t varint();
  std::string str();
  bool at_end() const { return pos >= b.size(); }
};

struct property {
  std::uint8_t id = 0;
  std::uint32_t number = 0;  // byte / u16 / u32 / varint valued properties
  std::string text;          // string / binary valued; key of a user property
  std::string text2;         // value of a user property
};
using properties = std::vector<property>;

// Parses a v5 property block (length + entries). nullopt on malformed input.
std::optional<properties> read_properties(reader& r);
const property* find_property(const properties& ps, std::uint8_t id);

struct connack_info {
  bool session_present = false;
  std::uint8_t code = 0xFF;
  properties props;
  bool well_formed = false;
};
connack_info parse_connack(std::uint8_t version, const packet& p);

struct publish_info {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool dup = false;
  bool retain = false;
  std::uint16_t packet_id = 0;
  properties props;
  bool well_formed = false;
};
publish_info parse_publish(std::uint8_t version, const packet& p);

// Packet id of PUBACK/PUBREC/PUBREL/PUBCOMP/SUBACK, 0 if too short.
std::uint16_t packet_id_of(const packet& p);
// DISCONNECT reason (v5); 0 when the body is empty.
std::uint8_t disconnect_reason(const packet& p);

std::string describe(const packet& p);

}  // namespace pummelo::test::raw
