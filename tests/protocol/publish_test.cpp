// PUBLISH in every version, and layout_of() for shared encodings.
#include <cstring>

#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

PUMMELO_VECTOR(publish_v31_qos0, version::v3_1, from::either, {
  0x30, 0x07,                  // PUBLISH QoS 0, remaining length 7
  0x00, 0x03, 'a', '/', 'b',   // topic "a/b"
  'h', 'i',                    // payload "hi"
});

PUMMELO_VECTOR(publish_v311_qos1_retain, version::v3_1_1, from::either, {
  0x33, 0x08,                  // PUBLISH QoS 1, retain, remaining length 8
  0x00, 0x03, 'a', '/', 'b',   // topic "a/b"
  0x00, 0x0A,                  // packet id 10
  'x',                         // payload "x"
});

PUMMELO_VECTOR(publish_v311_qos2_dup_empty, version::v3_1_1, from::either, {
  0x3C, 0x05,                  // PUBLISH dup, QoS 2, remaining length 5
  0x00, 0x01, 't',             // topic "t"
  0x12, 0x34,                  // packet id 0x1234
                               // empty payload
});

PUMMELO_VECTOR(publish_v5_qos0, version::v5, from::either, {
  0x30, 0x05,        // PUBLISH QoS 0, remaining length 5
  0x00, 0x01, 'x',   // topic "x"
  0x00,              // property length 0
  'y',               // payload "y"
});

PUMMELO_VECTOR(publish_v5_alias_only, version::v5, from::either, {
  0x30, 0x07,        // PUBLISH QoS 0, remaining length 7
  0x00, 0x00,        // empty topic: the alias names it
  0x03,              // property length 3
  0x23, 0x00, 0x07,  //   topic alias 7
  'p',               // payload "p"
});

PUMMELO_VECTOR(publish_v5_full, version::v5, from::server, {
  0x32, 0x43,                         // PUBLISH QoS 1, remaining length 67
  0x00, 0x03, 'a', '/', 'b',          // topic "a/b"
  0x00, 0x01,                         // packet id 1
  0x36,                               // property length 54
  0x01, 0x01,                         //   payload format indicator 1
  0x02, 0x00, 0x00, 0x0E, 0x10,       //   message expiry interval 3600
  0x03, 0x00, 0x0A, 't', 'e', 'x', 't', '/', 'p', 'l', 'a', 'i', 'n',
                                      //   content type "text/plain"
  0x08, 0x00, 0x03, 'r', '/', '1',    //   response topic "r/1"
  0x09, 0x00, 0x03, 0x01, 0x02, 0x03, //   correlation data 01 02 03
  0x0B, 0x05,                         //   subscription identifier 5
  0x0B, 0xC8, 0x01,                   //   subscription identifier 200 (2-byte varint)
  0x23, 0x00, 0x07,                   //   topic alias 7
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'w', //   user property k=w (repeats allowed)
  'h', 'e', 'l', 'l', 'o',            // payload "hello"
});

// Remaining length 135 needs a two-byte Variable Byte Integer.
PUMMELO_VECTOR(publish_v311_two_byte_length, version::v3_1_1, from::either, cat({
  {0x30, 0x87, 0x01},          // PUBLISH QoS 0, remaining length 135 (87 01)
  {0x00, 0x03, 'a', '/', 'b'}, // topic "a/b"
  repeat('z', 130),            // payload: 130 bytes
}));

TEST_CASE("PUBLISH 3.1 QoS 0") {
  const auto p = std::get<publish_packet>(
      round_trip(publish_v31_qos0, version::v3_1, from::client));
  CHECK_FALSE(p.dup);
  CHECK(p.qos == 0);
  CHECK_FALSE(p.retain);
  CHECK(p.topic == "a/b");
  CHECK(p.packet_id == 0);
  CHECK(p.payload == "hi");
}

TEST_CASE("PUBLISH 3.1.1 QoS 1 retained, QoS 2 duplicate") {
  const auto a = std::get<publish_packet>(
      round_trip(publish_v311_qos1_retain, version::v3_1_1, from::client));
  CHECK_FALSE(a.dup);
  CHECK(a.qos == 1);
  CHECK(a.retain);
  CHECK(a.packet_id == 10);
  CHECK(a.payload == "x");
  const auto b = std::get<publish_packet>(
      round_trip(publish_v311_qos2_dup_empty, version::v3_1_1, from::server));
  CHECK(b.dup);
  CHECK(b.qos == 2);
  CHECK_FALSE(b.retain);
  CHECK(b.topic == "t");
  CHECK(b.packet_id == 0x1234);
  CHECK(b.payload.empty());
}

TEST_CASE("PUBLISH with a two-byte remaining length") {
  const auto p = std::get<publish_packet>(
      round_trip(publish_v311_two_byte_length, version::v3_1_1, from::client));
  CHECK(p.payload == std::string(130, 'z'));
}

TEST_CASE("PUBLISH 5.0") {
  const auto a = std::get<publish_packet>(round_trip(publish_v5_qos0, version::v5, from::client));
  CHECK(a.topic == "x");
  CHECK(a.props.empty());
  CHECK(a.payload == "y");

  const auto b = std::get<publish_packet>(
      round_trip(publish_v5_alias_only, version::v5, from::client));
  CHECK(b.topic.empty());
  CHECK(b.props.topic_alias == 7);
  CHECK(b.payload == "p");

  const auto c = std::get<publish_packet>(round_trip(publish_v5_full, version::v5, from::server));
  CHECK(c.qos == 1);
  CHECK(c.packet_id == 1);
  CHECK(c.topic == "a/b");
  CHECK(c.props.payload_format_indicator == 1);
  CHECK(c.props.message_expiry_interval == 3600u);
  CHECK(c.props.content_type == "text/plain");
  CHECK(c.props.response_topic == "r/1");
  CHECK(c.props.correlation_data == "\x01\x02\x03");
  CHECK(c.props.subscription_identifiers == std::vector<std::uint32_t>{5, 200});
  CHECK(c.props.topic_alias == 7);
  CHECK(c.props.user_properties == std::vector<user_property>{{"k", "v"}, {"k", "w"}});
  CHECK(c.payload == "hello");
}

TEST_CASE("PUBLISH 3.x leaves properties out") {
  publish_packet p;
  p.topic = "t";
  p.qos = 1;
  p.packet_id = 3;
  p.props.message_expiry_interval = 9;
  p.payload = "z";
  CHECK(hex(encode_bytes(p, version::v3_1_1)) ==
        hex(bytes{0x32, 0x06, 0x00, 0x01, 't', 0x00, 0x03, 'z'}));
}

TEST_CASE("layout_of locates the packet id and the payload") {
  for (const version v : {version::v3_1, version::v3_1_1, version::v5}) {
    for (const std::uint8_t qos : {0, 1, 2}) {
      publish_packet p;
      p.qos = qos;
      p.packet_id = qos > 0 ? 0xBEEF : 0;
      p.topic = "some/topic";
      p.props.user_properties = {{"k", "v"}};
      p.payload = std::string(300, 'q');  // two-byte remaining length
      const bytes b = encode_bytes(p, v);
      const publish_layout l = layout_of(p, v);
      CAPTURE(static_cast<int>(v));
      CAPTURE(static_cast<int>(qos));
      CHECK(l.size == b.size());
      CHECK(l.payload_offset == b.size() - p.payload.size());
      CHECK(std::memcmp(b.data() + l.payload_offset, p.payload.data(), p.payload.size()) == 0);
      if (qos == 0) {
        CHECK(l.packet_id_offset == 0);
      } else {
        REQUIRE(l.packet_id_offset + 2 <= l.payload_offset);
        CHECK(b[l.packet_id_offset] == 0xBE);
        CHECK(b[l.packet_id_offset + 1] == 0xEF);
        // Patching the id there gives the encoding of the other id.
        bytes patched = b;
        patched[l.packet_id_offset] = 0x00;
        patched[l.packet_id_offset + 1] = 0x07;
        publish_packet q = p;
        q.packet_id = 7;
        CHECK(hex(patched) == hex(encode_bytes(q, v)));
      }
    }
  }
}

}  // namespace
}  // namespace pummelo::protocol::test
