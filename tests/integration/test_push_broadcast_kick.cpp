// $push/broadcast (all online sessions, or only uid-bound ones) and
// $push/kick (disconnect every online session of some uids).
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

bool got_push(mqtt_client& c, const std::string& topic, const std::string& payload) {
  auto m = c.wait_message(3s);
  return m && (*m)->get_topic() == topic && (*m)->get_payload_str() == payload;
}

constexpr int administrative_action = 0x98;

}  // namespace

TEST_CASE("push: $push/broadcast reaches every online session; bound_only only named ones") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  broker_settings s;
  s.pummelo_extra_json = R"("threads": 3)";  // a broadcast spans every event loop
  auto b = start_broker(s);
  const std::string gina_id = unique_id("gina");
  {  // An offline persistent session: broadcast targets online sessions only.
    auto g = connect_client(*b, gina_id, mqtt_v5, as_user("gina", persistent()));
    g->disconnect();
  }
  auto anon1 = connect_client(*b, unique_id("anon"), mqtt_v311);
  auto anon2 = connect_client(*b, unique_id("anon"), mqtt_v5);
  auto erin = connect_client(*b, unique_id("erin"), mqtt_v311, as_user("erin"));
  auto frank = connect_client(*b, unique_id("frank"), mqtt_v5, as_user("frank"));
  const std::vector<mqtt_client*> named = {erin.get(), frank.get()};
  const std::vector<mqtt_client*> anonymous = {anon1.get(), anon2.get()};
  // Both requesters stay connected for the whole case: one that had just
  // disconnected could still be counted by a loop that has not yet read its
  // DISCONNECT, so the expected count would depend on timing.
  push_requester v311_requester(*b, mqtt_v311), v5_requester(*b, mqtt_v5);
  for (push_requester* requester : {&v311_requester, &v5_requester}) {
    push_requester& req = *requester;
    INFO("requester (anonymous) MQTT ",
         version_name(requester == &v311_requester ? mqtt_v311 : mqtt_v5));
    const std::string topic = "bc/" + unique_id("t");
    {
      auto r = req.request("$push/broadcast",
                           broadcast_request(topic, "to-all", false, R"("qos":1)"));
      REQUIRE(r);
      INFO("reply: ", r->raw);
      CHECK(r->ok);
      CHECK(r->sessions == 6);  // 4 clients + both anonymous requesters
      for (auto* c : named) CHECK(got_push(*c, topic, "to-all"));
      for (auto* c : anonymous) CHECK(got_push(*c, topic, "to-all"));
      std::this_thread::sleep_for(200ms);
      // The other requester got this broadcast too, and this one got the
      // other's: only this topic's copy is this round's.
      const auto mine = on_topic(req.others(), topic);
      REQUIRE(mine.size() == 1);
      CHECK(mine[0]->get_topic() == topic);
      CHECK(mine[0]->get_qos() == 1);
    }
    {
      auto r = req.request("$push/broadcast", broadcast_request(topic, "to-bound", true));
      REQUIRE(r);
      INFO("reply: ", r->raw);
      CHECK(r->ok);
      CHECK(r->sessions == 2);
      for (auto* c : named) CHECK(got_push(*c, topic, "to-bound"));
      for (auto* c : anonymous) {
        INFO("anonymous ", c->client_id());
        CHECK(c->expect_no_message(200ms));
      }
      CHECK(on_topic(req.others(), topic).size() == 1);  // only the earlier broadcast
    }
    for (auto* c : named) CHECK(c->expect_no_message(100ms));
  }
  // Each anonymous requester got both rounds' "to-all" and neither "to-bound".
  for (push_requester* requester : {&v311_requester, &v5_requester})
    CHECK(requester->others().size() == 2);
  {  // A named requester qualifies for a bound_only broadcast itself.
    push_requester req(*b, mqtt_v311, as_user("rita"));
    const std::string topic = "bc/" + unique_id("t");
    auto r = req.request("$push/broadcast", broadcast_request(topic, "incl-rita", true));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->sessions == 3);
    for (auto* c : named) CHECK(got_push(*c, topic, "incl-rita"));
    std::this_thread::sleep_for(200ms);
    CHECK(req.others().size() == 1);
  }
  mqtt_client g(b->uri(), gina_id, mqtt_v5);
  CHECK(g.connect(as_user("gina", persistent())).is_session_present());
  CHECK(g.expect_no_message(500ms));
}

TEST_CASE("push: $push/kick disconnects every online session of the uids") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  const std::string stay_topic = "stay/" + unique_id("t");
  auto trent = connect_client(*b, unique_id("trent"), mqtt_v5, as_user("trent"));
  auto anon = connect_client(*b, unique_id("anon"), mqtt_v311);
  trent->subscribe(stay_topic, 1);
  anon->subscribe(stay_topic, 1);
  const std::string oscar = "oscar-" + unique_id("u");
  {  // Offline only: nothing to kick, so it is a failed uid.
    auto o = connect_client(*b, unique_id("oscar"), mqtt_v311, as_user(oscar, persistent()));
    o->disconnect();
  }
  for (int v : all_versions) {
    INFO("requester MQTT ", version_name(v));
    const std::string mallory = "mallory-" + unique_id("u");
    auto m1 = connect_client(*b, unique_id("mal-a"), mqtt_v5, as_user(mallory));
    auto m2 = connect_client(*b, unique_id("mal-b"), mqtt_v5, as_user(mallory));
    auto m3 = connect_client(*b, unique_id("mal-c"), mqtt_v311, as_user(mallory));
    push_requester req(*b, v);
    auto r = req.request("$push/kick", kick_request({mallory, "nobody", oscar}));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 3);
    CHECK(sorted(r->failed_uids) == sorted({"nobody", oscar}));
    for (auto* c : {m1.get(), m2.get()}) {
      INFO("v5 session ", c->client_id());
      const auto reason = c->wait_server_disconnect(3s);
      REQUIRE(reason);
      CHECK(*reason == administrative_action);
    }
    CHECK(m3->wait_connection_lost(3s));
    CHECK_FALSE(m3->server_disconnect_reason());  // 3.1.1 has no server DISCONNECT
    // Bystanders are untouched and still get ordinary messages.
    CHECK_FALSE(trent->connection_lost());
    CHECK_FALSE(anon->connection_lost());
    req.client().publish(stay_topic, "still-here", 1);
    for (auto* c : {trent.get(), anon.get()}) {
      INFO("bystander ", c->client_id());
      auto m = c->wait_message_on(stay_topic, 3s);
      REQUIRE(m);
      CHECK((*m)->get_payload_str() == "still-here");
    }
    CHECK(req.client().is_connected());
  }
}
