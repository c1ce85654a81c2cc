// Admission under load: connections per address, the connect rate (a storm
// is let in at a steady pace, nobody refused), the publish rate (a fast
// publisher is slowed down, nothing lost) and overload shedding (CONNACK
// 0x89 while a loop is running late). Mosquitto has none of these knobs; the
// cases that also hold without them (everyone gets in, nothing is lost) run
// against it too.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "raw_support.hpp"

namespace pummelo::test::raw {
using steady = std::chrono::steady_clock;

TEST_CASE("admission: a connect storm over connect_rate waits its turn; nobody is refused") {
  broker_settings s;
  s.pummelo_limits = {{"connect_rate", 20}, {"connect_burst", 5}};
  auto broker = start_broker(s);
  constexpr int storm = 30;
  std::vector<std::unique_ptr<raw_client>> clients;
  const auto t0 = steady::now();
  for (int i = 0; i < storm; ++i) {
    clients.push_back(std::make_unique<raw_client>(broker->port()));
    connect_options o;
    o.client_id = "storm-" + std::to_string(i);
    REQUIRE(clients.back()->send(make_connect(o)));
  }
  int accepted = 0;
  for (auto& c : clients) {
    const packet p = c->read_packet(5000ms);
    REQUIRE(p.status == read_status::packet);
    REQUIRE(p.type == ptype::connack);
    accepted += parse_connack(v311, p).code == 0;
  }
  const double took = seconds_since(t0);
  MESSAGE(storm, " connects took ", took, " s");
  CHECK(accepted == storm);
  // 5 at once, then 20 a second: the last of 30 after about 1.25 s.
  if (!on_mosquitto()) CHECK(took >= 1.1);
}

TEST_CASE("admission: max_connections_per_address refuses the next one from that address") {
  if (on_mosquitto()) return;  // no such limit in Mosquitto
  broker_settings s;
  s.pummelo_limits = {{"max_connections_per_address", 3}};
  auto broker = start_broker(s);
  std::vector<std::unique_ptr<raw_client>> kept;
  for (int i = 0; i < 3; ++i) kept.push_back(connect_v311(broker->port(), "addr-" + std::to_string(i)));
  {
    raw_client fourth(broker->port());
    connect_options o;
    o.client_id = "addr-4";
    (void)fourth.send(make_connect(o));  // may fail: the broker closes at accept
    CHECK(fourth.wait_closed(close_timeout));
  }
  // Another source address is counted apart.
  {
    raw_client other(broker->port(), 0, "127.0.0.2");
    connect_options o;
    o.client_id = "addr-other";
    REQUIRE(other.send(make_connect(o)));
    expect_packet(other, ptype::connack);
  }
  // A slot freed by a close is taken again.
  kept.pop_back();
  bool back = false;
  for (int i = 0; i < 20 && !back; ++i) {
    raw_client again(broker->port());
    connect_options o;
    o.client_id = "addr-again";
    if (again.send(make_connect(o)) && again.read_packet(500ms).type == ptype::connack) back = true;
  }
  CHECK(back);
}

TEST_CASE("admission: a publisher over max_publish_rate is slowed down, and nothing is lost") {
  broker_settings s;
  s.pummelo_limits = {{"max_publish_rate", 20}};
  auto broker = start_broker(s);
  auto sub = connect_v311(broker->port(), "rate-sub");
  subscribe(*sub, v311, "rate/t", 0);
  auto publisher = connect_v311(broker->port(), "rate-pub");
  constexpr int messages = 40;
  bytes burst;
  for (int n = 0; n < messages; ++n) {
    const bytes one = make_publish(v311, pub("rate/t", std::to_string(n)));
    burst.insert(burst.end(), one.begin(), one.end());
  }
  const auto t0 = steady::now();
  REQUIRE(publisher->send(burst));
  for (int n = 0; n < messages; ++n) {
    CAPTURE(n);
    REQUIRE(expect_publish(*sub, v311, 5000ms).payload == std::to_string(n));
  }
  const double took = seconds_since(t0);
  MESSAGE(messages, " publishes took ", took, " s");
  // 20 at once (one second's worth), then 20 a second.
  if (!on_mosquitto()) CHECK(took >= 0.8);
  REQUIRE(publisher->send(make_pingreq()));
  expect_packet(*publisher, ptype::pingresp);
}

TEST_CASE("overload: while a loop runs late, new CONNECTs get 0x89 server busy; others carry on") {
  if (on_mosquitto()) return;  // Mosquitto does not shed load
  broker_settings s;
  // The lag limit is well above any stall a loaded machine (or ASan) gives
  // the broker by itself, so that only the SIGSTOP below trips it.
  s.pummelo_extra_json = R"("overload": {"max_loop_lag_ms": 1000, "shed_for_ms": 1500})";
  auto broker = start_broker(s);
  auto existing = connect_v311(broker->port(), "existing");
  // Stop the whole broker for 2.5 s: every loop is late when it resumes.
  REQUIRE(::kill(broker->pid(), SIGSTOP) == 0);
  std::this_thread::sleep_for(2500ms);
  raw_client v5c(broker->port());
  raw_client v3c(broker->port());
  connect_options o5;
  o5.version = v5;
  o5.client_id = "late-v5";
  connect_options o3;
  o3.client_id = "late-v3";
  REQUIRE(v5c.send(make_connect(o5)));
  REQUIRE(v3c.send(make_connect(o3)));
  REQUIRE(::kill(broker->pid(), SIGCONT) == 0);
  const packet a5 = expect_packet(v5c, ptype::connack);
  CHECK(parse_connack(v5, a5).code == 0x89);
  const packet a3 = expect_packet(v3c, ptype::connack);
  CHECK(parse_connack(v311, a3).code == 3);  // 3.1.1: server unavailable
  // The session that was already there is served all along.
  REQUIRE(existing->send(make_pingreq()));
  expect_packet(*existing, ptype::pingresp);
  // Once the loops keep time again, CONNECTs are accepted.
  bool accepted = false;
  for (int i = 0; i < 40 && !accepted; ++i) {
    std::this_thread::sleep_for(100ms);
    raw_client c(broker->port());
    connect_options o;
    o.client_id = "after-" + std::to_string(i);
    if (!c.send(make_connect(o))) continue;
    const packet p = c.read_packet(reply_timeout);
    accepted = p.type == ptype::connack && parse_connack(v311, p).code == 0;
  }
  CHECK(accepted);
  CHECK(broker->log_text().find("shedding new connections") != std::string::npos);
}

}  // namespace pummelo::test::raw
