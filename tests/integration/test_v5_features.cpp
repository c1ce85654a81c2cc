// MQTT 5.0 features: topic aliases, message expiry, properties passed
// through, subscription options, shared subscriptions.
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "test_support.hpp"

using namespace pummelo::test;
using prop = mqtt::property;

namespace {

std::unique_ptr<mqtt_client> v5_client(const broker_process& b, const std::string& prefix,
                                       const connect_opts& o = {}) {
  return connect_client(b, unique_id(prefix), mqtt_v5, o);
}

mqtt::subscribe_options sub_opts(bool no_local, bool rap, int retain_handling) {
  return mqtt::subscribe_options(
      no_local, rap, static_cast<mqtt::subscribe_options::RetainHandling>(retain_handling));
}

}  // namespace

TEST_CASE("v5: topic alias set by the client is resolved for subscribers") {
  auto b = start_broker();
  const std::string topic = "alias/" + unique_id("t");
  auto sub = v5_client(*b, "alias-sub");
  sub->subscribe(topic, 1);
  auto pub = v5_client(*b, "alias-pub");
  // First PUBLISH sets alias 1 for the topic, the second has an empty topic.
  pub->publish(topic, "one", 1, false, props_with({prop(prop::TOPIC_ALIAS, 1)}));
  pub->publish("", "two", 1, false, props_with({prop(prop::TOPIC_ALIAS, 1)}));
  auto got = sub->wait_messages(2, 3s);
  REQUIRE(got.size() == 2);
  CHECK(got[0]->get_payload_str() == "one");
  CHECK(got[1]->get_payload_str() == "two");
  for (auto& m : got) CHECK(m->get_topic() == topic);
}

TEST_CASE("v5: message expiry interval for queued messages") {
  auto b = start_broker();
  const std::string id = unique_id("exp-sub");
  const std::string topic = "exp/" + id;
  {
    mqtt_client sub(b->uri(), id, mqtt_v5);
    sub.connect(persistent());
    sub.subscribe(topic, 1);
    sub.disconnect();
  }
  auto pub = v5_client(*b, "exp-pub");
  pub->publish(topic, "short", 1, false, props_with({prop(prop::MESSAGE_EXPIRY_INTERVAL, 1)}));
  pub->publish(topic, "long", 1, false, props_with({prop(prop::MESSAGE_EXPIRY_INTERVAL, 60)}));
  std::this_thread::sleep_for(2500ms);

  mqtt_client sub(b->uri(), id, mqtt_v5);
  CHECK(sub.connect(persistent()).is_session_present());
  auto m = sub.wait_message(3s);
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "long");  // "short" expired while queued
  // The forwarded expiry is the remaining lifetime: 60 minus the ~2.5 s waited.
  auto left = int_prop((*m)->get_properties(), prop::MESSAGE_EXPIRY_INTERVAL);
  REQUIRE(left.has_value());
  CHECK(*left <= 59);
  CHECK(*left >= 50);
  CHECK(sub.expect_no_message(300ms));
}

TEST_CASE("v5: publish properties are passed through unchanged") {
  auto b = start_broker();
  const std::string topic = "props/" + unique_id("t");
  auto sub = v5_client(*b, "props-sub");
  sub->subscribe(topic, 1);
  auto pub = v5_client(*b, "props-pub");
  const std::string corr("\x01\x00\xFF" "corr", 7);  // binary, with a NUL byte
  mqtt::properties props{
      prop(prop::USER_PROPERTY, "k", "1"),
      prop(prop::USER_PROPERTY, "z", "2"),
      prop(prop::USER_PROPERTY, "k", "3"),  // repeated name, order must be kept
      prop(prop::RESPONSE_TOPIC, "reply/" + topic),
      prop(prop::CORRELATION_DATA, corr),
      prop(prop::PAYLOAD_FORMAT_INDICATOR, 1),
      prop(prop::CONTENT_TYPE, "text/plain; charset=utf-8"),
  };
  pub->publish(topic, "payload", 1, false, props);
  auto m = sub->wait_message();
  REQUIRE(m);
  const auto& got = (*m)->get_properties();
  using kv = std::pair<std::string, std::string>;
  CHECK(user_props(got) == std::vector<kv>{{"k", "1"}, {"z", "2"}, {"k", "3"}});
  CHECK(string_prop(got, prop::RESPONSE_TOPIC) == "reply/" + topic);
  CHECK(string_prop(got, prop::CORRELATION_DATA) == corr);
  CHECK(int_prop(got, prop::PAYLOAD_FORMAT_INDICATOR) == 1);
  CHECK(string_prop(got, prop::CONTENT_TYPE) == "text/plain; charset=utf-8");
  CHECK((*m)->get_payload_str() == "payload");
}

TEST_CASE("v5: subscription identifier is attached to matching messages") {
  auto b = start_broker();
  const std::string topic = "subid/" + unique_id("t");
  auto sub = v5_client(*b, "subid-sub");
  sub->subscribe(topic, 1, {}, props_with({prop(prop::SUBSCRIPTION_IDENTIFIER, 7)}));
  auto pub = v5_client(*b, "subid-pub");
  pub->publish(topic, "x", 1);
  auto m = sub->wait_message();
  REQUIRE(m);
  CHECK(int_prop((*m)->get_properties(), prop::SUBSCRIPTION_IDENTIFIER) == 7);
}

TEST_CASE("v5: no local suppresses only the subscriber's own messages") {
  auto b = start_broker();
  const std::string topic = "nolocal/" + unique_id("t");
  auto x = v5_client(*b, "nl-x");
  x->subscribe(topic, 1, sub_opts(true, false, 0));
  auto y = v5_client(*b, "nl-y");
  y->subscribe(topic, 1);  // control without no local
  x->publish(topic, "from x", 1);
  auto m = y->wait_message();
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "from x");
  CHECK(x->expect_no_message(300ms));
  y->publish(topic, "from y", 1);
  m = x->wait_message();
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "from y");
}

TEST_CASE("v5: retain as published keeps the retain flag on live messages") {
  auto b = start_broker();
  const std::string topic = "rap/" + unique_id("t");
  auto keep = v5_client(*b, "rap-keep");
  keep->subscribe(topic, 1, sub_opts(false, true, 0));
  auto plain = v5_client(*b, "rap-plain");
  plain->subscribe(topic, 1, sub_opts(false, false, 0));
  auto pub = v5_client(*b, "rap-pub");
  pub->publish(topic, "r", 1, true);
  pub->publish(topic, "n", 1, false);
  auto k = keep->wait_messages(2, 3s);
  auto p = plain->wait_messages(2, 3s);
  REQUIRE(k.size() == 2);
  REQUIRE(p.size() == 2);
  CHECK(k[0]->is_retained());
  CHECK_FALSE(k[1]->is_retained());
  CHECK_FALSE(p[0]->is_retained());
  CHECK_FALSE(p[1]->is_retained());
}

TEST_CASE("v5: retain handling 0, 1 and 2") {
  auto b = start_broker();
  const std::string topic = "rh/" + unique_id("t");
  auto pub = v5_client(*b, "rh-pub");
  pub->publish(topic, "kept", 1, true);

  auto c0 = v5_client(*b, "rh0");
  c0->subscribe(topic, 1, sub_opts(false, false, 0));  // 0: send on every subscribe
  auto m = c0->wait_message();
  REQUIRE(m);
  CHECK((*m)->is_retained());
  c0->subscribe(topic, 1, sub_opts(false, false, 0));
  m = c0->wait_message();
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "kept");

  auto c1 = v5_client(*b, "rh1");
  c1->subscribe(topic, 1, sub_opts(false, false, 1));  // 1: only for a new subscription
  m = c1->wait_message();
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "kept");
  c1->subscribe(topic, 1, sub_opts(false, false, 1));  // exists already
  CHECK(c1->expect_no_message(300ms));

  auto c2 = v5_client(*b, "rh2");
  c2->subscribe(topic, 1, sub_opts(false, false, 2));  // 2: never on subscribe
  CHECK(c2->expect_no_message(300ms));
  pub->publish(topic, "live", 1, false);  // live messages still flow
  m = c2->wait_message();
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "live");
}

TEST_CASE("v5: shared subscription delivers each message to one member") {
  auto b = start_broker();
  const std::string topic = "shared/" + unique_id("t");
  auto m1 = v5_client(*b, "share-1");
  m1->subscribe("$share/g/" + topic, 1);
  auto m2 = v5_client(*b, "share-2");
  m2->subscribe("$share/g/" + topic, 1);
  auto normal = v5_client(*b, "share-normal");
  normal->subscribe(topic, 1);
  auto pub = v5_client(*b, "share-pub");
  constexpr int n = 20;
  for (int i = 0; i < n; ++i) pub->publish(topic, std::to_string(i), 1);

  auto all = normal->wait_messages(n, 5s);
  CHECK(all.size() == n);  // a normal subscriber still gets everything
  std::multiset<std::string> shared;
  std::size_t c1 = 0;
  std::size_t c2 = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (shared.size() < n && std::chrono::steady_clock::now() < deadline) {
    for (auto& m : m1->wait_messages(n, 20ms)) { shared.insert(m->get_payload_str()); ++c1; }
    for (auto& m : m2->wait_messages(n, 20ms)) { shared.insert(m->get_payload_str()); ++c2; }
  }
  CHECK(m1->expect_no_message(200ms));
  CHECK(m2->expect_no_message(0ms));
  std::multiset<std::string> want;
  for (int i = 0; i < n; ++i) want.insert(std::to_string(i));
  CHECK(shared == want);  // each message exactly once across the group
  CHECK(c1 > 0);
  CHECK(c2 > 0);
}
