// MQTT 5 limits the client announces (receive maximum, maximum packet size)
// and the topic alias limit the broker announces.
#include <doctest/doctest.h>

#include "raw_support.hpp"

namespace pummelo::test::raw {
namespace {

std::unique_ptr<raw_client> v5_client(std::uint16_t port, connect_options o, connack_info* ack = nullptr) {
  o.version = v5;
  return connect_client(port, o, ack);
}

}  // namespace

TEST_CASE("v5: receive maximum 2 caps unacknowledged QoS 1 deliveries") {
  auto broker = start_broker();
  connect_options o;
  o.client_id = "rm-sub";
  o.receive_maximum = 2;
  auto sub = v5_client(broker->port(), o);
  subscribe(*sub, v5, "rm/t", 1);

  auto publisher = connect_v311(broker->port(), "rm-pub");
  for (std::uint16_t id = 1; id <= 5; ++id) {
    REQUIRE(publisher->send(make_publish(v311, pub("rm/t", "m" + std::to_string(id), 1, id))));
    CHECK(packet_id_of(expect_packet(*publisher, ptype::puback)) == id);
  }

  std::vector<publish_info> got;
  got.push_back(expect_publish(*sub, v5));
  got.push_back(expect_publish(*sub, v5));
  CHECK(sub->read_packet(1000ms).status == read_status::timeout);

  REQUIRE(sub->send(make_ack(ptype::puback, got[0].packet_id)));
  got.push_back(expect_publish(*sub, v5));
  if (on_mosquitto()) {
    // Mosquitto 2.0.11 deviates from 4.9: each PUBACK releases two queued
    // messages, so three are unacknowledged at once here.
    got.push_back(expect_publish(*sub, v5));
  }
  CHECK(sub->read_packet(quiet_window).status == read_status::timeout);

  // Ack as they come; everything arrives once and in order.
  for (std::size_t acked = 1; got.size() < 5 || acked < got.size(); ++acked) {
    REQUIRE(acked < got.size());
    REQUIRE(sub->send(make_ack(ptype::puback, got[acked].packet_id)));
    if (got.size() < 5) got.push_back(expect_publish(*sub, v5));
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].payload == "m" + std::to_string(i + 1));
    CHECK(!got[i].dup);
  }
  CHECK(sub->read_packet(quiet_window).status == read_status::timeout);
}

TEST_CASE("v5: messages over the client's maximum packet size are not sent to it") {
  auto broker = start_broker();
  connect_options o;
  o.client_id = "mp-sub";
  o.maximum_packet_size = 100;
  auto sub = v5_client(broker->port(), o);
  subscribe(*sub, v5, "mp/t", 0);

  auto publisher = connect_v311(broker->port(), "mp-pub");
  REQUIRE(publisher->send(make_publish(v311, pub("mp/t", std::string(500, 'L')))));
  REQUIRE(publisher->send(make_publish(v311, pub("mp/t", std::string(20, 's')))));
  const publish_info m = expect_publish(*sub, v5);
  CHECK(m.payload == std::string(20, 's'));
  CHECK(sub->read_packet(quiet_window).status == read_status::timeout);
  // Dropping the big one must not have cost the subscriber its connection.
  REQUIRE(sub->send(make_pingreq()));
  expect_packet(*sub, ptype::pingresp);
}

TEST_CASE("v5: topic aliases within the announced maximum work, others disconnect with 0x94") {
  auto broker = start_broker();
  bystander other(broker->port());
  auto receiver = connect_v311(broker->port(), "alias-receiver");
  subscribe(*receiver, v311, "alias/#", 0);

  connect_options o;
  o.client_id = "alias-sender";
  connack_info ack;
  auto c = v5_client(broker->port(), o, &ack);
  const property* max_prop = find_property(ack.props, 0x22);
  const std::uint32_t max_alias = max_prop == nullptr ? 0 : max_prop->number;
  MESSAGE("broker topic_alias_maximum: ", max_alias);

  if (max_alias > 0) {
    // Set alias 1, then publish by alias alone (empty topic name).
    publish_options set = pub("alias/t", "by-name");
    set.topic_alias = 1;
    REQUIRE(c->send(make_publish(v5, set)));
    publish_options use = pub("", "by-alias");
    use.topic_alias = 1;
    REQUIRE(c->send(make_publish(v5, use)));
    CHECK(expect_publish(*receiver, v311).payload == "by-name");
    const publish_info m = expect_publish(*receiver, v311);
    CHECK(m.topic == "alias/t");
    CHECK(m.payload == "by-alias");
  }

  if (max_alias < 0xFFFF) {
    publish_options over = pub("alias/t", "x");
    over.topic_alias = static_cast<std::uint16_t>(max_alias + 1);
    REQUIRE(c->send(make_publish(v5, over)));
    const close_outcome out = expect_closed(*c);
    REQUIRE(out.before.size() == 1);
    CHECK(out.before[0].type == ptype::disconnect);
    CHECK(disconnect_reason(out.before[0]) == 0x94);
  }
  other.check_still_works();

  // Alias 0 is forbidden outright (3.3.2.3.4). Mosquitto calls it malformed
  // (0x81); 0x94 or 0x82 are equally defensible.
  auto zero = v5_client(broker->port(), o);
  publish_options bad = pub("alias/t", "x");
  bad.topic_alias = 0;
  REQUIRE(zero->send(make_publish(v5, bad)));
  const close_outcome out = expect_closed(*zero);
  REQUIRE(out.before.size() == 1);
  if (on_mosquitto()) {
    CHECK(disconnect_reason(out.before[0]) == 0x81);
  } else {
    check_v5_goodbye(out, {0x94, 0x82, 0x81});
  }
  other.check_still_works();
  CHECK(receiver->read_packet(quiet_window).status == read_status::timeout);
}

}  // namespace pummelo::test::raw
