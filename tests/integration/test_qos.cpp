// QoS 0/1/2 in both directions (publisher -> broker -> subscriber) and
// bursts delivered exactly once and in order.
#include <algorithm>
#include <map>
#include <vector>

#include "test_support.hpp"

using namespace pummelo::test;

TEST_CASE("qos: delivered at min(publish QoS, subscription QoS)") {
  auto b = start_broker();
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    const std::string base = "qos/" + unique_id("matrix");
    mqtt_client sub(b->uri(), unique_id("qos-sub"), v);
    sub.connect();
    for (int q = 0; q <= 2; ++q) {
      auto granted = sub.subscribe(base + "/sub" + std::to_string(q), q);
      REQUIRE(granted.size() == 1);
      CHECK(static_cast<int>(granted[0]) == q);
    }
    mqtt_client pub(b->uri(), unique_id("qos-pub"), v);
    pub.connect();
    for (int p = 0; p <= 2; ++p) {
      for (int q = 0; q <= 2; ++q) {
        // publish_async + wait: the delivery token completes for every QoS
        // (QoS 1 on PUBACK, QoS 2 on PUBCOMP).
        auto tok = pub.publish_async(base + "/sub" + std::to_string(q),
                                     "p" + std::to_string(p) + "q" + std::to_string(q), p);
        REQUIRE(wait_token(tok));
        CHECK(tok->get_return_code() == 0);
        if (p > 0) CHECK(tok->get_message_id() != 0);
      }
    }
    auto got = sub.wait_messages(9, 5s);
    REQUIRE(got.size() == 9);
    std::map<std::string, int> qos_by_payload;
    for (auto& m : got) qos_by_payload[m->get_payload_str()] = m->get_qos();
    REQUIRE(qos_by_payload.size() == 9);
    for (int p = 0; p <= 2; ++p)
      for (int q = 0; q <= 2; ++q) {
        const std::string key = "p" + std::to_string(p) + "q" + std::to_string(q);
        INFO(key);
        REQUIRE(qos_by_payload.count(key) == 1);
        CHECK(qos_by_payload[key] == std::min(p, q));
      }
    CHECK(sub.expect_no_message(200ms));
  }
}

TEST_CASE("qos: 200 QoS1 and 200 QoS2 in a burst arrive exactly once, in order") {
  auto b = start_broker();
  constexpr int n = 200;
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    const std::string base = "burst/" + unique_id("b");
    mqtt_client sub(b->uri(), unique_id("burst-sub"), v);
    sub.connect();
    sub.subscribe(base + "/#", 2);
    mqtt_client pub(b->uri(), unique_id("burst-pub"), v);
    pub.connect();
    std::vector<mqtt::delivery_token_ptr> toks;
    for (int i = 0; i < n; ++i) {
      toks.push_back(pub.publish_async(base + "/q1", std::to_string(i), 1));
      toks.push_back(pub.publish_async(base + "/q2", std::to_string(i), 2));
    }
    for (auto& t : toks) REQUIRE(wait_token(t, 10s));
    auto got = sub.wait_messages(2 * n, 10s);
    CHECK(sub.expect_no_message(300ms));  // no duplicates after the last one
    REQUIRE(got.size() == 2 * n);
    std::map<std::string, std::vector<int>> seq;
    for (auto& m : got) {
      const int expected_qos = m->get_topic() == base + "/q1" ? 1 : 2;
      CHECK(m->get_qos() == expected_qos);
      seq[m->get_topic()].push_back(std::stoi(m->get_payload_str()));
    }
    for (const char* t : {"/q1", "/q2"}) {
      INFO("topic ", t);
      std::vector<int> expected(n);
      for (int i = 0; i < n; ++i) expected[static_cast<std::size_t>(i)] = i;
      CHECK(seq[base + t] == expected);
    }
  }
}
