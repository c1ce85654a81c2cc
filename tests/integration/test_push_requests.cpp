// Push request/response forms ($push/... results on the v5 Response Topic or
// the JSON reply_to) and isolation of $push requests from subscribers.
// pummelo-only: Mosquitto has no push API, so every case returns early there.
#include <thread>

#include "push_support.hpp"

using namespace pummelo::test;
using prop = mqtt::property;

TEST_CASE("push: result goes to the v5 Response Topic with Correlation Data, or to reply_to") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  const std::string topic = "rr/" + unique_id("t");
  auto target = connect_client(*b, unique_id("rr-tgt"), mqtt_v5, as_user("rr-user"));
  const std::string req_json = uids_request({"rr-user"}, topic, "x");
  int pushes = 0;

  {  // v5: Response Topic + Correlation Data (binary, with a NUL)
    push_requester req(*b, mqtt_v5);
    auto r = req.request("$push/uids", req_json);
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->msg->get_topic() == req.reply_topic());
    CHECK(string_prop(r->msg->get_properties(), prop::CORRELATION_DATA) ==
          req.last_correlation());
    ++pushes;
  }
  {  // 3.1.1 at QoS 0: reply_to in the JSON
    push_requester req(*b, mqtt_v311);
    auto r = req.request("$push/uids", req_json, 0);
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 1);
    ++pushes;
  }
  const std::string r1 = "reply/" + unique_id("rt");
  const std::string r2 = "reply/" + unique_id("json");
  mqtt_client c(b->uri(), unique_id("rr-req"), mqtt_v5);
  c.connect();
  c.subscribe(r1, 1);
  c.subscribe(r2, 1);
  {  // v5 with both: the Response Topic property is used, not reply_to
    c.publish("$push/uids", with_reply_to(req_json, r2), 1, false,
              props_with({prop(prop::RESPONSE_TOPIC, r1), prop(prop::CORRELATION_DATA, "cd-1")}));
    auto m = c.wait_message(3s);
    REQUIRE(m);
    CHECK((*m)->get_topic() == r1);
    CHECK(string_prop((*m)->get_properties(), prop::CORRELATION_DATA) == "cd-1");
    CHECK(parse_push_reply((*m)->get_payload_str()).ok);
    CHECK(c.expect_no_message(300ms));  // nothing on reply_to as well
    ++pushes;
  }
  {  // v5 without Response Topic: reply_to is used
    c.publish("$push/uids", with_reply_to(req_json, r2), 1);
    auto m = c.wait_message(3s);
    REQUIRE(m);
    CHECK((*m)->get_topic() == r2);
    CHECK(parse_push_reply((*m)->get_payload_str()).ok);
    ++pushes;
  }
  {  // neither: the push happens, no reply is published anywhere
    mqtt_client spy(b->uri(), unique_id("rr-spy"), mqtt_v311);
    spy.connect();
    spy.subscribe("#", 1);
    c.publish("$push/uids", req_json, 1);
    ++pushes;
    CHECK(target->wait_messages(static_cast<std::size_t>(pushes), 3s).size() ==
          static_cast<std::size_t>(pushes));
    CHECK(spy.expect_no_message(500ms));
    CHECK(c.expect_no_message(100ms));
  }
  CHECK(target->expect_no_message(200ms));
}

TEST_CASE("push: $push requests never reach subscribers and are never retained") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  const std::string topic = "iso/" + unique_id("t");
  auto target = connect_client(*b, unique_id("tina"), mqtt_v5, as_user("tina"));
  // Anonymous spies: no push addresses them (bound_only broadcast, uids).
  std::vector<std::unique_ptr<mqtt_client>> spies;
  for (int v : all_versions) {
    for (const char* f : {"$push/#", "$push/uids", "$push/+", "#"}) {
      spies.push_back(connect_client(*b, unique_id("spy"), v));
      spies.back()->subscribe(f, 1);  // a broker may also refuse $push filters
    }
  }
  push_requester req(*b, mqtt_v5);
  auto ok = [&](const std::string& api, const std::string& json) {
    auto r = req.request(api, json);
    REQUIRE(r);
    INFO(api, " reply: ", r->raw);
    CHECK(r->parsed);
  };
  ok("$push/uids", uids_request({"tina"}, topic, "u"));
  ok("$push/broadcast", broadcast_request(topic, "b", true));
  ok("$push/kick", kick_request({"nobody"}));
  ok("$push/other", R"({"uids":["tina"],"topic":"x","payload":"y"})");
  // A retained request: handled or not, it must not be stored as retained.
  req.client().publish("$push/uids", uids_request({"tina"}, topic, "retained-req", R"("qos":1)"),
                       1, true, props_with({prop(prop::RESPONSE_TOPIC, req.reply_topic())}));
  (void)req.client().wait_message_on(req.reply_topic(), 2s);  // only to sync
  std::this_thread::sleep_for(300ms);
  for (auto& s : spies) {
    INFO("spy ", s->client_id(), " (MQTT ", version_name(s->version()), ")");
    // The '#' spies see the requester's result topic; nothing else.
    for (auto& m : drain(*s, 100ms)) CHECK(m->get_topic() == req.reply_topic());
  }
  // Late subscribers get no retained request and no retained push.
  for (int v : all_versions) {
    mqtt_client late(b->uri(), unique_id("late"), v);
    late.connect();
    late.subscribe("$push/#", 1);
    late.subscribe("$push/uids", 1);
    late.subscribe(topic, 1);
    INFO("late MQTT ", version_name(v));
    CHECK(late.expect_no_message(700ms));
  }
  // The target got its pushes, none retained.
  for (auto& m : drain(*target, 200ms)) {
    CHECK(m->get_topic() == topic);
    CHECK_FALSE(m->is_retained());
  }
}
