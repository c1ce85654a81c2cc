// Wildcards where they are not allowed: in a PUBLISH topic name, or placed
// wrongly in a SUBSCRIBE filter.
#include <doctest/doctest.h>

#include "raw_support.hpp"

namespace pummelo::test::raw {
namespace {

std::unique_ptr<raw_client> offender(std::uint16_t port, std::uint8_t version) {
  connect_options o;
  o.version = version;
  o.client_id = "topic-offender";
  return connect_client(port, o);
}

const std::vector<std::string> bad_topic_names = {"a/+/b", "a/#", "+", ""};
const std::vector<std::string> bad_filters = {"a/#/b", "a+", "#a", "a/b#"};

}  // namespace

TEST_CASE("topics: 3.1.1 PUBLISH to a wildcard or empty topic name is closed") {
  auto broker = start_broker();
  bystander other(broker->port());
  for (const auto& topic : bad_topic_names) {
    CAPTURE(topic);
    auto c = offender(broker->port(), v311);
    REQUIRE(c->send(make_publish(v311, pub(topic, "x"))));
    CHECK(expect_closed(*c).before.empty());
    other.check_still_works();
  }
}

TEST_CASE("topics: v5 PUBLISH to a wildcard or empty topic name is closed") {
  auto broker = start_broker();
  bystander other(broker->port());
  for (const auto& topic : bad_topic_names) {
    CAPTURE(topic);
    auto c = offender(broker->port(), v5);
    REQUIRE(c->send(make_publish(v5, pub(topic, "x"))));
    // Mosquitto says 0x82 (protocol error); 0x90 (topic name invalid) and
    // 0x81 are what a spec-following broker may pick as well.
    check_v5_goodbye(expect_closed(*c), {0x81, 0x82, 0x90});
    other.check_still_works();
  }
}

TEST_CASE("topics: 3.1.1 SUBSCRIBE with an invalid filter is closed") {
  auto broker = start_broker();
  bystander other(broker->port());
  for (const auto& filter : bad_filters) {
    CAPTURE(filter);
    auto c = offender(broker->port(), v311);
    REQUIRE(c->send(make_subscribe(v311, 1, {{filter, 0}})));
    // 3.1.1 SUBACK 0x80 would be "failure", not "malformed": closing is
    // what the spec (4.7.1) demands for a filter that breaks the rules.
    CHECK(expect_closed(*c).before.empty());
    other.check_still_works();
  }
}

TEST_CASE("topics: v5 SUBSCRIBE with an invalid filter") {
  auto broker = start_broker();
  bystander other(broker->port());
  for (const auto& filter : bad_filters) {
    CAPTURE(filter);
    auto c = offender(broker->port(), v5);
    REQUIRE(c->send(make_subscribe(v5, 1, {{filter, 0}})));
    const packet p = c->read_packet(reply_timeout);
    INFO("first reply: ", describe(p));
    if (on_mosquitto()) {
      // Mosquitto 2.0 treats it as malformed: DISCONNECT 0x81, then close.
      REQUIRE(p.status == read_status::packet);
      CHECK(p.type == ptype::disconnect);
      CHECK(disconnect_reason(p) == 0x81);
      CHECK(expect_closed(*c).before.empty());
    } else if (p.status == read_status::packet && p.type == ptype::suback) {
      // v5 also allows refusing just that filter: SUBACK 0x8F and carry on.
      CHECK(p.body.back() == 0x8F);
      REQUIRE(c->send(make_pingreq()));
      expect_packet(*c, ptype::pingresp);
    } else {
      close_outcome out = expect_closed(*c);
      if (p.status == read_status::packet) out.before.insert(out.before.begin(), p);
      check_v5_goodbye(out, {0x81, 0x82, 0x8F});
    }
    other.check_still_works();
  }
}

TEST_CASE("limits: a packet over max_packet_size is closed, one just under passes") {
  broker_settings s;
  s.max_packet_size = 1024;
  auto broker = start_broker(s);
  bystander other(broker->port());
  auto receiver = connect_v311(broker->port(), "size-receiver");
  subscribe(*receiver, v311, "size/#", 0);

  for (const std::uint8_t version : {v311, v5}) {
    CAPTURE(int{version});
    connect_options o;
    o.version = version;
    o.client_id = "size-sender";
    auto c = connect_client(broker->port(), o);
    // Just under: the whole packet is 1000 bytes, fixed header included.
    publish_options fits = pub("size/ok", "");
    fits.payload.assign(1000 - make_publish(version, fits).size() - 1, 'f');  // -1: 2-byte length
    const bytes small = make_publish(version, fits);
    REQUIRE(small.size() == 1000);
    REQUIRE(c->send(small));
    const publish_info got = expect_publish(*receiver, v311);
    CHECK(got.topic == "size/ok");
    CHECK(got.payload.size() == fits.payload.size());

    REQUIRE(c->send(make_publish(version, pub("size/big", std::string(2000, 'b')))));
    const close_outcome out = expect_closed(*c);
    if (version == v311) {
      CHECK(out.before.empty());
    } else {
      check_v5_goodbye(out, {0x95});  // Mosquitto sends DISCONNECT 0x95
    }
    CHECK(receiver->read_packet(quiet_window).status == read_status::timeout);
    other.check_still_works();
  }
}

}  // namespace pummelo::test::raw
