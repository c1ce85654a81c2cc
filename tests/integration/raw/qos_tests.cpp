// QoS 1/2 state that must survive a reconnect (persistent 3.1.1 session),
// and inbound QoS 2 exactly-once handling of a DUP resend.
#include <doctest/doctest.h>

#include "raw_support.hpp"

namespace pummelo::test::raw {
namespace {

std::unique_ptr<raw_client> persistent_client(std::uint16_t port, const std::string& id,
                                              bool expect_session) {
  connect_options o;
  o.client_id = id;
  o.clean = false;
  connack_info ack;
  auto c = connect_client(port, o, &ack);
  CHECK(ack.session_present == expect_session);
  return c;
}

// Publishes one QoS 1/2 message from a raw 3.1.1 client and completes the
// publisher side of the flow.
void publish_acked(raw_client& c, const std::string& topic, const std::string& payload,
                   std::uint8_t qos, std::uint16_t id) {
  REQUIRE(c.send(make_publish(v311, pub(topic, payload, qos, id))));
  if (qos == 1) {
    CHECK(packet_id_of(expect_packet(c, ptype::puback)) == id);
    return;
  }
  CHECK(packet_id_of(expect_packet(c, ptype::pubrec)) == id);
  REQUIRE(c.send(make_ack(ptype::pubrel, id)));
  CHECK(packet_id_of(expect_packet(c, ptype::pubcomp)) == id);
}

}  // namespace

TEST_CASE("qos1: an unacknowledged PUBLISH is resent with DUP after reconnect") {
  auto broker = start_broker();
  auto sub = persistent_client(broker->port(), "q1-sub", false);
  subscribe(*sub, v311, "q1/t", 1);
  auto publisher = connect_v311(broker->port(), "q1-pub");
  publish_acked(*publisher, "q1/t", "first", 1, 11);

  const publish_info m = expect_publish(*sub, v311);
  CHECK(m.qos == 1);
  CHECK(!m.dup);
  CHECK(m.payload == "first");
  sub->close();  // no PUBACK, no DISCONNECT

  auto again = persistent_client(broker->port(), "q1-sub", true);
  const publish_info r = expect_publish(*again, v311);
  CHECK(r.dup);
  CHECK(r.qos == 1);
  CHECK(r.packet_id == m.packet_id);
  CHECK(r.topic == "q1/t");
  CHECK(r.payload == "first");
  REQUIRE(again->send(make_ack(ptype::puback, r.packet_id)));
  CHECK(again->read_packet(quiet_window).status == read_status::timeout);
}

TEST_CASE("qos2: an unacknowledged PUBLISH is resent with DUP after reconnect") {
  auto broker = start_broker();
  auto sub = persistent_client(broker->port(), "q2-sub", false);
  subscribe(*sub, v311, "q2/t", 2);
  auto publisher = connect_v311(broker->port(), "q2-pub");
  publish_acked(*publisher, "q2/t", "second", 2, 21);

  const publish_info m = expect_publish(*sub, v311);
  CHECK(m.qos == 2);
  CHECK(!m.dup);
  sub->close();  // no PUBREC

  auto again = persistent_client(broker->port(), "q2-sub", true);
  const publish_info r = expect_publish(*again, v311);
  CHECK(r.dup);
  CHECK(r.qos == 2);
  CHECK(r.packet_id == m.packet_id);
  CHECK(r.payload == "second");
  REQUIRE(again->send(make_ack(ptype::pubrec, r.packet_id)));
  const packet rel = expect_packet(*again, ptype::pubrel);
  CHECK(rel.flags == 0x02);
  CHECK(packet_id_of(rel) == r.packet_id);
  REQUIRE(again->send(make_ack(ptype::pubcomp, r.packet_id)));
  CHECK(again->read_packet(quiet_window).status == read_status::timeout);
}

TEST_CASE("qos2: PUBREL is resent after reconnect when PUBCOMP was missing") {
  auto broker = start_broker();
  auto sub = persistent_client(broker->port(), "q2r-sub", false);
  subscribe(*sub, v311, "q2r/t", 2);
  auto publisher = connect_v311(broker->port(), "q2r-pub");
  publish_acked(*publisher, "q2r/t", "third", 2, 31);

  const publish_info m = expect_publish(*sub, v311);
  REQUIRE(sub->send(make_ack(ptype::pubrec, m.packet_id)));
  CHECK(packet_id_of(expect_packet(*sub, ptype::pubrel)) == m.packet_id);
  sub->close();  // no PUBCOMP

  auto again = persistent_client(broker->port(), "q2r-sub", true);
  const packet rel = expect_packet(*again, ptype::pubrel);
  CHECK(rel.flags == 0x02);
  CHECK(packet_id_of(rel) == m.packet_id);
  REQUIRE(again->send(make_ack(ptype::pubcomp, m.packet_id)));
  // The message itself must not come again: it was already received.
  CHECK(again->read_packet(quiet_window).status == read_status::timeout);
}

TEST_CASE("qos2: a DUP resend before PUBREL is delivered exactly once") {
  auto broker = start_broker();
  auto sub = connect_v311(broker->port(), "eo-sub");
  subscribe(*sub, v311, "eo/t", 0);
  auto publisher = connect_v311(broker->port(), "eo-pub");

  publish_options o = pub("eo/t", "once", 2, 7);
  REQUIRE(publisher->send(make_publish(v311, o)));
  CHECK(packet_id_of(expect_packet(*publisher, ptype::pubrec)) == 7);
  o.dup = true;
  REQUIRE(publisher->send(make_publish(v311, o)));
  // The receiver must answer the duplicate with PUBREC again (4.3.3).
  CHECK(packet_id_of(expect_packet(*publisher, ptype::pubrec)) == 7);
  REQUIRE(publisher->send(make_ack(ptype::pubrel, 7)));
  CHECK(packet_id_of(expect_packet(*publisher, ptype::pubcomp)) == 7);

  CHECK(expect_publish(*sub, v311).payload == "once");
  CHECK(sub->read_packet(quiet_window).status == read_status::timeout);

  // After PUBCOMP the id is free again: the same id is a new message.
  REQUIRE(publisher->send(make_publish(v311, pub("eo/t", "new", 2, 7))));
  CHECK(packet_id_of(expect_packet(*publisher, ptype::pubrec)) == 7);
  REQUIRE(publisher->send(make_ack(ptype::pubrel, 7)));
  CHECK(packet_id_of(expect_packet(*publisher, ptype::pubcomp)) == 7);
  CHECK(expect_publish(*sub, v311).payload == "new");
  CHECK(sub->read_packet(quiet_window).status == read_status::timeout);
}

}  // namespace pummelo::test::raw
