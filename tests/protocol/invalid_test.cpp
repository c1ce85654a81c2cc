// One row per decoding rule: input bytes and the errc they must produce, fed
// whole and byte by byte (decode_error checks both agree).
#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

constexpr auto v31 = version::v3_1;
constexpr auto v311 = version::v3_1_1;
constexpr auto v5 = version::v5;

bytes connect_with(std::string_view name, std::uint8_t level, std::uint8_t flags,
                   const bytes& rest) {
  return frame(0x10, cat({str(name), {level, flags, 0x00, 0x00}, rest}));
}
bytes connect311(std::uint8_t flags, const bytes& payload) {
  return connect_with("MQTT", 4, flags, payload);
}
bytes connect5(std::uint8_t flags, const bytes& prop_bytes, const bytes& payload) {
  return connect_with("MQTT", 5, flags, cat({props(prop_bytes), payload}));
}
bytes publish5(const bytes& prop_bytes) {
  return frame(0x30, cat({str("t"), props(prop_bytes), str_bytes("x")}));
}
bytes connack5(const bytes& prop_bytes) {
  return frame(0x20, cat({{0x00, 0x00}, props(prop_bytes)}));
}
bytes subscribe311(std::string_view filter, std::uint8_t options) {
  return frame(0x82, cat({u16(1), str(filter), {options}}));
}
bytes subscribe5(const bytes& prop_bytes, std::string_view filter, std::uint8_t options) {
  return frame(0x82, cat({u16(1), props(prop_bytes), str(filter), {options}}));
}

struct row {
  const char* name;
  version v;
  from sender;
  bytes input;
  errc expected;
};

const std::vector<row>& rows() {
  using enum errc;
  static const std::vector<row> table = {
    // Fixed header.
    {"type 0", v5, from::server, {0x00, 0x00}, reserved_packet_type},
    {"type 0 to a server", v311, from::client, {0x00, 0x00}, reserved_packet_type},
    {"AUTH before 5.0", v311, from::server, {0xF0, 0x00}, reserved_packet_type},
    {"5-byte remaining length", v311, from::server,
     {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, malformed_remaining_length},
    {"PUBREL flags 0000", v311, from::client, {0x60, 0x02, 0x00, 0x01}, invalid_fixed_header_flags},
    {"SUBSCRIBE flags 0000", v311, from::client,
     {0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}, invalid_fixed_header_flags},
    {"UNSUBSCRIBE flags 0011", v5, from::client,
     {0xA3, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 'a'}, invalid_fixed_header_flags},
    {"PUBACK flags 0001", v311, from::server, {0x41, 0x02, 0x00, 0x01}, invalid_fixed_header_flags},
    {"CONNECT flags 0001", v311, from::client,
     {0x11, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},
     invalid_fixed_header_flags},
    {"CONNACK flags 1000", v311, from::server, {0x28, 0x02, 0x00, 0x00}, invalid_fixed_header_flags},
    {"PINGREQ flags 0100", v311, from::client, {0xC4, 0x00}, invalid_fixed_header_flags},
    {"DISCONNECT flags 0010", v5, from::client, {0xE2, 0x00}, invalid_fixed_header_flags},
    {"AUTH flags 0001", v5, from::client, {0xF1, 0x00}, invalid_fixed_header_flags},
    {"PUBLISH QoS 3", v311, from::client, {0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}, invalid_qos},
    {"PUBLISH dup with QoS 0", v311, from::client, {0x38, 0x03, 0x00, 0x01, 't'}, protocol_error},

    // Lengths and leftovers.
    {"topic length past the packet", v311, from::client, {0x30, 0x03, 0x00, 0x05, 'a'},
     malformed_packet},
    {"packet id cut short", v311, from::client, {0x32, 0x04, 0x00, 0x01, 't', 0x00},
     malformed_packet},
    {"PINGREQ with a body", v311, from::client, {0xC0, 0x01, 0x00}, malformed_packet},
    {"PINGRESP with a body", v5, from::server, {0xD0, 0x01, 0x00}, malformed_packet},
    {"3.x PUBACK with a reason", v311, from::server, {0x40, 0x03, 0x00, 0x01, 0x00},
     malformed_packet},
    {"5.0 PUBACK of 1 byte", v5, from::server, {0x40, 0x01, 0x00}, malformed_packet},
    {"5.0 PUBACK byte after properties", v5, from::server,
     {0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}, malformed_packet},
    {"3.x DISCONNECT with a body", v311, from::client, {0xE0, 0x01, 0x00}, malformed_packet},
    {"5.0 DISCONNECT byte after properties", v5, from::client, {0xE0, 0x03, 0x00, 0x00, 0x00},
     malformed_packet},
    {"3.x CONNACK of 3 bytes", v311, from::server, {0x20, 0x03, 0x00, 0x00, 0x00},
     malformed_packet},
    {"CONNACK reserved flag bits", v311, from::server, {0x20, 0x02, 0x02, 0x00},
     malformed_packet},
    {"5.0 CONNACK without property length", v5, from::server, {0x20, 0x02, 0x00, 0x00},
     malformed_packet},
    {"3.x CONNACK return code 6", v311, from::server, {0x20, 0x02, 0x00, 0x06}, protocol_error},
    {"3.x UNSUBACK with a payload", v311, from::server, {0xB0, 0x03, 0x00, 0x01, 0x00},
     malformed_packet},
    {"5.0 UNSUBACK without property length", v5, from::server, {0xB0, 0x02, 0x00, 0x01},
     malformed_packet},
    {"CONNECT missing the user name its flag announces", v311, from::client,
     connect311(0x82, str("c")), malformed_packet},
    {"CONNECT byte after the payload", v311, from::client,
     connect311(0x02, cat({str("c"), {0x00}})), malformed_packet},
    {"SUBSCRIBE entry without options", v311, from::client,
     frame(0x82, cat({u16(1), str("a")})), malformed_packet},

    // UTF-8 (strings only; binary data is never checked).
    {"topic with an overlong NUL", v311, from::client,
     frame(0x30, cat({{0x00, 0x02, 0xC0, 0x80}, str_bytes("x")})), invalid_utf8},
    {"topic with U+0000", v311, from::client,
     frame(0x30, cat({{0x00, 0x02, 'a', 0x00}, str_bytes("x")})), invalid_utf8},
    {"client id with a surrogate", v311, from::client,
     connect311(0x02, {0x00, 0x03, 0xED, 0xA0, 0x80}), invalid_utf8},
    {"user name above U+10FFFF", v311, from::client,
     connect311(0x82, cat({str("c"), {0x00, 0x04, 0xF4, 0x90, 0x80, 0x80}})), invalid_utf8},
    {"filter with a truncated sequence", v311, from::client,
     frame(0x82, cat({u16(1), {0x00, 0x02, 'a', 0xC3, 0x00}})), invalid_utf8},
    {"user property with 0xFF", v5, from::client,
     publish5(cat({{0x26}, str("k"), {0x00, 0x01, 0xFF}})), invalid_utf8},
    {"reason string with U+0000", v5, from::server,
     frame(0x40, cat({u16(1), {0x80}, props(cat({{0x1F}, {0x00, 0x01, 0x00}}))})), invalid_utf8},

    // Topic names.
    {"empty topic in 3.1.1", v311, from::client, frame(0x30, cat({str(""), str_bytes("x")})),
     invalid_topic_name},
    {"empty topic in 3.1", v31, from::client, frame(0x30, str("")), invalid_topic_name},
    {"empty topic without alias in 5.0", v5, from::client, frame(0x30, cat({str(""), props({})})),
     invalid_topic_name},
    {"'+' in a topic name", v311, from::client, frame(0x30, str("a/+")), invalid_topic_name},
    {"'#' in a topic name", v5, from::server, frame(0x30, cat({str("#"), props({})})),
     invalid_topic_name},
    {"wildcard in a will topic", v311, from::client,
     connect311(0x06, cat({str("c"), str("w/#"), str("m")})), invalid_topic_name},
    {"empty will topic", v5, from::client, connect5(0x06, {}, cat({str("c"), props({}), str(""), str("")})),
     invalid_topic_name},
    {"topic alias 0", v5, from::client, publish5({0x23, 0x00, 0x00}), invalid_property},

    // Topic filters.
    {"empty filter", v311, from::client, subscribe311("", 0), invalid_topic_filter},
    {"'#' not last", v311, from::client, subscribe311("a/#/b", 0), invalid_topic_filter},
    {"'#' not alone in its level", v311, from::client, subscribe311("a/b#", 0), invalid_topic_filter},
    {"'+' not alone in its level", v5, from::client, subscribe5({}, "a/+b", 0), invalid_topic_filter},
    {"$share without a filter", v5, from::client, subscribe5({}, "$share/g", 0), invalid_topic_filter},
    {"$share with an empty filter", v5, from::client, subscribe5({}, "$share/g/", 0),
     invalid_topic_filter},
    {"$share with an empty group", v311, from::client, subscribe311("$share//x", 0),
     invalid_topic_filter},
    {"$share group with '+'", v5, from::client, subscribe5({}, "$share/g+/x", 0),
     invalid_topic_filter},
    {"$share group with '#'", v311, from::client, subscribe311("$share/#/x", 0),
     invalid_topic_filter},
    {"$share with a bad filter", v311, from::client, subscribe311("$share/g/a#", 0),
     invalid_topic_filter},
    {"bad filter in UNSUBSCRIBE", v311, from::client, frame(0xA2, cat({u16(1), str("a#")})),
     invalid_topic_filter},

    // Packet identifiers.
    {"PUBLISH QoS 1 with id 0", v311, from::client, frame(0x32, cat({str("t"), u16(0)})),
     invalid_packet_id},
    {"PUBLISH QoS 2 with id 0", v5, from::server, frame(0x34, cat({str("t"), u16(0), props({})})),
     invalid_packet_id},
    {"PUBACK id 0", v311, from::client, {0x40, 0x02, 0x00, 0x00}, invalid_packet_id},
    {"PUBREC id 0", v5, from::server, {0x50, 0x02, 0x00, 0x00}, invalid_packet_id},
    {"PUBREL id 0", v31, from::client, {0x62, 0x02, 0x00, 0x00}, invalid_packet_id},
    {"PUBCOMP id 0", v5, from::client, {0x70, 0x03, 0x00, 0x00, 0x00}, invalid_packet_id},
    {"SUBSCRIBE id 0", v311, from::client, frame(0x82, cat({u16(0), str("a"), {0x00}})),
     invalid_packet_id},
    {"SUBACK id 0", v311, from::server, {0x90, 0x03, 0x00, 0x00, 0x00}, invalid_packet_id},
    {"UNSUBSCRIBE id 0", v5, from::client, frame(0xA2, cat({u16(0), props({}), str("a")})),
     invalid_packet_id},
    {"UNSUBACK id 0", v311, from::server, {0xB0, 0x02, 0x00, 0x00}, invalid_packet_id},

    // CONNECT.
    {"protocol name MQTT with level 3", v311, from::client,
     connect_with("MQTT", 3, 0x02, str("c")), invalid_protocol_name},
    {"protocol name MQIsdp with level 4", v311, from::client,
     connect_with("MQIsdp", 4, 0x02, str("c")), invalid_protocol_name},
    {"protocol name MQTX", v311, from::client, connect_with("MQTX", 4, 0x02, str("c")),
     invalid_protocol_name},
    {"protocol name of length 5", v311, from::client, connect_with("MQTTT", 4, 0x02, str("c")),
     invalid_protocol_name},
    {"level 6", v311, from::client, connect_with("MQTT", 6, 0x02, str("c")),
     unsupported_protocol_version},
    {"level 2", v311, from::client, connect_with("MQIsdp", 2, 0x02, str("c")),
     unsupported_protocol_version},
    {"level 255 with a body we cannot parse", v311, from::client,
     connect_with("MQTT", 255, 0xFF, {0xFF, 0xFF}), unsupported_protocol_version},
    {"reserved CONNECT flag", v311, from::client, connect311(0x03, str("c")),
     invalid_connect_flags},
    {"will QoS without will flag", v311, from::client, connect311(0x0A, str("c")),
     invalid_connect_flags},
    {"will retain without will flag", v5, from::client, connect5(0x22, {}, str("c")),
     invalid_connect_flags},
    {"will QoS 3", v311, from::client,
     connect311(0x1E, cat({str("c"), str("w"), str("m")})), invalid_connect_flags},
    {"password without user name in 3.1.1", v311, from::client,
     connect311(0x42, cat({str("c"), str("pw")})), invalid_connect_flags},
    {"password without user name in 3.1", v31, from::client,
     connect_with("MQIsdp", 3, 0x42, cat({str("c"), str("pw")})), invalid_connect_flags},

    // SUBSCRIBE family.
    {"SUBSCRIBE without entries (3.1.1)", v311, from::client, frame(0x82, u16(1)), protocol_error},
    {"SUBSCRIBE without entries (5.0)", v5, from::client, frame(0x82, cat({u16(1), props({})})),
     protocol_error},
    {"3.x subscription options bit 2", v311, from::client, subscribe311("a", 0x04), protocol_error},
    {"3.1 subscription options bit 7", v31, from::client, subscribe311("a", 0x80), protocol_error},
    {"5.0 subscription options bit 6", v5, from::client, subscribe5({}, "a", 0x40), protocol_error},
    {"retain handling 3", v5, from::client, subscribe5({}, "a", 0x30), protocol_error},
    {"subscription QoS 3 (3.1.1)", v311, from::client, subscribe311("a", 0x03), invalid_qos},
    {"subscription QoS 3 (5.0)", v5, from::client, subscribe5({}, "a", 0x03), invalid_qos},
    {"no local on a shared subscription", v5, from::client, subscribe5({}, "$share/g/a", 0x04),
     protocol_error},
    {"UNSUBSCRIBE without filters", v311, from::client, frame(0xA2, u16(1)), protocol_error},
    {"UNSUBSCRIBE without filters (5.0)", v5, from::client, frame(0xA2, cat({u16(1), props({})})),
     protocol_error},
    {"3.x SUBACK code 3", v311, from::server, {0x90, 0x03, 0x00, 0x01, 0x03}, protocol_error},
    {"3.x SUBACK code 0x87", v311, from::server, {0x90, 0x03, 0x00, 0x01, 0x87}, protocol_error},
    {"SUBACK without codes", v311, from::server, {0x90, 0x02, 0x00, 0x01}, protocol_error},
    {"5.0 UNSUBACK without codes", v5, from::server, {0xB0, 0x03, 0x00, 0x01, 0x00},
     protocol_error},

    // Direction.
    {"CONNACK sent to a server", v311, from::client, {0x20, 0x02, 0x00, 0x00}, protocol_error},
    {"SUBACK sent to a server", v5, from::client, {0x90, 0x04, 0x00, 0x01, 0x00, 0x00},
     protocol_error},
    {"UNSUBACK sent to a server", v311, from::client, {0xB0, 0x02, 0x00, 0x01}, protocol_error},
    {"PINGRESP sent to a server", v311, from::client, {0xD0, 0x00}, protocol_error},
    {"CONNECT sent to a client", v311, from::server, connect311(0x02, str("c")), protocol_error},
    {"SUBSCRIBE sent to a client", v311, from::server, subscribe311("a", 0), protocol_error},
    {"UNSUBSCRIBE sent to a client", v5, from::server, frame(0xA2, cat({u16(1), props({}), str("a")})),
     protocol_error},
    {"PINGREQ sent to a client", v5, from::server, {0xC0, 0x00}, protocol_error},
    {"subscription identifier in a client's PUBLISH", v5, from::client, publish5({0x0B, 0x01}),
     protocol_error},

    // Properties: ids.
    {"property id 0", v5, from::client, publish5({0x00, 0x01}), invalid_property},
    {"unassigned property id 0x04", v5, from::client, publish5({0x04, 0x01}), invalid_property},
    {"two-byte property id", v5, from::client, publish5({0x81, 0x01, 0x01}), invalid_property},
    {"topic alias in CONNECT", v5, from::client, connect5(0x02, {0x23, 0x00, 0x01}, str("c")),
     invalid_property},
    {"will delay in PUBLISH", v5, from::client, publish5({0x18, 0x00, 0x00, 0x00, 0x01}),
     invalid_property},
    {"session expiry in PUBLISH", v5, from::server, publish5({0x11, 0x00, 0x00, 0x00, 0x01}),
     invalid_property},
    {"reason string in PUBLISH", v5, from::server, publish5(cat({{0x1F}, str("r")})),
     invalid_property},
    {"topic alias in will properties", v5, from::client,
     connect5(0x06, {}, cat({str("c"), props({0x23, 0x00, 0x01}), str("w"), str("m")})),
     invalid_property},
    {"subscription identifier in UNSUBSCRIBE", v5, from::client,
     frame(0xA2, cat({u16(1), props({0x0B, 0x01}), str("a")})), invalid_property},
    {"authentication method in DISCONNECT", v5, from::client,
     frame(0xE0, cat({{0x00}, props(cat({{0x15}, str("m")}))})), invalid_property},
    {"maximum QoS in CONNECT", v5, from::client, connect5(0x02, {0x24, 0x01}, str("c")),
     invalid_property},
    {"receive maximum in PUBACK", v5, from::server,
     frame(0x40, cat({u16(1), {0x00}, props({0x21, 0x00, 0x01})})), invalid_property},

    // Properties: duplicates.
    {"message expiry twice", v5, from::client,
     publish5({0x02, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x02}), duplicate_property},
    {"content type twice", v5, from::client, publish5(cat({{0x03}, str("a"), {0x03}, str("a")})),
     duplicate_property},
    {"correlation data twice", v5, from::client,
     publish5(cat({{0x09}, str("a"), {0x09}, str("b")})), duplicate_property},
    {"payload format twice", v5, from::client, publish5({0x01, 0x00, 0x01, 0x00}),
     duplicate_property},
    {"receive maximum twice", v5, from::client,
     connect5(0x02, {0x21, 0x00, 0x01, 0x21, 0x00, 0x01}, str("c")), duplicate_property},
    {"authentication method twice", v5, from::client,
     connect5(0x02, cat({{0x15}, str("a"), {0x15}, str("a")}), str("c")), duplicate_property},
    {"two subscription identifiers in SUBSCRIBE", v5, from::client,
     subscribe5({0x0B, 0x01, 0x0B, 0x02}, "a", 0), duplicate_property},
    {"reason string twice", v5, from::server,
     connack5(cat({{0x1F}, str("a"), {0x1F}, str("b")})), duplicate_property},

    // Properties: values.
    {"subscription identifier 0", v5, from::client, subscribe5({0x0B, 0x00}, "a", 0),
     invalid_property},
    {"payload format indicator 2", v5, from::client, publish5({0x01, 0x02}), invalid_property},
    {"request problem information 2", v5, from::client, connect5(0x02, {0x17, 0x02}, str("c")),
     invalid_property},
    {"request response information 2", v5, from::client, connect5(0x02, {0x19, 0x02}, str("c")),
     invalid_property},
    {"maximum QoS 2", v5, from::server, connack5({0x24, 0x02}), invalid_property},
    {"retain available 2", v5, from::server, connack5({0x25, 0x02}), invalid_property},
    {"wildcard subscription available 2", v5, from::server, connack5({0x28, 0x02}),
     invalid_property},
    {"subscription identifiers available 2", v5, from::server, connack5({0x29, 0x02}),
     invalid_property},
    {"shared subscription available 2", v5, from::server, connack5({0x2A, 0x02}),
     invalid_property},
    {"receive maximum 0", v5, from::client, connect5(0x02, {0x21, 0x00, 0x00}, str("c")),
     invalid_property},
    {"maximum packet size 0", v5, from::server, connack5({0x27, 0x00, 0x00, 0x00, 0x00}),
     invalid_property},
    {"response topic with a wildcard", v5, from::client, publish5(cat({{0x08}, str("r/+")})),
     invalid_property},

    // Properties: lengths.
    {"property length past the packet", v5, from::client,
     frame(0x30, cat({str("t"), {0x05, 0x01, 0x01}})), malformed_packet},
    {"property value past the property section", v5, from::client,
     frame(0x30, cat({str("t"), {0x03, 0x03, 0x00, 0x05}, str_bytes("abcdef")})),
     malformed_packet},
    {"property length of 5 bytes", v5, from::client,
     frame(0x30, cat({str("t"), {0x80, 0x80, 0x80, 0x80, 0x00}})), malformed_packet},
    {"subscription identifier of 5 bytes", v5, from::client,
     subscribe5({0x0B, 0x80, 0x80, 0x80, 0x80, 0x01}, "a", 0), malformed_packet},
    {"four-byte property cut short", v5, from::client, publish5({0x02, 0x00, 0x00}),
     malformed_packet},
  };
  return table;
}

TEST_CASE("invalid inputs fail with the errc of the rule they break") {
  for (const row& r : rows()) {
    INFO(r.name);
    CHECK(decode_error(r.input, r.v, r.sender) == r.expected);
  }
}

TEST_CASE("decode_packet reports the same errors without a decoder") {
  for (const row& r : rows()) {
    // Rows about limits of the stream (direction, length bytes) need a decoder.
    if (r.input.size() < 2 || (r.input[1] & 0x80) != 0) continue;
    if (r.expected == errc::protocol_error && std::string_view(r.name).find("sent to") != std::string_view::npos) continue;
    if (std::string_view(r.name).find("client's PUBLISH") != std::string_view::npos) continue;
    if (std::string_view(r.name).find("type 0 to a server") != std::string_view::npos) continue;
    INFO(r.name);
    packet out;
    CHECK(decode_packet(r.input[0], std::span(r.input).subspan(2), r.v, {}, out) == r.expected);
  }
}

}  // namespace
}  // namespace pummelo::protocol::test
