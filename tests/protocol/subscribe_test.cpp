// SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK in every version.
#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

PUMMELO_VECTOR(subscribe_v31, version::v3_1, from::client, {
  0x82, 0x08,                  // SUBSCRIBE (flags 0010), remaining length 8
  0x00, 0x01,                  // packet id 1
  0x00, 0x03, 'a', '/', 'b',   // filter "a/b"
  0x01,                        // requested QoS 1
});

PUMMELO_VECTOR(subscribe_v311, version::v3_1_1, from::client, {
  0x82, 0x19,                  // SUBSCRIBE, remaining length 25
  0x00, 0x02,                  // packet id 2
  0x00, 0x03, 'a', '/', '+',   // filter "a/+"
  0x00,                        //   QoS 0
  0x00, 0x01, '#',             // filter "#"
  0x02,                        //   QoS 2
  0x00, 0x0A, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'x',
                               // filter "$share/g/x"
  0x01,                        //   QoS 1
});

PUMMELO_VECTOR(subscribe_v5, version::v5, from::client, {
  0x82, 0x16,                  // SUBSCRIBE, remaining length 22
  0x00, 0x03,                  // packet id 3
  0x09,                        // property length 9
  0x0B, 0x7F,                  //   subscription identifier 127
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
  0x00, 0x03, 'a', '/', 'b',   // filter "a/b"
  0x2D,                        //   retain handling 2, retain as published, no local, QoS 1
  0x00, 0x01, 'c',             // filter "c"
  0x10,                        //   retain handling 1, QoS 0
});

PUMMELO_VECTOR(suback_v31, version::v3_1, from::server, {
  0x90, 0x03,  // SUBACK, remaining length 3
  0x00, 0x01,  // packet id 1
  0x01,        // granted QoS 1
});

PUMMELO_VECTOR(suback_v311, version::v3_1_1, from::server, {
  0x90, 0x06,  // SUBACK, remaining length 6
  0x00, 0x02,  // packet id 2
  0x00,        // granted QoS 0
  0x01,        // granted QoS 1
  0x02,        // granted QoS 2
  0x80,        // failure
});

PUMMELO_VECTOR(suback_v5, version::v5, from::server, {
  0x90, 0x13,                  // SUBACK, remaining length 19
  0x00, 0x03,                  // packet id 3
  0x0C,                        // property length 12
  0x1F, 0x00, 0x02, 'n', 'o',  //   reason string "no"
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
  0x01,                        // granted QoS 1
  0x00,                        // granted QoS 0
  0x97,                        // quota exceeded
  0xA2,                        // wildcard subscriptions not supported
});

PUMMELO_VECTOR(suback_v5_minimal, version::v5, from::server, {
  0x90, 0x04,  // SUBACK, remaining length 4
  0x00, 0x01,  // packet id 1
  0x00,        // property length 0
  0x02,        // granted QoS 2
});

PUMMELO_VECTOR(unsubscribe_v31, version::v3_1, from::client, {
  0xA2, 0x07,                  // UNSUBSCRIBE (flags 0010), remaining length 7
  0x00, 0x01,                  // packet id 1
  0x00, 0x03, 'a', '/', 'b',   // filter "a/b"
});

PUMMELO_VECTOR(unsubscribe_v311, version::v3_1_1, from::client, {
  0xA2, 0x0A,                  // UNSUBSCRIBE, remaining length 10
  0x00, 0x02,                  // packet id 2
  0x00, 0x03, 'a', '/', '+',   // filter "a/+"
  0x00, 0x01, '#',             // filter "#"
});

PUMMELO_VECTOR(unsubscribe_v5, version::v5, from::client, {
  0xA2, 0x0F,                  // UNSUBSCRIBE, remaining length 15
  0x00, 0x03,                  // packet id 3
  0x07,                        // property length 7
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
  0x00, 0x03, 'a', '/', 'b',   // filter "a/b"
});

PUMMELO_VECTOR(unsuback_v31, version::v3_1, from::server, {
  0xB0, 0x02,  // UNSUBACK, remaining length 2
  0x00, 0x01,  // packet id 1; no payload in 3.x
});

PUMMELO_VECTOR(unsuback_v311, version::v3_1_1, from::server, {
  0xB0, 0x02,  // UNSUBACK, remaining length 2
  0x00, 0x02,  // packet id 2
});

PUMMELO_VECTOR(unsuback_v5, version::v5, from::server, {
  0xB0, 0x0A,                  // UNSUBACK, remaining length 10
  0x00, 0x03,                  // packet id 3
  0x05,                        // property length 5
  0x1F, 0x00, 0x02, 'o', 'k',  //   reason string "ok"
  0x00,                        // success
  0x11,                        // no subscription existed
});

PUMMELO_VECTOR(unsuback_v5_minimal, version::v5, from::server, {
  0xB0, 0x04,  // UNSUBACK, remaining length 4
  0x00, 0x01,  // packet id 1
  0x00,        // property length 0
  0x00,        // success
});

TEST_CASE("SUBSCRIBE 3.1") {
  const auto s = std::get<subscribe_packet>(round_trip(subscribe_v31, version::v3_1, from::client));
  CHECK(s.packet_id == 1);
  REQUIRE(s.entries.size() == 1);
  CHECK(s.entries[0] == subscribe_entry{"a/b", 1, false, false, 0});
}

TEST_CASE("SUBSCRIBE 3.1.1 with several filters") {
  const auto s = std::get<subscribe_packet>(
      round_trip(subscribe_v311, version::v3_1_1, from::client));
  CHECK(s.packet_id == 2);
  REQUIRE(s.entries.size() == 3);
  CHECK(s.entries[0] == subscribe_entry{"a/+", 0, false, false, 0});
  CHECK(s.entries[1] == subscribe_entry{"#", 2, false, false, 0});
  CHECK(s.entries[2] == subscribe_entry{"$share/g/x", 1, false, false, 0});
  CHECK(s.props.empty());
}

TEST_CASE("SUBSCRIBE 5.0 with options and properties") {
  const auto s = std::get<subscribe_packet>(round_trip(subscribe_v5, version::v5, from::client));
  CHECK(s.packet_id == 3);
  CHECK(s.props.subscription_identifiers == std::vector<std::uint32_t>{127});
  CHECK(s.props.user_properties == std::vector<user_property>{{"k", "v"}});
  REQUIRE(s.entries.size() == 2);
  CHECK(s.entries[0] == subscribe_entry{"a/b", 1, true, true, 2});
  CHECK(s.entries[1] == subscribe_entry{"c", 0, false, false, 1});
}

TEST_CASE("SUBSCRIBE 3.x leaves out the 5.0 options and properties") {
  subscribe_packet s;
  s.packet_id = 1;
  s.props.subscription_identifiers = {4};
  s.entries = {{"t", 2, true, true, 2}};
  CHECK(hex(encode_bytes(s, version::v3_1_1)) ==
        hex(bytes{0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x02}));
}

TEST_CASE("SUBACK") {
  const auto a = std::get<suback_packet>(round_trip(suback_v31, version::v3_1, from::server));
  CHECK(a.packet_id == 1);
  CHECK(a.reasons == std::vector<reason_code>{reason_code::granted_qos_1});

  const auto b = std::get<suback_packet>(round_trip(suback_v311, version::v3_1_1, from::server));
  CHECK(b.packet_id == 2);
  CHECK(b.reasons == std::vector<reason_code>{reason_code::success, reason_code::granted_qos_1,
                                              reason_code::granted_qos_2,
                                              reason_code::unspecified_error});

  const auto c = std::get<suback_packet>(round_trip(suback_v5, version::v5, from::server));
  CHECK(c.packet_id == 3);
  CHECK(c.props.reason_string == "no");
  CHECK(c.props.user_properties == std::vector<user_property>{{"k", "v"}});
  CHECK(c.reasons == std::vector<reason_code>{reason_code::granted_qos_1, reason_code::success,
                                              reason_code::quota_exceeded,
                                              reason_code::wildcard_subscriptions_not_supported});

  const auto d = std::get<suback_packet>(round_trip(suback_v5_minimal, version::v5, from::server));
  CHECK(d.reasons == std::vector<reason_code>{reason_code::granted_qos_2});
}

TEST_CASE("SUBACK 3.x maps every 5.0 failure to 0x80") {
  suback_packet s;
  s.packet_id = 9;
  s.reasons = {reason_code::granted_qos_2, reason_code::not_authorized,
               reason_code::topic_filter_invalid, reason_code::success};
  s.props.reason_string = "dropped";
  CHECK(hex(encode_bytes(s, version::v3_1_1)) ==
        hex(bytes{0x90, 0x06, 0x00, 0x09, 0x02, 0x80, 0x80, 0x00}));
  CHECK(hex(encode_bytes(s, version::v3_1)) ==
        hex(bytes{0x90, 0x06, 0x00, 0x09, 0x02, 0x80, 0x80, 0x00}));
}

TEST_CASE("UNSUBSCRIBE") {
  const auto a = std::get<unsubscribe_packet>(
      round_trip(unsubscribe_v31, version::v3_1, from::client));
  CHECK(a.packet_id == 1);
  CHECK(a.filters == std::vector<std::string>{"a/b"});
  const auto b = std::get<unsubscribe_packet>(
      round_trip(unsubscribe_v311, version::v3_1_1, from::client));
  CHECK(b.packet_id == 2);
  CHECK(b.filters == std::vector<std::string>{"a/+", "#"});
  const auto c = std::get<unsubscribe_packet>(
      round_trip(unsubscribe_v5, version::v5, from::client));
  CHECK(c.packet_id == 3);
  CHECK(c.props.user_properties == std::vector<user_property>{{"k", "v"}});
  CHECK(c.filters == std::vector<std::string>{"a/b"});
}

TEST_CASE("UNSUBACK") {
  const auto a = std::get<unsuback_packet>(round_trip(unsuback_v31, version::v3_1, from::server));
  CHECK(a.packet_id == 1);
  CHECK(a.reasons.empty());
  const auto b = std::get<unsuback_packet>(
      round_trip(unsuback_v311, version::v3_1_1, from::server));
  CHECK(b.packet_id == 2);
  const auto c = std::get<unsuback_packet>(round_trip(unsuback_v5, version::v5, from::server));
  CHECK(c.packet_id == 3);
  CHECK(c.props.reason_string == "ok");
  CHECK(c.reasons ==
        std::vector<reason_code>{reason_code::success, reason_code::no_subscription_existed});
  const auto d = std::get<unsuback_packet>(
      round_trip(unsuback_v5_minimal, version::v5, from::server));
  CHECK(d.reasons == std::vector<reason_code>{reason_code::success});

  // 3.x UNSUBACK has no payload: reasons and properties are left out.
  CHECK(hex(encode_bytes(c, version::v3_1_1)) == hex(bytes{0xB0, 0x02, 0x00, 0x03}));
}

}  // namespace
}  // namespace pummelo::protocol::test
