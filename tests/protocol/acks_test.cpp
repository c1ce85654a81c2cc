// PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, PINGRESP, DISCONNECT and AUTH.
#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

// 3.x acks: the packet id and nothing else. PUBREL's flags are 0b0010.
PUMMELO_VECTOR(puback_v31, version::v3_1, from::either, {
  0x40, 0x02,  // PUBACK, remaining length 2
  0x00, 0x01,  // packet id 1
});
PUMMELO_VECTOR(pubrec_v31, version::v3_1, from::either, {
  0x50, 0x02,  // PUBREC, remaining length 2
  0x00, 0x02,  // packet id 2
});
PUMMELO_VECTOR(pubrel_v31, version::v3_1, from::either, {
  0x62, 0x02,  // PUBREL (flags 0010), remaining length 2
  0x00, 0x03,  // packet id 3
});
PUMMELO_VECTOR(pubcomp_v31, version::v3_1, from::either, {
  0x70, 0x02,  // PUBCOMP, remaining length 2
  0x00, 0x04,  // packet id 4
});
PUMMELO_VECTOR(puback_v311, version::v3_1_1, from::either, {
  0x40, 0x02,  // PUBACK, remaining length 2
  0xFF, 0xFF,  // packet id 65535
});
PUMMELO_VECTOR(pubrec_v311, version::v3_1_1, from::either, {
  0x50, 0x02,  // PUBREC, remaining length 2
  0x01, 0x00,  // packet id 256
});
PUMMELO_VECTOR(pubrel_v311, version::v3_1_1, from::either, {
  0x62, 0x02,  // PUBREL (flags 0010), remaining length 2
  0x01, 0x00,  // packet id 256
});
PUMMELO_VECTOR(pubcomp_v311, version::v3_1_1, from::either, {
  0x70, 0x02,  // PUBCOMP, remaining length 2
  0x01, 0x00,  // packet id 256
});

// 5.0 acks: short form (success, no properties), reason only, full.
PUMMELO_VECTOR(puback_v5_short, version::v5, from::either, {
  0x40, 0x02,  // PUBACK, remaining length 2: success, no properties
  0x00, 0x05,  // packet id 5
});
PUMMELO_VECTOR(pubrec_v5_reason, version::v5, from::either, {
  0x50, 0x03,  // PUBREC, remaining length 3: no property length
  0x00, 0x06,  // packet id 6
  0x10,        // reason: no matching subscribers
});
PUMMELO_VECTOR(pubrel_v5_reason, version::v5, from::either, {
  0x62, 0x03,  // PUBREL, remaining length 3
  0x00, 0x07,  // packet id 7
  0x92,        // reason: packet identifier not found
});
PUMMELO_VECTOR(pubcomp_v5_full, version::v5, from::either, {
  0x70, 0x11,                          // PUBCOMP, remaining length 17
  0x00, 0x08,                          // packet id 8
  0x92,                                // reason: packet identifier not found
  0x0D,                                // property length 13
  0x1F, 0x00, 0x03, 'b', 'a', 'd',     //   reason string "bad"
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
});
PUMMELO_VECTOR(puback_v5_full, version::v5, from::either, {
  0x40, 0x0A,                          // PUBACK, remaining length 10
  0x00, 0x09,                          // packet id 9
  0x00,                                // reason: success
  0x06,                                // property length 6
  0x1F, 0x00, 0x03, 'y', 'e', 's',     //   reason string "yes"
});
// Longer forms than needed: accepted, re-encoded in the short form.
PUMMELO_NONCANONICAL_VECTOR(puback_v5_success_reason, version::v5, from::either, {
  0x40, 0x03,  // PUBACK, remaining length 3
  0x00, 0x05,  // packet id 5
  0x00,        // reason: success (could have been left out)
});
PUMMELO_NONCANONICAL_VECTOR(pubrec_v5_empty_properties, version::v5, from::either, {
  0x50, 0x04,  // PUBREC, remaining length 4
  0x00, 0x06,  // packet id 6
  0x10,        // reason: no matching subscribers
  0x00,        // property length 0 (could have been left out)
});

PUMMELO_VECTOR(pingreq_v31, version::v3_1, from::client, {0xC0, 0x00});     // PINGREQ
PUMMELO_VECTOR(pingreq_v311, version::v3_1_1, from::client, {0xC0, 0x00});  // PINGREQ
PUMMELO_VECTOR(pingreq_v5, version::v5, from::client, {0xC0, 0x00});        // PINGREQ
PUMMELO_VECTOR(pingresp_v31, version::v3_1, from::server, {0xD0, 0x00});    // PINGRESP
PUMMELO_VECTOR(pingresp_v311, version::v3_1_1, from::server, {0xD0, 0x00}); // PINGRESP
PUMMELO_VECTOR(pingresp_v5, version::v5, from::server, {0xD0, 0x00});       // PINGRESP

PUMMELO_VECTOR(disconnect_v31, version::v3_1, from::client, {0xE0, 0x00});    // DISCONNECT
PUMMELO_VECTOR(disconnect_v311, version::v3_1_1, from::client, {0xE0, 0x00}); // DISCONNECT
PUMMELO_VECTOR(disconnect_v5_short, version::v5, from::either, {
  0xE0, 0x00,  // DISCONNECT, remaining length 0: normal disconnection
});
PUMMELO_VECTOR(disconnect_v5_reason, version::v5, from::either, {
  0xE0, 0x01,  // DISCONNECT, remaining length 1
  0x04,        // reason: disconnect with will message; no property length
});
PUMMELO_VECTOR(disconnect_v5_full, version::v5, from::server, {
  0xE0, 0x19,                          // DISCONNECT, remaining length 25
  0x8B,                                // reason: server shutting down
  0x17,                                // property length 23
  0x11, 0x00, 0x00, 0x00, 0x00,        //   session expiry interval 0
  0x1C, 0x00, 0x02, 's', '2',          //   server reference "s2"
  0x1F, 0x00, 0x03, 'b', 'y', 'e',     //   reason string "bye"
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
});
PUMMELO_NONCANONICAL_VECTOR(disconnect_v5_success_empty_props, version::v5, from::either, {
  0xE0, 0x02,  // DISCONNECT, remaining length 2
  0x00,        // reason: normal disconnection
  0x00,        // property length 0
});

PUMMELO_VECTOR(auth_v5_short, version::v5, from::either, {
  0xF0, 0x00,  // AUTH, remaining length 0: success
});
PUMMELO_VECTOR(auth_v5_full, version::v5, from::either, {
  0xF0, 0x1A,                          // AUTH, remaining length 26
  0x18,                                // reason: continue authentication
  0x18,                                // property length 24
  0x15, 0x00, 0x04, 'S', 'C', 'R', 'M', //   authentication method "SCRM"
  0x16, 0x00, 0x03, 0x01, 0x02, 0x03,  //   authentication data 01 02 03
  0x1F, 0x00, 0x01, 'r',               //   reason string "r"
  0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', //   user property k=v
});
PUMMELO_VECTOR(auth_v5_reason, version::v5, from::either, {
  0xF0, 0x02,  // AUTH, remaining length 2
  0x19,        // reason: re-authenticate
  0x00,        // property length 0 (AUTH always carries it with a reason)
});
PUMMELO_NONCANONICAL_VECTOR(auth_v5_reason_only, version::v5, from::either, {
  0xF0, 0x01,  // AUTH, remaining length 1
  0x19,        // reason: re-authenticate, no property length
});

template <class Ack>
void check_ack(const bytes& b, version v, std::uint16_t id, reason_code rc) {
  for (const from sender : {from::client, from::server}) {
    const auto a = std::get<Ack>(round_trip(b, v, sender));
    CHECK(a.packet_id == id);
    CHECK(a.reason == rc);
    CHECK(a.props.empty());
  }
}

TEST_CASE("3.x acknowledgements") {
  check_ack<puback_packet>(puback_v31, version::v3_1, 1, reason_code::success);
  check_ack<pubrec_packet>(pubrec_v31, version::v3_1, 2, reason_code::success);
  check_ack<pubrel_packet>(pubrel_v31, version::v3_1, 3, reason_code::success);
  check_ack<pubcomp_packet>(pubcomp_v31, version::v3_1, 4, reason_code::success);
  check_ack<puback_packet>(puback_v311, version::v3_1_1, 65535, reason_code::success);
  check_ack<pubrec_packet>(pubrec_v311, version::v3_1_1, 256, reason_code::success);
  check_ack<pubrel_packet>(pubrel_v311, version::v3_1_1, 256, reason_code::success);
  check_ack<pubcomp_packet>(pubcomp_v311, version::v3_1_1, 256, reason_code::success);
}

TEST_CASE("5.0 acknowledgements, short and full forms") {
  check_ack<puback_packet>(puback_v5_short, version::v5, 5, reason_code::success);
  check_ack<pubrec_packet>(pubrec_v5_reason, version::v5, 6, reason_code::no_matching_subscribers);
  check_ack<pubrel_packet>(pubrel_v5_reason, version::v5, 7,
                           reason_code::packet_identifier_not_found);

  const auto c = std::get<pubcomp_packet>(round_trip(pubcomp_v5_full, version::v5, from::client));
  CHECK(c.packet_id == 8);
  CHECK(c.reason == reason_code::packet_identifier_not_found);
  CHECK(c.props.reason_string == "bad");
  CHECK(c.props.user_properties == std::vector<user_property>{{"k", "v"}});

  const auto a = std::get<puback_packet>(round_trip(puback_v5_full, version::v5, from::server));
  CHECK(a.packet_id == 9);
  CHECK(a.reason == reason_code::success);
  CHECK(a.props.reason_string == "yes");
}

TEST_CASE("5.0 acknowledgements in longer forms are re-encoded short") {
  const auto a = std::get<puback_packet>(
      decode_one(puback_v5_success_reason, version::v5, from::client));
  CHECK(a.packet_id == 5);
  CHECK(a.reason == reason_code::success);
  CHECK(hex(encode_bytes(a, version::v5)) == hex(puback_v5_short));

  const auto r = std::get<pubrec_packet>(
      decode_one(pubrec_v5_empty_properties, version::v5, from::client));
  CHECK(r.reason == reason_code::no_matching_subscribers);
  CHECK(hex(encode_bytes(r, version::v5)) == hex(pubrec_v5_reason));
}

TEST_CASE("3.x acknowledgements leave the 5.0 fields out") {
  pubrec_packet p;
  p.packet_id = 2;
  p.reason = reason_code::quota_exceeded;
  p.props.reason_string = "full";
  CHECK(hex(encode_bytes(p, version::v3_1_1)) == hex(bytes{0x50, 0x02, 0x00, 0x02}));
}

TEST_CASE("PINGREQ and PINGRESP") {
  for (const auto* b : {&pingreq_v31, &pingreq_v311, &pingreq_v5}) {
    const version v = b == &pingreq_v31 ? version::v3_1
                      : b == &pingreq_v311 ? version::v3_1_1 : version::v5;
    CHECK(std::holds_alternative<pingreq_packet>(round_trip(*b, v, from::client)));
  }
  for (const auto* b : {&pingresp_v31, &pingresp_v311, &pingresp_v5}) {
    const version v = b == &pingresp_v31 ? version::v3_1
                      : b == &pingresp_v311 ? version::v3_1_1 : version::v5;
    CHECK(std::holds_alternative<pingresp_packet>(round_trip(*b, v, from::server)));
  }
}

TEST_CASE("DISCONNECT") {
  CHECK(std::get<disconnect_packet>(round_trip(disconnect_v31, version::v3_1, from::client))
            .reason == reason_code::success);
  CHECK(std::get<disconnect_packet>(round_trip(disconnect_v311, version::v3_1_1, from::client))
            .reason == reason_code::success);
  CHECK(std::get<disconnect_packet>(round_trip(disconnect_v5_short, version::v5, from::client))
            .reason == reason_code::success);

  const auto r = std::get<disconnect_packet>(
      round_trip(disconnect_v5_reason, version::v5, from::client));
  CHECK(r.reason == reason_code::disconnect_with_will_message);
  CHECK(r.props.empty());

  const auto f = std::get<disconnect_packet>(
      round_trip(disconnect_v5_full, version::v5, from::server));
  CHECK(f.reason == reason_code::server_shutting_down);
  CHECK(f.props.session_expiry_interval == 0u);
  CHECK(f.props.server_reference == "s2");
  CHECK(f.props.reason_string == "bye");
  CHECK(f.props.user_properties == std::vector<user_property>{{"k", "v"}});

  const auto e = std::get<disconnect_packet>(
      decode_one(disconnect_v5_success_empty_props, version::v5, from::client));
  CHECK(e.reason == reason_code::success);
  CHECK(hex(encode_bytes(e, version::v5)) == hex(disconnect_v5_short));

  // 3.x DISCONNECT has no reason code.
  disconnect_packet d;
  d.reason = reason_code::server_busy;
  CHECK(hex(encode_bytes(d, version::v3_1_1)) == hex(bytes{0xE0, 0x00}));
}

TEST_CASE("AUTH") {
  CHECK(std::get<auth_packet>(round_trip(auth_v5_short, version::v5, from::client)).reason ==
        reason_code::success);
  const auto a = std::get<auth_packet>(round_trip(auth_v5_full, version::v5, from::server));
  CHECK(a.reason == reason_code::continue_authentication);
  CHECK(a.props.authentication_method == "SCRM");
  CHECK(a.props.authentication_data == "\x01\x02\x03");
  CHECK(a.props.reason_string == "r");
  CHECK(a.props.user_properties == std::vector<user_property>{{"k", "v"}});

  CHECK(std::get<auth_packet>(round_trip(auth_v5_reason, version::v5, from::client)).reason ==
        reason_code::re_authenticate);
  const auto r = std::get<auth_packet>(decode_one(auth_v5_reason_only, version::v5, from::client));
  CHECK(r.reason == reason_code::re_authenticate);
  CHECK(hex(encode_bytes(r, version::v5)) == hex(auth_v5_reason));
}

}  // namespace
}  // namespace pummelo::protocol::test
