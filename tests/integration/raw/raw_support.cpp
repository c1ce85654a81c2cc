#include "raw_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

namespace pummelo::test::raw {

std::unique_ptr<broker_process> start_broker(const broker_settings& s) {
  return std::make_unique<broker_process>(kind_from_env(), s);
}

bool on_mosquitto() { return kind_from_env() == broker_kind::mosquitto; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::unique_ptr<raw_client> connect_client(std::uint16_t port, const connect_options& o,
                                           connack_info* ack, int rcvbuf_bytes) {
  auto c = std::make_unique<raw_client>(port, rcvbuf_bytes);
  REQUIRE(c->send(make_connect(o)));
  const packet p = c->read_packet(reply_timeout);
  INFO("CONNACK expected, got ", describe(p));
  const connack_info info = parse_connack(o.version, p);
  REQUIRE(info.well_formed);
  REQUIRE(info.code == 0);
  if (ack != nullptr) *ack = info;
  return c;
}

std::unique_ptr<raw_client> connect_v311(std::uint16_t port, const std::string& client_id) {
  connect_options o;
  o.client_id = client_id;
  return connect_client(port, o);
}

void subscribe(raw_client& c, std::uint8_t version, const std::string& filter, std::uint8_t qos,
               std::uint16_t packet_id) {
  REQUIRE(c.send(make_subscribe(version, packet_id, {{filter, qos}})));
  const packet p = expect_packet(c, ptype::suback);
  REQUIRE(packet_id_of(p) == packet_id);
  REQUIRE(!p.body.empty());
  CHECK(p.body.back() == qos);
}

publish_info expect_publish(raw_client& c, std::uint8_t version, milliseconds timeout) {
  const packet p = c.read_packet(timeout);
  INFO("PUBLISH expected, got ", describe(p));
  REQUIRE(p.status == read_status::packet);
  REQUIRE(p.type == ptype::publish);
  publish_info m = parse_publish(version, p);
  REQUIRE(m.well_formed);
  return m;
}

packet expect_packet(raw_client& c, std::uint8_t type, milliseconds timeout) {
  packet p = c.read_packet(timeout);
  INFO("packet type ", int{type}, " expected, got ", describe(p));
  REQUIRE(p.status == read_status::packet);
  REQUIRE(p.type == type);
  return p;
}

close_outcome expect_closed(raw_client& c, milliseconds timeout) {
  close_outcome o;
  o.closed = c.wait_closed(timeout, &o.before);
  std::string seen;
  for (const auto& p : o.before) seen += describe(p) + "; ";
  INFO("packets before close: ", seen);
  CHECK(o.closed);
  // PUMMELO_RAW_VERBOSE=1 records every goodbye, to compare brokers.
  if (std::getenv("PUMMELO_RAW_VERBOSE") != nullptr) {
    const std::string state = o.closed ? "closed" : "still open";
    MESSAGE(state, " after: ", (seen.empty() ? std::string("nothing") : seen));
  }
  return o;
}

void check_v5_goodbye(const close_outcome& o, std::initializer_list<std::uint8_t> reasons) {
  CHECK(o.before.size() <= 1);
  for (const auto& p : o.before) {
    INFO("goodbye packet: ", describe(p));
    CHECK(p.type == ptype::disconnect);
    const std::uint8_t reason = disconnect_reason(p);
    bool listed = false;
    for (const auto r : reasons) listed = listed || r == reason;
    CHECK(listed);
  }
}

bystander::bystander(std::uint16_t port, std::string id)
    : client_(connect_v311(port, id)), topic_("bystander/" + id) {
  subscribe(*client_, v311, topic_, 1);
}

void bystander::check_still_works() {
  const std::uint16_t id = next_id_++;
  REQUIRE(client_->send(make_publish(v311, pub(topic_, "alive", 1, id))));
  // PUBACK and the echoed PUBLISH may come in either order.
  bool acked = false;
  bool echoed = false;
  while (!(acked && echoed)) {
    const packet p = client_->read_packet(reply_timeout);
    INFO("bystander got ", describe(p));
    REQUIRE(p.status == read_status::packet);
    if (p.type == ptype::puback && packet_id_of(p) == id) {
      acked = true;
    } else if (p.type == ptype::publish) {
      const publish_info m = parse_publish(v311, p);
      REQUIRE(m.well_formed);
      CHECK(m.payload == "alive");
      if (m.qos > 0) REQUIRE(client_->send(make_ack(ptype::puback, m.packet_id)));
      echoed = true;
    } else {
      FAIL("unexpected packet for the bystander");
    }
  }
}

}  // namespace pummelo::test::raw
