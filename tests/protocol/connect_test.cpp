// CONNECT and CONNACK in 3.1, 3.1.1 and 5.0: literals decoded field by field
// and encoded back to the same bytes.
#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

PUMMELO_VECTOR(connect_v31, version::v3_1, from::client, {
  0x10, 0x1B,                               // CONNECT, remaining length 27
  0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', // protocol name "MQIsdp"
  0x03,                                     // level 3 (3.1)
  0xC2,                                     // user name, password, clean
  0x00, 0x3C,                               // keep alive 60
  0x00, 0x03, 'c', 'i', 'd',                // client id "cid"
  0x00, 0x04, 'u', 's', 'e', 'r',           // user name "user"
  0x00, 0x02, 'p', 'w',                     // password "pw"
});

PUMMELO_VECTOR(connect_v311_will, version::v3_1_1, from::client, {
  0x10, 0x18,                          // CONNECT, remaining length 24
  0x00, 0x04, 'M', 'Q', 'T', 'T',      // protocol name "MQTT"
  0x04,                                // level 4 (3.1.1)
  0x2E,                                // will retain, will QoS 1, will, clean
  0x00, 0x0A,                          // keep alive 10
  0x00, 0x02, 'c', '1',                // client id "c1"
  0x00, 0x03, 'w', '/', 't',           // will topic "w/t"
  0x00, 0x03, 'b', 'y', 'e',           // will payload "bye"
});

PUMMELO_VECTOR(connect_v311_minimal, version::v3_1_1, from::client, {
  0x10, 0x0C,                      // CONNECT, remaining length 12
  0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
  0x04,                            // level 4
  0x00,                            // no flags: clean session 0
  0x00, 0x00,                      // keep alive 0
  0x00, 0x00,                      // empty client id
});

PUMMELO_VECTOR(connect_v5_full, version::v5, from::client, {
  0x10, 0x71,                         // CONNECT, remaining length 113
  0x00, 0x04, 'M', 'Q', 'T', 'T',     // protocol name
  0x05,                               // level 5
  0xF6,                               // user, password, will retain, will QoS 2, will, clean
  0x00, 0x1E,                         // keep alive 30
  0x27,                               // property length 39
  0x11, 0x00, 0x00, 0x00, 0x78,       //   session expiry interval 120
  0x15, 0x00, 0x04, 'S', 'C', 'R', 'M', //   authentication method "SCRM"
  0x16, 0x00, 0x02, 0x01, 0x02,       //   authentication data 01 02
  0x17, 0x00,                         //   request problem information 0
  0x19, 0x01,                         //   request response information 1
  0x21, 0x00, 0x0A,                   //   receive maximum 10
  0x22, 0x00, 0x05,                   //   topic alias maximum 5
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
  0x27, 0x00, 0x00, 0x10, 0x00,       //   maximum packet size 4096
  0x00, 0x03, 'c', 'l', 'i',          // client id "cli"
  0x25,                               // will property length 37
  0x01, 0x01,                         //   payload format indicator 1
  0x02, 0x00, 0x00, 0x00, 0x3C,       //   message expiry interval 60
  0x03, 0x00, 0x04, 't', 'e', 'x', 't', //   content type "text"
  0x08, 0x00, 0x03, 'r', '/', 't',    //   response topic "r/t"
  0x09, 0x00, 0x02, 0xAB, 0xCD,       //   correlation data AB CD
  0x18, 0x00, 0x00, 0x00, 0x05,       //   will delay interval 5
  0x26, 0x00, 0x01, 'a', 0x00, 0x01, 'b', //   user property a=b
  0x00, 0x03, 'w', '/', 't',          // will topic "w/t"
  0x00, 0x02, 0x00, 0xFF,             // will payload 00 FF (binary)
  0x00, 0x04, 'u', 's', 'e', 'r',     // user name "user"
  0x00, 0x03, 0x00, 0x01, 0x02,       // password 00 01 02 (binary)
});

PUMMELO_VECTOR(connect_v5_password_only, version::v5, from::client, {
  0x10, 0x11,                      // CONNECT, remaining length 17
  0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
  0x05,                            // level 5
  0x42,                            // password without user name (5.0 only), clean
  0x00, 0x00,                      // keep alive 0
  0x00,                            // property length 0
  0x00, 0x00,                      // empty client id
  0x00, 0x02, 'p', 'w',            // password "pw"
});

PUMMELO_VECTOR(connack_v31, version::v3_1, from::server, {
  0x20, 0x02,  // CONNACK, remaining length 2
  0x00,        // reserved in 3.1
  0x02,        // return code 2: identifier rejected
});

PUMMELO_VECTOR(connack_v311_session, version::v3_1_1, from::server, {
  0x20, 0x02,  // CONNACK, remaining length 2
  0x01,        // session present
  0x00,        // return code 0: accepted
});

PUMMELO_VECTOR(connack_v311_refused, version::v3_1_1, from::server, {
  0x20, 0x02,  // CONNACK
  0x00,        // no session
  0x05,        // return code 5: not authorized
});

PUMMELO_VECTOR(connack_v5_refused, version::v5, from::server, {
  0x20, 0x03,  // CONNACK, remaining length 3
  0x00,        // no session
  0x87,        // reason: not authorized
  0x00,        // property length 0
});

PUMMELO_VECTOR(connack_v5_full, version::v5, from::server, {
  0x20, 0x47,                         // CONNACK, remaining length 71
  0x01,                               // session present
  0x00,                               // reason: success
  0x44,                               // property length 68
  0x11, 0x00, 0x00, 0x00, 0x78,       //   session expiry interval 120
  0x12, 0x00, 0x03, 'a', 'b', 'c',    //   assigned client identifier "abc"
  0x13, 0x00, 0x3C,                   //   server keep alive 60
  0x15, 0x00, 0x04, 'S', 'C', 'R', 'M', //   authentication method
  0x16, 0x00, 0x01, 0x09,             //   authentication data 09
  0x1A, 0x00, 0x02, 'r', 'i',         //   response information "ri"
  0x1C, 0x00, 0x02, 's', 'r',         //   server reference "sr"
  0x1F, 0x00, 0x02, 'o', 'k',         //   reason string "ok"
  0x21, 0x00, 0x14,                   //   receive maximum 20
  0x22, 0x00, 0x0A,                   //   topic alias maximum 10
  0x24, 0x01,                         //   maximum QoS 1
  0x25, 0x00,                         //   retain available 0
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
  0x27, 0x00, 0x01, 0x00, 0x00,       //   maximum packet size 65536
  0x28, 0x01,                         //   wildcard subscription available
  0x29, 0x01,                         //   subscription identifiers available
  0x2A, 0x00,                         //   shared subscriptions unavailable
});

TEST_CASE("CONNECT 3.1") {
  const auto c = std::get<connect_packet>(round_trip(connect_v31, version::v3_1, from::client));
  CHECK(c.protocol_version == version::v3_1);
  CHECK(c.clean_start);
  CHECK(c.keep_alive == 60);
  CHECK(c.client_id == "cid");
  CHECK_FALSE(c.will.has_value());
  CHECK(c.username == "user");
  CHECK(c.password == "pw");
  CHECK(c.props.empty());
}

TEST_CASE("CONNECT 3.1.1 with a will") {
  const auto c = std::get<connect_packet>(
      round_trip(connect_v311_will, version::v3_1_1, from::client));
  CHECK(c.protocol_version == version::v3_1_1);
  CHECK(c.clean_start);
  CHECK(c.keep_alive == 10);
  CHECK(c.client_id == "c1");
  REQUIRE(c.will.has_value());
  CHECK(c.will->topic == "w/t");
  CHECK(c.will->payload == "bye");
  CHECK(c.will->qos == 1);
  CHECK(c.will->retain);
  CHECK_FALSE(c.username.has_value());
  CHECK_FALSE(c.password.has_value());
}

TEST_CASE("CONNECT 3.1.1 minimal: empty client id is left to the broker") {
  const auto c = std::get<connect_packet>(
      round_trip(connect_v311_minimal, version::v3_1_1, from::client));
  CHECK_FALSE(c.clean_start);
  CHECK(c.keep_alive == 0);
  CHECK(c.client_id.empty());
}

TEST_CASE("CONNECT 5.0 with every CONNECT and will property") {
  const auto c = std::get<connect_packet>(
      round_trip(connect_v5_full, version::v5, from::client));
  CHECK(c.protocol_version == version::v5);
  CHECK(c.clean_start);
  CHECK(c.keep_alive == 30);
  CHECK(c.client_id == "cli");
  CHECK(c.props.session_expiry_interval == 120u);
  CHECK(c.props.authentication_method == "SCRM");
  CHECK(c.props.authentication_data == std::string("\x01\x02"));
  CHECK(c.props.request_problem_information == 0);
  CHECK(c.props.request_response_information == 1);
  CHECK(c.props.receive_maximum == 10);
  CHECK(c.props.topic_alias_maximum == 5);
  CHECK(c.props.maximum_packet_size == 4096u);
  REQUIRE(c.props.user_properties.size() == 1);
  CHECK(c.props.user_properties[0] == user_property{"k", "v"});
  REQUIRE(c.will.has_value());
  CHECK(c.will->qos == 2);
  CHECK(c.will->retain);
  CHECK(c.will->topic == "w/t");
  CHECK(c.will->payload == std::string("\x00\xFF", 2));
  CHECK(c.will->props.payload_format_indicator == 1);
  CHECK(c.will->props.message_expiry_interval == 60u);
  CHECK(c.will->props.content_type == "text");
  CHECK(c.will->props.response_topic == "r/t");
  CHECK(c.will->props.correlation_data == std::string("\xAB\xCD"));
  CHECK(c.will->props.will_delay_interval == 5u);
  CHECK(c.will->props.user_properties == std::vector<user_property>{{"a", "b"}});
  CHECK(c.username == "user");
  CHECK(c.password == std::string("\x00\x01\x02", 3));
}

TEST_CASE("CONNECT 5.0 allows a password without a user name") {
  const auto c = std::get<connect_packet>(
      round_trip(connect_v5_password_only, version::v5, from::client));
  CHECK_FALSE(c.username.has_value());
  CHECK(c.password == "pw");
  CHECK(c.client_id.empty());
}

TEST_CASE("CONNECT sets the server decoder's version") {
  for (const version v : {version::v3_1, version::v3_1_1, version::v5}) {
    decoder d(decoder::role::server);
    const bytes c = connect_bytes(v);
    REQUIRE(d.feed(c).status == decode_status::packet_ready);
    CHECK(std::get<connect_packet>(d.take()).protocol_version == v);
    CHECK(d.protocol_version() == v);
  }
}

TEST_CASE("CONNECT is encoded in the version passed to the encoder") {
  connect_packet c;  // protocol_version defaults to 3.1.1
  c.client_id = "x";
  c.props.session_expiry_interval = 5;
  const bytes b = encode_bytes(c, version::v5);
  CHECK(b[8] == 5);  // level byte
  const auto back = std::get<connect_packet>(decode_one(b, version::v5, from::client));
  CHECK(back.protocol_version == version::v5);
  CHECK(back.props.session_expiry_interval == 5u);
  // 3.x leaves properties out.
  const bytes b3 = encode_bytes(c, version::v3_1_1);
  CHECK(hex(b3) == hex(bytes{0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
                             0x00, 0x00, 0x00, 0x01, 'x'}));
}

TEST_CASE("CONNACK 3.1: first byte unused") {
  const auto c = std::get<connack_packet>(round_trip(connack_v31, version::v3_1, from::server));
  CHECK_FALSE(c.session_present);
  CHECK(static_cast<int>(c.reason) == 2);  // raw 3.x return code
  // 3.1 has no session present bit: the encoder never sets it.
  connack_packet sp;
  sp.session_present = true;
  CHECK(hex(encode_bytes(sp, version::v3_1)) == hex(bytes{0x20, 0x02, 0x00, 0x00}));
}

TEST_CASE("CONNACK 3.1.1") {
  const auto a = std::get<connack_packet>(
      round_trip(connack_v311_session, version::v3_1_1, from::server));
  CHECK(a.session_present);
  CHECK(a.reason == reason_code::success);
  const auto r = std::get<connack_packet>(
      round_trip(connack_v311_refused, version::v3_1_1, from::server));
  CHECK_FALSE(r.session_present);
  CHECK(static_cast<int>(r.reason) == 5);
  CHECK(to_connack_v3(r.reason) == connack_v3::not_authorized);
}

TEST_CASE("CONNACK 3.x encodes 5.0 reason codes as 3.x return codes") {
  connack_packet c;
  c.reason = reason_code::bad_user_name_or_password;
  CHECK(hex(encode_bytes(c, version::v3_1_1)) == hex(bytes{0x20, 0x02, 0x00, 0x04}));
  c.reason = reason_code::unsupported_protocol_version;
  CHECK(hex(encode_bytes(c, version::v3_1)) == hex(bytes{0x20, 0x02, 0x00, 0x01}));
  c.reason = reason_code::server_busy;
  c.props.reason_string = "dropped in 3.x";
  CHECK(hex(encode_bytes(c, version::v3_1_1)) == hex(bytes{0x20, 0x02, 0x00, 0x03}));
}

TEST_CASE("CONNACK 5.0") {
  const auto r = std::get<connack_packet>(
      round_trip(connack_v5_refused, version::v5, from::server));
  CHECK_FALSE(r.session_present);
  CHECK(r.reason == reason_code::not_authorized);
  CHECK(r.props.empty());

  const auto c = std::get<connack_packet>(round_trip(connack_v5_full, version::v5, from::server));
  CHECK(c.session_present);
  CHECK(c.reason == reason_code::success);
  const properties& p = c.props;
  CHECK(p.session_expiry_interval == 120u);
  CHECK(p.assigned_client_identifier == "abc");
  CHECK(p.server_keep_alive == 60);
  CHECK(p.authentication_method == "SCRM");
  CHECK(p.authentication_data == "\x09");
  CHECK(p.response_information == "ri");
  CHECK(p.server_reference == "sr");
  CHECK(p.reason_string == "ok");
  CHECK(p.receive_maximum == 20);
  CHECK(p.topic_alias_maximum == 10);
  CHECK(p.maximum_qos == 1);
  CHECK(p.retain_available == 0);
  CHECK(p.user_properties == std::vector<user_property>{{"k", "v"}});
  CHECK(p.maximum_packet_size == 65536u);
  CHECK(p.wildcard_subscription_available == 1);
  CHECK(p.subscription_identifier_available == 1);
  CHECK(p.shared_subscription_available == 0);
}

}  // namespace
}  // namespace pummelo::protocol::test
