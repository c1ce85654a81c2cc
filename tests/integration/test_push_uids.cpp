// Backend push by uid ($push/uids) and uid binding (username or client id).
// pummelo-only: Mosquitto has no push API, so every case returns early there.
#include <algorithm>
#include <thread>

#include "push_support.hpp"

using namespace pummelo::test;

namespace {

using strings = std::vector<std::string>;

strings sorted(strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Waits for one message per client, then checks none gets a second one.
void expect_exactly_one(const std::vector<mqtt_client*>& clients, const std::string& topic,
                        const std::string& payload, int qos) {
  for (auto* c : clients) {
    INFO("client ", c->client_id(), " (MQTT ", version_name(c->version()), ")");
    auto m = c->wait_message(3s);
    REQUIRE(m);
    CHECK((*m)->get_topic() == topic);
    CHECK((*m)->get_payload_str() == payload);
    CHECK((*m)->get_qos() == qos);
    CHECK_FALSE((*m)->is_retained());
  }
  std::this_thread::sleep_for(300ms);  // let any duplicate arrive
  for (auto* c : clients) {
    INFO("client ", c->client_id(), " got a second copy");
    CHECK(c->queued() == 0);
  }
}

}  // namespace

TEST_CASE("push: $push/uids reaches every device of a uid exactly once") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  broker_settings s;
  // Several event loops, so the devices of one uid may sit on different ones.
  s.pummelo_extra_json = R"("server_id": "pummelo", "uid_source": "username", "threads": 4)";
  auto b = start_broker(s);
  const std::string topic = "news/" + unique_id("t");
  // Three devices of alice, mixing protocol versions.
  auto a1 = connect_client(*b, unique_id("alice-phone"), mqtt_v311, as_user("alice"));
  auto a2 = connect_client(*b, unique_id("alice-tablet"), mqtt_v5, as_user("alice"));
  auto a3 = connect_client(*b, unique_id("alice-pc"), mqtt_v5, as_user("alice"));
  // Subscribed or not, a target session gets one copy: a push is addressed
  // to sessions, not routed through subscriptions.
  a3->subscribe(topic, 1);
  // Another user, even subscribed to the push topic, is not a target.
  auto dave = connect_client(*b, unique_id("dave"), mqtt_v5, as_user("dave"));
  dave->subscribe("news/#", 1);
  for (int v : all_versions) {
    INFO("requester MQTT ", version_name(v));
    push_requester req(*b, v);
    const std::string payload = "hello-" + version_name(v);
    auto r = req.request("$push/uids", uids_request({"alice", "bob"}, topic, payload));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    REQUIRE(r->parsed);
    CHECK(r->ok);
    CHECK(r->sessions == 3);
    CHECK(r->has_failed_uids);
    CHECK(r->failed_uids == strings{"bob"});
    expect_exactly_one({a1.get(), a2.get(), a3.get()}, topic, payload, 0);
    CHECK(dave->expect_no_message(200ms));
    CHECK(req.others().empty());  // the anonymous requester is no target
  }
}

TEST_CASE("push: $push/uids with only unknown uids reports them all as failed") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  auto other = connect_client(*b, unique_id("other"), mqtt_v5, as_user("olivia"));
  for (int v : all_versions) {
    INFO("requester MQTT ", version_name(v));
    push_requester req(*b, v);
    auto r = req.request("$push/uids", uids_request({"nobody", "ghost", "x"}, "t/unknown", "p"));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 0);
    CHECK(sorted(r->failed_uids) == strings{"ghost", "nobody", "x"});
  }
  CHECK(other->expect_no_message(300ms));
}

TEST_CASE("push: a uid listed twice still gets one copy per session") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  const std::string topic = "dup/" + unique_id("t");
  auto c = connect_client(*b, unique_id("dup"), mqtt_v5, as_user("dupuser"));
  push_requester req(*b, mqtt_v311);
  auto r = req.request("$push/uids",
                       uids_request({"dupuser", "dupuser", "gone", "gone"}, topic, "once"));
  REQUIRE(r);
  INFO("reply: ", r->raw);
  CHECK(r->ok);
  CHECK(r->sessions == 1);  // sessions counts sessions, not (uid, session) pairs
  CHECK(r->failed_uids == strings{"gone"});
  expect_exactly_one({c.get()}, topic, "once", 0);
}

TEST_CASE("push: base64 payload and QoS 1 push arrive decoded at QoS 1") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  const std::string bytes_expected("\x00\x01\xfe\xff" "hi\n", 7);
  const std::string topic = "bin/" + unique_id("t");
  auto d1 = connect_client(*b, unique_id("bin-a"), mqtt_v311, as_user("binuser"));
  auto d2 = connect_client(*b, unique_id("bin-b"), mqtt_v5, as_user("binuser"));
  for (int v : all_versions) {
    INFO("requester MQTT ", version_name(v));
    push_requester req(*b, v);
    auto r = req.request("$push/uids",
                         uids_request({"binuser"}, topic, "AAH+/2hpCg==",
                                      R"("encoding":"base64","qos":1)"));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 2);
    CHECK(r->failed_uids.empty());
    expect_exactly_one({d1.get(), d2.get()}, topic, bytes_expected, 1);
  }
  // utf8 (explicit) is passed through unchanged, including non-ASCII text.
  push_requester req(*b, mqtt_v5);
  const std::string text = "gr\xc3\xbc\xc3\x9f" "e AAH+";
  auto r = req.request("$push/uids",
                       uids_request({"binuser"}, topic, text, R"("encoding":"utf8","qos":0)"));
  REQUIRE(r);
  INFO("reply: ", r->raw);
  CHECK(r->ok);
  expect_exactly_one({d1.get(), d2.get()}, topic, text, 0);
}

TEST_CASE("push: QoS 1 push to an offline persistent session is queued") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    const std::string uid = "carol-" + unique_id("u");
    const std::string cid = unique_id("carol-dev");
    const std::string topic = "mail/" + unique_id("t");
    {
      auto c = connect_client(*b, cid, v, as_user(uid, persistent()));
      c->disconnect();
    }
    push_requester req(*b, mqtt_v5);
    auto r = req.request("$push/uids", uids_request({uid}, topic, "while-away", R"("qos":1)"));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 1);  // the offline session counts as delivered
    CHECK(r->failed_uids.empty());

    mqtt_client back(b->uri(), cid, v);
    auto ack = back.connect(as_user(uid, persistent()));
    CHECK(ack.is_session_present());
    auto m = back.wait_message(3s);
    REQUIRE(m);
    CHECK((*m)->get_topic() == topic);
    CHECK((*m)->get_payload_str() == "while-away");
    CHECK((*m)->get_qos() == 1);
    CHECK(back.expect_no_message(300ms));
    back.disconnect();
  }
}

TEST_CASE("push: uid_source client_id binds sessions by client id") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  broker_settings s;
  s.pummelo_extra_json = R"("uid_source": "client_id")";
  auto b = start_broker(s);
  const std::string id1 = unique_id("dev-cid");
  const std::string id2 = unique_id("dev-cid");
  // The user name is ignored as a uid under uid_source client_id.
  auto c1 = connect_client(*b, id1, mqtt_v311, as_user("someone"));
  auto c2 = connect_client(*b, id2, mqtt_v5);
  auto c3 = connect_client(*b, unique_id("bystander"), mqtt_v5, as_user("someone"));
  const std::string topic = "cid/" + unique_id("t");
  for (int v : all_versions) {
    INFO("requester MQTT ", version_name(v));
    push_requester req(*b, v);
    auto r = req.request("$push/uids", uids_request({id1, id2, "someone"}, topic, "by-id"));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 2);
    CHECK(r->failed_uids == strings{"someone"});
    expect_exactly_one({c1.get(), c2.get()}, topic, "by-id", 0);
    CHECK(c3->expect_no_message(200ms));
  }
}
