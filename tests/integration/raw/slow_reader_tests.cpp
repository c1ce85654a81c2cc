// A subscriber that stops reading must not make the broker buffer without
// bound: pummelo drops it once its write queue passes max_write_queue_bytes,
// while the publisher and a healthy subscriber carry on.
#include <doctest/doctest.h>

#include <atomic>
#include <stop_token>
#include <thread>

#include "raw_support.hpp"

namespace pummelo::test::raw {
namespace {

using clock = std::chrono::steady_clock;

constexpr int flood_messages = 20000;
constexpr std::size_t payload_bytes = 1024;
constexpr int batch = 25;  // PUBLISHes per send(): 25 KB, well under the 64 KB limit

// Counts data messages on a healthy subscriber until the end marker arrives.
struct healthy_reader {
  std::atomic<int> data{0};
  std::atomic<bool> saw_end{false};
  std::atomic<bool> closed{false};

  void run(raw_client& c, clock::time_point deadline, const std::stop_token& stop) {
    while (clock::now() < deadline && !saw_end && !stop.stop_requested()) {
      const packet p = c.read_packet(200ms);
      if (p.status == read_status::closed) {
        closed = true;
        return;
      }
      if (p.status != read_status::packet || p.type != ptype::publish) continue;
      const publish_info m = parse_publish(v311, p);
      if (m.qos > 0) c.send(make_ack(ptype::puback, m.packet_id));
      if (m.topic == "flood/end") {
        saw_end = true;
      } else {
        ++data;
      }
    }
  }
};

// Sends the flood at QoS 0, bounded by count and by time. After each batch
// it waits (briefly) for the healthy subscriber to catch up: the test wants
// a reader that keeps pace, not one merely slower than a flat-out publisher,
// which a small write-queue limit would rightly cut off as well.
int flood(raw_client& publisher, const healthy_reader& reader, clock::time_point deadline) {
  bytes chunk;
  for (int i = 0; i < batch; ++i) {
    const bytes one = make_publish(v311, pub("flood/data", std::string(payload_bytes, 'x')));
    chunk.insert(chunk.end(), one.begin(), one.end());
  }
  int sent = 0;
  while (sent < flood_messages && clock::now() < deadline) {
    REQUIRE(publisher.send(chunk, 5000ms));
    sent += batch;
    const auto catch_up = clock::now() + 2s;
    while (reader.data < sent && !reader.closed && clock::now() < catch_up) {
      std::this_thread::sleep_for(50us);
    }
  }
  return sent;
}

}  // namespace

TEST_CASE("slow reader: a subscriber that never reads is cut off, others carry on") {
  broker_settings s;
  s.max_write_queue_bytes = 65536;
  auto broker = start_broker(s);
  bystander other(broker->port());
  const auto deadline = clock::now() + 30s;

  connect_options slow_opts;
  slow_opts.client_id = "slow";
  // Tiny receive window: the broker's socket fills after a few KB.
  auto slow = connect_client(broker->port(), slow_opts, nullptr, 2048);
  subscribe(*slow, v311, "flood/#", 0);

  auto healthy = connect_v311(broker->port(), "healthy");
  subscribe(*healthy, v311, "flood/data", 0, 1);
  subscribe(*healthy, v311, "flood/end", 1, 2);  // QoS 1: the marker is never dropped
  healthy_reader reader;
  // jthread: a failed REQUIRE below must stop and join it, not terminate.
  // It reads on past the flood's deadline, for the end marker sent after it.
  std::jthread reader_thread(
      [&](const std::stop_token& stop) { reader.run(*healthy, deadline + 15s, stop); });

  auto publisher = connect_v311(broker->port(), "flooder");
  const int sent = flood(*publisher, reader, deadline);
  // The publisher is still served: its QoS 1 marker is acknowledged.
  REQUIRE(publisher->send(make_publish(v311, pub("flood/end", "end", 1, 1))));
  CHECK(packet_id_of(expect_packet(*publisher, ptype::puback, 10000ms)) == 1);
  reader_thread.join();
  MESSAGE("flood: sent ", sent, ", healthy subscriber got ", reader.data.load());
  CHECK(reader.saw_end);
  CHECK(!reader.closed);

  if (on_mosquitto()) {
    // Mosquitto has no write-queue limit that disconnects: for an online
    // QoS 0 subscriber it drops messages once max_queued_messages (1000)
    // packets wait, and keeps the connection. Check exactly that.
    int drained = 0;
    for (;;) {
      const packet p = slow->read_packet(1000ms);
      REQUIRE(p.status != read_status::closed);
      if (p.status == read_status::timeout) break;
      if (p.type == ptype::publish) ++drained;
    }
    MESSAGE("mosquitto slow subscriber drained ", drained, " messages");
    CHECK(drained < sent);
    REQUIRE(slow->send(make_pingreq()));
    expect_packet(*slow, ptype::pingresp);
  } else {
    // Draining now must hit EOF after what the kernel buffers held.
    CHECK(slow->wait_closed(5000ms));
  }
  other.check_still_works();
  REQUIRE(publisher->send(make_pingreq()));
  expect_packet(*publisher, ptype::pingresp);
}

}  // namespace pummelo::test::raw

namespace pummelo::test::raw {

// Regression: a clean-session QoS 1 subscriber that stops reading used to be
// freed in the middle of its own delivery when its write queue overflowed
// (a use-after-free under ASan). The broker must cut it off and carry on.
TEST_CASE("slow reader: a clean-session QoS 1 subscriber that never reads is cut off safely") {
  broker_settings s;
  s.max_write_queue_bytes = 65536;
  auto broker = start_broker(s);
  bystander other(broker->port());

  connect_options slow_opts;
  slow_opts.client_id = "slow-qos1";
  auto slow = connect_client(broker->port(), slow_opts, nullptr, 4096);
  subscribe(*slow, v311, "big/#", 1);

  auto publisher = connect_v311(broker->port(), "big-publisher");
  const std::string payload(256 * 1024, 'p');
  for (std::uint16_t id = 1; id <= 12; ++id) {
    REQUIRE(publisher->send(make_publish(v311, pub("big/data", payload, 1, id)), 5000ms));
    CHECK(packet_id_of(expect_packet(*publisher, ptype::puback, 5000ms)) == id);
  }
  if (!on_mosquitto()) {
    // 256 KB does not fit a 64 KB write queue: the slow client goes at once.
    CHECK(slow->wait_closed(5000ms));
  }
  // Mosquitto has no write-queue limit and keeps the subscriber; either way
  // the broker must still serve everyone else.
  other.check_still_works();
  REQUIRE(publisher->send(make_pingreq()));
  expect_packet(*publisher, ptype::pingresp);
}

}  // namespace pummelo::test::raw
