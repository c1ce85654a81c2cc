// Publish/subscribe across frontends and session takeover across frontends.
#include <algorithm>
#include <map>
#include <set>

#include "cluster_support.hpp"

using namespace pummelo::test;

namespace {

// (payload, qos) pairs of a message list, sorted.
std::vector<std::pair<std::string, int>> payload_qos(
    const std::vector<mqtt::const_message_ptr>& msgs) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& m : msgs) out.emplace_back(m->get_payload_str(), m->get_qos());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("cluster: a publish on one frontend reaches subscribers on every frontend once") {
  cluster_process c;
  const std::string f1 = "frontend-1", f2 = "frontend-2";
  // Exact and wildcard filters on both frontends, both protocol versions.
  auto s1 = connect_to(c, f1, unique_id("exact-f1"), mqtt_v311);
  auto s2 = connect_to(c, f2, unique_id("exact-f2"), mqtt_v5);
  auto w_hash = connect_to(c, f2, unique_id("hash-f2"), mqtt_v5);
  auto w_plus = connect_to(c, f2, unique_id("plus-f2"), mqtt_v311);
  auto w_plus1 = connect_to(c, f1, unique_id("plus-f1"), mqtt_v5);
  auto other1 = connect_to(c, f1, unique_id("other-f1"), mqtt_v5);
  auto other2 = connect_to(c, f2, unique_id("other-f2"), mqtt_v311);
  s1->subscribe("news/sports", 1);
  s2->subscribe("news/sports", 1);
  w_hash->subscribe("news/#", 1);
  w_plus->subscribe("+/sports", 1);
  w_plus1->subscribe("+/sports", 1);
  other1->subscribe("news/weather", 1);
  other2->subscribe("sports/news", 1);
  const std::vector<mqtt_client*> receivers = {s1.get(), s2.get(), w_hash.get(), w_plus.get(),
                                               w_plus1.get()};

  auto p1 = connect_to(c, f1, unique_id("pub-f1"), mqtt_v5);
  auto p2 = connect_to(c, f2, unique_id("pub-f2"), mqtt_v311);
  for (auto* pub : {p1.get(), p2.get()}) {
    const std::string from = pub == p1.get() ? "f1" : "f2";
    INFO("publisher on ", from, " (MQTT ", version_name(pub->version()), ")");
    pub->publish("news/sports", "q0-from-" + from, 0);
    pub->publish("news/sports", "q1-from-" + from, 1);
    const std::vector<std::pair<std::string, int>> want = {{"q0-from-" + from, 0},
                                                           {"q1-from-" + from, 1}};
    for (auto* s : receivers) {
      INFO("subscriber ", s->client_id());
      const auto got = s->wait_messages(2, 5s);
      CHECK(got.size() == 2);
      for (const auto& m : got) CHECK(m->get_topic() == "news/sports");
      CHECK(payload_qos(got) == want);
    }
    // No duplicates anywhere, nothing for the unrelated filters or publishers.
    expect_silence({s1.get(), s2.get(), w_hash.get(), w_plus.get(), w_plus1.get(), other1.get(),
                    other2.get(), p1.get(), p2.get()});
  }
  check_clean_stop(c);
}

TEST_CASE("cluster: SUBACK on one frontend covers a publish from another right after") {
  cluster_process c;
  const std::string f1 = "frontend-1", f2 = "frontend-2";
  auto sub1 = connect_to(c, f1, unique_id("sub-f1"), mqtt_v5);
  auto sub2 = connect_to(c, f2, unique_id("sub-f2"), mqtt_v311);
  auto pub1 = connect_to(c, f1, unique_id("pub-f1"), mqtt_v311);
  auto pub2 = connect_to(c, f2, unique_id("pub-f2"), mqtt_v5);
  struct dir {
    mqtt_client* sub;
    mqtt_client* pub;
    const char* name;
  };
  for (const dir d : {dir{sub2.get(), pub1.get(), "sub on f2, pub on f1"},
                      dir{sub1.get(), pub2.get(), "sub on f1, pub on f2"}}) {
    for (int round = 0; round < 6; ++round) {
      const int qos = round % 2;
      // Exact filters, and every third round a wildcard one.
      const std::string base = "order/" + unique_id("t");
      const std::string filter = round % 3 == 2 ? base + "/+" : base;
      const std::string topic = round % 3 == 2 ? base + "/x" : base;
      INFO(d.name, ", round ", round, ", filter ", filter, ", QoS ", qos);
      d.sub->subscribe(filter, 1);
      d.pub->publish(topic, "right-after-suback", qos);  // no pause in between
      auto m = d.sub->wait_message(3s);
      REQUIRE_MESSAGE(m, "the publish right after SUBACK was lost");
      CHECK((*m)->get_topic() == topic);
      CHECK((*m)->get_payload_str() == "right-after-suback");
    }
    // A fresh client: CONNACK + SUBACK, then the publish.
    auto fresh = std::make_unique<mqtt_client>(
        d.sub == sub1.get() ? c.uri(f1) : c.uri(f2), unique_id("fresh"), mqtt_v5);
    fresh->connect();
    const std::string topic = "order/" + unique_id("fresh");
    fresh->subscribe(topic, 1);
    d.pub->publish(topic, "fresh", 1);
    auto m = fresh->wait_message(3s);
    INFO(d.name, ", fresh client");
    REQUIRE(m);
    CHECK((*m)->get_payload_str() == "fresh");
  }
  expect_silence({sub1.get(), sub2.get()}, 300ms);
  check_clean_stop(c);
}

TEST_CASE("cluster: a client id connecting on another frontend takes the session over") {
  cluster_process c;
  const std::string f1 = "frontend-1", f2 = "frontend-2";
  const std::string topic = "takeover/" + unique_id("t");
  auto old_client = connect_to(c, f1, "dev-1", mqtt_v5, user_opts("dev-user"));
  old_client->subscribe(topic, 1);
  auto new_client = connect_to(c, f2, "dev-1", mqtt_v5, user_opts("dev-user"));
  {
    INFO("the session on frontend-1 must get DISCONNECT 0x8E");
    const auto reason = old_client->wait_server_disconnect(5s);
    REQUIRE(reason);
    CHECK(*reason == rc_session_taken_over);
  }
  new_client->subscribe(topic, 1);
  auto pub = connect_to(c, f1, unique_id("pub"), mqtt_v311);
  pub->publish(topic, "to-new", 1);
  auto m = new_client->wait_message(3s);
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "to-new");
  // Pushes by uid reach the one remaining session only.
  {
    push_requester req(c.uri(f1), mqtt_v5);
    wait_uids_bound(req, {"dev-user"}, {new_client.get()});
    auto r = req.request("$push/uids", uids_request({"dev-user"}, "takeover/push", "pushed"));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 1);
    CHECK(r->failed_uids.empty());
    auto pm = new_client->wait_message(3s);
    REQUIRE(pm);
    CHECK((*pm)->get_topic() == "takeover/push");
  }
  expect_silence({new_client.get()}, 500ms);
  CHECK(new_client->is_connected());
  CHECK_FALSE(new_client->connection_lost());

  // The other way round, from a 3.1.1 client on frontend-2 to a v5 one on
  // frontend-1: 3.1.1 has no DISCONNECT from the server, the socket closes.
  auto old311 = connect_to(c, f2, "dev-2", mqtt_v311);
  auto new5 = connect_to(c, f1, "dev-2", mqtt_v5);
  CHECK(old311->wait_connection_lost(5s));
  new5->subscribe(topic, 1);
  pub->publish(topic, "to-dev-2", 1);
  auto m2 = new5->wait_message(3s);
  REQUIRE(m2);
  CHECK((*m2)->get_payload_str() == "to-dev-2");
  // The first one (dev-1) is still connected: takeovers do not bounce.
  CHECK(new_client->is_connected());

  // Back and forth: f1 -> f2 -> f1 in quick succession; the last one wins.
  auto hop1 = connect_to(c, f1, "dev-3", mqtt_v5, user_opts("hopper"));
  auto hop2 = connect_to(c, f2, "dev-3", mqtt_v5, user_opts("hopper"));
  auto hop3 = connect_to(c, f1, "dev-3", mqtt_v5, user_opts("hopper"));
  for (auto* old : {hop1.get(), hop2.get()}) {
    INFO("session of dev-3 on ", old == hop1.get() ? "frontend-1 (first)" : "frontend-2 (second)");
    const auto reason = old->wait_server_disconnect(5s);
    REQUIRE(reason);
    CHECK(*reason == rc_session_taken_over);
  }
  hop3->subscribe(topic, 1);
  pub->publish(topic, "to-hop3", 1);
  auto m3 = hop3->wait_message(3s);
  REQUIRE(m3);
  CHECK((*m3)->get_payload_str() == "to-hop3");
  {
    push_requester req(c.uri(f2), mqtt_v311);
    wait_uids_bound(req, {"hopper"}, {hop3.get()});
    auto r = req.request("$push/uids", uids_request({"hopper"}, "hop/push", "once"));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->sessions == 1);
    CHECK(r->failed_uids.empty());
    expect_exactly_one({hop3.get()}, "hop/push", "once", 0, 500ms);
  }
  CHECK(hop3->is_connected());
  CHECK_FALSE(hop3->connection_lost());
  check_clean_stop(c);
}

TEST_CASE("cluster: retained messages and wills cross frontends") {
  cluster_process c;
  const std::string f1 = "frontend-1", f2 = "frontend-2";
  // Retained on f1, before anyone subscribes: every frontend keeps it, so a
  // later subscriber on f2 (and one on f1) gets it on subscribe.
  const std::string topic = "status/" + unique_id("dev");
  auto pub = connect_to(c, f1, unique_id("pub"), mqtt_v5);
  pub->publish(topic, "online", 1, true);
  for (const std::string& server : {f2, f1}) {
    INFO("late subscriber on ", server);
    auto late = connect_to(c, server, unique_id("late"), mqtt_v311);
    late->subscribe(topic, 1);
    auto m = late->wait_message_on(topic, 3s);
    REQUIRE(m);
    CHECK((*m)->get_payload_str() == "online");
    CHECK((*m)->is_retained());
  }
  // An empty retained message clears it everywhere.
  pub->publish(topic, "", 1, true);
  auto cleared = connect_to(c, f2, unique_id("cleared"), mqtt_v5);
  cleared->subscribe(topic, 1);
  CHECK(cleared->expect_no_message(700ms));

  // A will published on f2 (its device is kicked, which is no clean
  // DISCONNECT) reaches a watcher on f1.
  const std::string will_topic = "wills/" + unique_id("w");
  auto watcher = connect_to(c, f1, unique_id("watcher"), mqtt_v5);
  watcher->subscribe(will_topic, 1);
  const std::string uid = unique_id("willer");
  auto o = user_opts(uid);
  o.will = mqtt::will_options(will_topic, std::string("gone"), 1, false);
  auto dev = connect_to(c, f2, unique_id("dev"), mqtt_v311, o);
  push_requester req(c.uri(f1), mqtt_v5);
  wait_uids_bound(req, {uid}, {dev.get()});
  auto r = req.request("$push/kick", kick_request({uid}));
  REQUIRE(r);
  CHECK(r->sessions == 1);
  CHECK(dev->wait_connection_lost(3s));
  auto will = watcher->wait_message_on(will_topic, 3s);
  REQUIRE(will);
  CHECK((*will)->get_payload_str() == "gone");
  check_clean_stop(c);
}
