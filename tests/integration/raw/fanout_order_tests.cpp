// A fan-out delivered over several loop turns (pummelo hands a loop's
// sessions a message a slice at a time, scheduler.max_deliveries_per_turn,
// and writes to a bounded number of connections a turn) must still reach
// every subscriber with every message, in publish order.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "raw_support.hpp"

namespace pummelo::test::raw {

TEST_CASE("fan-out: a burst reaches every subscriber complete and in order") {
  broker_settings s;
  // Two sessions per turn: 5 subscribers make every message a 3-slice
  // fan-out, and the next messages arrive while earlier ones are half done.
  // The writes are sliced as well (one or two connections a turn), held
  // while slices wait, or not held at all.
  SUBCASE("writes held for the slices") {
    s.pummelo_extra_json = R"("scheduler": {"max_deliveries_per_turn": 2, "max_flush_holds": 3})";
  }
  SUBCASE("one connection written a turn, never held") {
    s.pummelo_extra_json =
        R"("scheduler": {"max_deliveries_per_turn": 2, "max_writes_per_turn": 1, "max_flush_holds": 0})";
  }
  SUBCASE("two connections written a turn, held") {
    s.pummelo_extra_json =
        R"("scheduler": {"max_deliveries_per_turn": 2, "max_writes_per_turn": 2, "max_flush_holds": 8})";
  }
  auto broker = start_broker(s);
  constexpr int subscribers = 5, messages = 40;
  std::vector<std::unique_ptr<raw_client>> subs;
  for (int i = 0; i < subscribers; ++i) {
    subs.push_back(connect_v311(broker->port(), "order-sub-" + std::to_string(i)));
    subscribe(*subs.back(), v311, "order/t", 1);
  }
  auto publisher = connect_v311(broker->port(), "order-pub");
  bytes burst;  // one write: the broker reads them in one go
  for (int n = 0; n < messages; ++n) {
    const bytes one = make_publish(v311, pub("order/t", std::to_string(n), n % 2, static_cast<std::uint16_t>(n + 1)));
    burst.insert(burst.end(), one.begin(), one.end());
  }
  REQUIRE(publisher->send(burst));
  for (int i = 0; i < subscribers; ++i) {
    CAPTURE(i);
    for (int n = 0; n < messages; ++n) {
      CAPTURE(n);
      const publish_info m = expect_publish(*subs[i], v311);
      REQUIRE(m.payload == std::to_string(n));
      CHECK(m.qos == n % 2);
      if (m.qos == 1) REQUIRE(subs[i]->send(make_ack(ptype::puback, m.packet_id)));
    }
    CHECK(subs[i]->read_packet(quiet_window).status == read_status::timeout);
  }
}

}  // namespace pummelo::test::raw
