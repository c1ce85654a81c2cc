// Encoder entry points: Variable Byte Integers, exact sizes, caller buffers.
#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

TEST_CASE("write_varint and varint_size at every length boundary") {
  const std::pair<std::uint32_t, bytes> cases[] = {
      {0, {0x00}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16383, {0xFF, 0x7F}},
      {16384, {0x80, 0x80, 0x01}},
      {2097151, {0xFF, 0xFF, 0x7F}},
      {2097152, {0x80, 0x80, 0x80, 0x01}},
      {max_variable_byte_integer, {0xFF, 0xFF, 0xFF, 0x7F}},
  };
  for (const auto& c : cases) {
    const std::uint32_t value = c.first;
    const bytes& expected = c.second;
    CAPTURE(value);
    bytes out(8, 0xEE);
    const std::size_t n = write_varint(value, out.data());
    CHECK(n == expected.size());
    CHECK(varint_size(value) == expected.size());
    out.resize(n);
    CHECK(hex(out) == hex(expected));
  }
}

TEST_CASE("encode() writes exactly encoded_size() bytes into a larger buffer") {
  for (const vector_case& c : registry()) {
    INFO(c.name);
    const packet p = decode_one(*c.data, c.v, c.sender);
    const std::size_t n = encoded_size(p, c.v);
    bytes buf(n + 16, 0xEE);
    CHECK(encode(p, c.v, buf) == n);
    for (std::size_t i = n; i < buf.size(); ++i) CHECK(buf[i] == 0xEE);
  }
}

TEST_CASE("encode_append appends") {
  bytes out;
  encode_append(pingreq_packet{}, version::v3_1_1, out);
  encode_append(pingresp_packet{}, version::v5, out);
  CHECK(hex(out) == hex(bytes{0xC0, 0x00, 0xD0, 0x00}));
}

TEST_CASE("large packets get multi-byte remaining lengths") {
  for (const std::size_t payload : {std::size_t{122}, std::size_t{123}, std::size_t{16378},
                                    std::size_t{16379}, std::size_t{2097146},
                                    std::size_t{2097147}}) {
    CAPTURE(payload);
    publish_packet p;
    p.topic = "abc";  // 5 bytes
    p.payload.assign(payload, 'x');
    const bytes b = encode_bytes(p, version::v3_1_1);
    const std::size_t body = 5 + payload;
    CHECK(b.size() == 1 + varint_size(static_cast<std::uint32_t>(body)) + body);
    limits lim;
    lim.max_packet_size = 4 * 1024 * 1024;
    const auto back = std::get<publish_packet>(decode_one(b, version::v3_1_1, from::client, lim));
    CHECK(back.payload.size() == payload);
  }
}

TEST_CASE("5.0 short forms") {
  // Ack: success without properties is the packet id alone.
  CHECK(hex(encode_bytes(puback_packet{0x0102, reason_code::success, {}}, version::v5)) ==
        hex(bytes{0x40, 0x02, 0x01, 0x02}));
  // A reason without properties drops the property length.
  CHECK(hex(encode_bytes(pubrel_packet{1, reason_code::packet_identifier_not_found, {}},
                         version::v5)) == hex(bytes{0x62, 0x03, 0x00, 0x01, 0x92}));
  // Properties with success still carry the reason code.
  properties rs;
  rs.reason_string = "r";
  CHECK(hex(encode_bytes(pubcomp_packet{1, reason_code::success, rs}, version::v5)) ==
        hex(bytes{0x70, 0x08, 0x00, 0x01, 0x00, 0x04, 0x1F, 0x00, 0x01, 'r'}));
  CHECK(hex(encode_bytes(disconnect_packet{}, version::v5)) == hex(bytes{0xE0, 0x00}));
  CHECK(hex(encode_bytes(disconnect_packet{reason_code::session_taken_over, {}}, version::v5)) ==
        hex(bytes{0xE0, 0x01, 0x8E}));
  CHECK(hex(encode_bytes(disconnect_packet{reason_code::success, rs}, version::v5)) ==
        hex(bytes{0xE0, 0x06, 0x00, 0x04, 0x1F, 0x00, 0x01, 'r'}));
  CHECK(hex(encode_bytes(auth_packet{}, version::v5)) == hex(bytes{0xF0, 0x00}));
}

}  // namespace
}  // namespace pummelo::protocol::test
