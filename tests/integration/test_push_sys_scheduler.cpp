// $SYS/broker/channels/count and the buffer scheduler (merged writes, same
// deliveries; overflow beyond max_buffered_messages is dropped and counted).
// pummelo-only: Mosquitto has neither, so every case returns early there.
#include <thread>

#include "push_support.hpp"
#include "raw_tcp.hpp"

using namespace pummelo::test;

namespace {

// Reads a retained, periodically republished $SYS value until `done` holds
// for it (or 5 s pass); returns the last value seen ("" if none).
template <class Pred>
std::string wait_sys(mqtt_client& obs, const std::string& topic, Pred done, ms timeout = 5s) {
  std::string last;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = obs.wait_message_on(topic, 200ms);
    if (!m) continue;
    last = (*m)->get_payload_str();
    if (done(last)) break;
  }
  return last;
}

std::string wait_value(mqtt_client& obs, const std::string& topic, const std::string& want) {
  return wait_sys(obs, topic, [&](const std::string& v) { return v == want; });
}

long to_long(const std::string& s) {
  try {
    return std::stol(s);
  } catch (...) {
    return -1;
  }
}

}  // namespace

TEST_CASE("push: $SYS/broker/channels/count follows channel joins and leaves") {
  if (!push_api_available()) return;  // channels/count is a pummelo-only $SYS topic
  auto b = start_broker();  // sys interval 1 s
  const std::string sys = "$SYS/broker/channels/count";
  mqtt_client obs(b->uri(), unique_id("obs"), mqtt_v5);
  obs.connect();
  obs.subscribe(sys, 0);
  // The observer's own filter is a channel with a member.
  const std::string base_s = wait_value(obs, sys, "1");
  REQUIRE(base_s == "1");
  auto expect = [&](long n, const char* step) {
    INFO(step);
    CHECK(wait_value(obs, sys, std::to_string(n)) == std::to_string(n));
  };
  const std::string r = unique_id("ch");
  auto a = connect_client(*b, unique_id("ch-a"), mqtt_v311);
  auto bb = connect_client(*b, unique_id("ch-b"), mqtt_v5);
  a->subscribe(r + "/a", 0);
  a->subscribe(r + "/b", 1);
  bb->subscribe(r + "/a", 1);  // same filter: same channel
  bb->subscribe(r + "/+/x", 0);
  expect(1 + 3, "a/a, a/b, b/a, b/+/x");
  a->unsubscribe(r + "/b");
  expect(1 + 2, "after unsubscribe of the only member of /b");
  const std::string pid = unique_id("ch-p");
  {
    auto p = connect_client(*b, pid, mqtt_v311, persistent());
    p->subscribe(r + "/p", 1);
    p->subscribe(r + "/a", 1);
    p->disconnect();  // persistent: memberships stay while offline
  }
  expect(1 + 3, "persistent session offline keeps /p");
  a->disconnect();   // clean session ends: /a still has bb and p
  bb->disconnect();  // v5 clean start, expiry 0: ends, /+/x loses its only member
  expect(1 + 2, "after two clean sessions ended");
  {
    auto p = connect_client(*b, pid, mqtt_v311);  // clean: drops the old session
    expect(1, "persistent session discarded by a clean connect");
    p->disconnect();
  }
}

TEST_CASE("push: the in-process channel server makes one deliver call per matching publish") {
  if (!push_api_available()) return;  // pummelo-only $SYS topics
  auto b = start_broker();              // sys interval 1 s
  const std::string calls = "$SYS/broker/cluster/channel-server/deliver-calls";
  const std::string topic = unique_id("fan") + "/t";
  std::vector<std::unique_ptr<mqtt_client>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(connect_client(*b, unique_id("fan-s"), mqtt_v311));
    subs.back()->subscribe(topic, 0);
  }
  mqtt_client obs(b->uri(), unique_id("obs"), mqtt_v5);
  obs.connect();
  obs.subscribe(calls, 0);
  const long before = to_long(wait_sys(obs, calls, [](const std::string& v) { return !v.empty(); }));
  REQUIRE(before >= 0);
  auto pub = connect_client(*b, unique_id("fan-p"), mqtt_v311);
  for (int i = 0; i < 5; ++i) pub->publish(topic, "m", 1);
  for (int i = 0; i < 2; ++i) pub->publish(unique_id("nobody") + "/t", "m", 1);  // no member
  for (auto& s : subs) CHECK(s->wait_messages(5, 5s).size() == 5);
  // Three members, one frontend: one call per publish that had members.
  const std::string want = std::to_string(before + 5);
  CHECK(wait_value(obs, calls, want) == want);
  obs.clear_messages();
  CHECK(wait_sys(obs, calls, [](const std::string&) { return true; }) == want);
}

TEST_CASE("push: buffer scheduler delivers everything in order") {
  if (!push_api_available()) return;  // the scheduler is a pummelo-only setting
  broker_settings s;
  s.pummelo_extra_json = R"("scheduler": {"type": "buffer", "flush_interval_ms": 20})";
  auto b = start_broker(s);
  constexpr int n = 200;
  const std::string base = "buf/" + unique_id("t");
  std::vector<std::unique_ptr<mqtt_client>> subs;
  for (int v : all_versions) {
    subs.push_back(connect_client(*b, unique_id("buf-sub"), v, as_user("buf-user")));
    subs.back()->subscribe(base + "/#", 1);
  }
  mqtt_client pub(b->uri(), unique_id("buf-pub"), mqtt_v5);
  pub.connect();
  std::vector<mqtt::delivery_token_ptr> toks;
  for (int i = 0; i < n; ++i) {
    toks.push_back(pub.publish_async(base + "/q0", std::to_string(i), 0));
    toks.push_back(pub.publish_async(base + "/q1", std::to_string(i), 1));
  }
  // Pushes are ordered with each other as well.
  for (int i = 0; i < 20; ++i)
    toks.push_back(pub.publish_async(
        "$push/uids", uids_request({"buf-user"}, base + "/push", std::to_string(i), R"("qos":1)"),
        1));
  for (auto& t : toks) REQUIRE(wait_token(t, 10s));
  for (auto& sub : subs) {
    INFO("MQTT ", version_name(sub->version()));
    auto got = sub->wait_messages(2 * n + 20, 10s);
    CHECK(sub->expect_no_message(300ms));
    CHECK(got.size() == 2 * n + 20);
    std::map<std::string, std::vector<int>> seq;
    for (auto& m : got) seq[m->get_topic()].push_back(std::stoi(m->get_payload_str()));
    for (const auto& [suffix, count] :
         std::vector<std::pair<std::string, int>>{{"/q0", n}, {"/q1", n}, {"/push", 20}}) {
      INFO("topic ", suffix);
      std::vector<int> expected(static_cast<std::size_t>(count));
      for (int i = 0; i < count; ++i) expected[static_cast<std::size_t>(i)] = i;
      CHECK(seq[base + suffix] == expected);
    }
  }
}

TEST_CASE("push: buffer scheduler overflow drops messages and counts them") {
  if (!push_api_available()) return;  // the scheduler is a pummelo-only setting
  broker_settings s;
  // A long flush interval so that the whole burst lands in one interval.
  s.pummelo_extra_json =
      R"("scheduler": {"type": "buffer", "flush_interval_ms": 200, "max_buffered_messages": 5})";
  auto b = start_broker(s);
  const std::string topic = "ovf/" + unique_id("t");
  mqtt_client sub(b->uri(), unique_id("ovf-sub"), mqtt_v311);
  sub.connect();
  sub.subscribe(topic, 0);
  mqtt_client obs(b->uri(), unique_id("ovf-obs"), mqtt_v5);
  obs.connect();
  obs.subscribe("$SYS/broker/messages/dropped", 0);

  // 200 QoS 0 PUBLISHes in one TCP write, all inside one flush interval.
  raw_tcp pub(b->port());
  bytes connect_body;
  put_str(connect_body, "MQTT");
  put_u8(connect_body, 4);     // 3.1.1
  put_u8(connect_body, 0x02);  // clean session
  put_u16(connect_body, 30);
  put_str(connect_body, unique_id("ovf-pub"));
  pub.send(frame(0x10, connect_body));
  REQUIRE(pub.recv_packet(3s));  // CONNACK
  bytes burst;
  constexpr int n = 200;
  for (int i = 0; i < n; ++i) {
    bytes body;
    put_str(body, topic);
    const std::string payload = std::to_string(i);
    body.insert(body.end(), payload.begin(), payload.end());
    const bytes f = frame(0x30, body);
    burst.insert(burst.end(), f.begin(), f.end());
  }
  pub.send(burst);

  const auto got = drain(sub, 1500ms);
  INFO("received ", got.size(), " of ", n);
  CHECK(got.size() < static_cast<std::size_t>(n));
  // What does arrive stays in order.
  int prev = -1;
  for (auto& m : got) {
    const int i = std::stoi(m->get_payload_str());
    CHECK(i > prev);
    prev = i;
  }
  const std::string dropped =
      wait_sys(obs, "$SYS/broker/messages/dropped", [](const std::string& v) { return to_long(v) > 0; });
  INFO("$SYS/broker/messages/dropped = '", dropped, "'");
  CHECK(to_long(dropped) > 0);
}
