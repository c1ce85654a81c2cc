// The push API ($push/uids, $push/kick, $push/broadcast) across frontends.
#include "cluster_support.hpp"

using namespace pummelo::test;

TEST_CASE("cluster: $push/uids reaches a uid's sessions on every frontend") {
  cluster_process c;
  const std::string f1 = "frontend-1", f2 = "frontend-2";
  auto alice = connect_to(c, f1, unique_id("alice"), mqtt_v311, user_opts("alice"));
  auto bob = connect_to(c, f2, unique_id("bob"), mqtt_v5, user_opts("bob"));
  auto carol1 = connect_to(c, f1, unique_id("carol-f1"), mqtt_v5, user_opts("carol"));
  auto carol2 = connect_to(c, f2, unique_id("carol-f2"), mqtt_v311, user_opts("carol"));
  // Subscribed or not, a target session gets one copy; a subscribed
  // bystander gets none.
  alice->subscribe("inbox", 1);
  carol1->subscribe("inbox", 1);
  auto dave = connect_to(c, f2, unique_id("dave"), mqtt_v5, user_opts("dave"));
  dave->subscribe("inbox", 1);
  const std::vector<mqtt_client*> targets = {alice.get(), bob.get(), carol1.get(), carol2.get()};
  {
    push_requester probe(c.uri(f2), mqtt_v5);
    wait_uids_bound(probe, {"alice", "bob", "carol"}, targets);
  }
  int n = 0;
  for (const std::string& server : {f1, f2}) {
    for (int v : {mqtt_v311, mqtt_v5}) {
      INFO("request sent on ", server, " by an MQTT ", version_name(v), " client");
      push_requester req(c.uri(server), v);
      const std::string payload = "hi-" + std::to_string(n);
      const int qos = n % 2;
      ++n;
      auto r = req.request("$push/uids",
                           uids_request({"alice", "bob", "carol", "zed"}, "inbox", payload,
                                        "\"qos\":" + std::to_string(qos)));
      REQUIRE_MESSAGE(r, "no reply to $push/uids");
      INFO("reply: ", r->raw);
      REQUIRE(r->parsed);
      CHECK(r->ok);
      CHECK(r->sessions == 4);
      CHECK(r->has_failed_uids);
      CHECK(r->failed_uids == strings{"zed"});
      expect_exactly_one(targets, "inbox", payload, qos);
      CHECK(dave->queued() == 0);
      CHECK(req.others().empty());  // the anonymous requester is no target
    }
  }
  check_clean_stop(c);
}

TEST_CASE("cluster: $push/kick disconnects a uid's sessions on other frontends") {
  cluster_process c;
  const std::string f1 = "frontend-1", f2 = "frontend-2";
  auto bob = connect_to(c, f2, unique_id("bob"), mqtt_v5, user_opts("bob"));
  auto carol1 = connect_to(c, f1, unique_id("carol-f1"), mqtt_v5, user_opts("carol"));
  auto carol2 = connect_to(c, f2, unique_id("carol-f2"), mqtt_v311, user_opts("carol"));
  auto alice = connect_to(c, f2, unique_id("alice"), mqtt_v5, user_opts("alice"));
  {
    push_requester probe(c.uri(f1), mqtt_v5);
    wait_uids_bound(probe, {"bob", "carol", "alice"},
                    {bob.get(), carol1.get(), carol2.get(), alice.get()});
  }
  {
    push_requester req(c.uri(f1), mqtt_v5);
    auto r = req.request("$push/kick", kick_request({"bob", "zed"}));
    REQUIRE_MESSAGE(r, "no reply to $push/kick");
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 1);
    CHECK(r->failed_uids == strings{"zed"});
    const auto reason = bob->wait_server_disconnect(5s);
    REQUIRE_MESSAGE(reason, "bob (frontend-2) got no DISCONNECT");
    CHECK(*reason == rc_administrative_action);
  }
  {
    push_requester req(c.uri(f2), mqtt_v311);
    auto r = req.request("$push/kick", kick_request({"carol"}));
    REQUIRE_MESSAGE(r, "no reply to $push/kick");
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 2);
    CHECK(r->failed_uids.empty());
    const auto reason = carol1->wait_server_disconnect(5s);
    REQUIRE_MESSAGE(reason, "carol (frontend-1) got no DISCONNECT");
    CHECK(*reason == rc_administrative_action);
    CHECK(carol2->wait_connection_lost(5s));
  }
  // The bystander is untouched.
  CHECK(alice->is_connected());
  CHECK_FALSE(alice->connection_lost());
  {  // Kicked uids have no session left: a second kick fails them all.
    push_requester req(c.uri(f2), mqtt_v5);
    auto r = req.request("$push/kick", kick_request({"bob", "carol"}));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->ok);
    CHECK(r->sessions == 0);
    CHECK(sorted(r->failed_uids) == strings{"bob", "carol"});
  }
  check_clean_stop(c);
}

TEST_CASE("cluster: $push/broadcast reaches every online session on every frontend") {
  cluster_process c;
  const std::string f1 = "frontend-1", f2 = "frontend-2";
  const std::string gina_id = unique_id("gina");
  {  // An offline persistent session: broadcast targets online sessions only.
    auto g = connect_to(c, f2, gina_id, mqtt_v5, [] {
      auto o = user_opts("gina");
      o.clean = false;
      o.session_expiry_s = 300;
      return o;
    }());
    g->disconnect();
  }
  auto anon1 = connect_to(c, f1, unique_id("anon-f1"), mqtt_v311);
  auto anon2 = connect_to(c, f2, unique_id("anon-f2"), mqtt_v5);
  auto erin = connect_to(c, f1, unique_id("erin"), mqtt_v311, user_opts("erin"));
  auto frank = connect_to(c, f2, unique_id("frank"), mqtt_v5, user_opts("frank"));
  const std::vector<mqtt_client*> named = {erin.get(), frank.get()};
  const std::vector<mqtt_client*> anonymous = {anon1.get(), anon2.get()};
  // Both requesters stay connected for the whole case: one that had just
  // disconnected could still be counted by a frontend that has not yet read
  // its DISCONNECT, so the expected count would depend on timing.
  push_requester on_f1(c.uri(f1), mqtt_v5), on_f2(c.uri(f2), mqtt_v311);
  for (push_requester* requester : {&on_f1, &on_f2}) {
    push_requester& req = *requester;
    INFO("anonymous requester on ", requester == &on_f1 ? f1 : f2);
    const std::string topic = "bc/" + unique_id("t");
    {
      auto r = req.request("$push/broadcast",
                           broadcast_request(topic, "to-all", false, R"("qos":1)"));
      REQUIRE_MESSAGE(r, "no reply to $push/broadcast");
      INFO("reply: ", r->raw);
      CHECK(r->ok);
      CHECK(r->sessions == 6);  // 4 clients + both anonymous requesters
      std::vector<mqtt_client*> all = named;
      all.insert(all.end(), anonymous.begin(), anonymous.end());
      expect_exactly_one(all, topic, "to-all", 1, 0ms);
      std::this_thread::sleep_for(300ms);
      // The other requester got this broadcast too, and this one got the
      // other's: only this topic's copy is this round's.
      const auto mine = on_topic(req.others(), topic);
      REQUIRE(mine.size() == 1);
      CHECK(mine[0]->get_topic() == topic);
      CHECK(mine[0]->get_payload_str() == "to-all");
    }
    {
      auto r = req.request("$push/broadcast", broadcast_request(topic, "to-bound", true));
      REQUIRE_MESSAGE(r, "no reply to $push/broadcast");
      INFO("reply: ", r->raw);
      CHECK(r->ok);
      CHECK(r->sessions == 2);
      expect_exactly_one(named, topic, "to-bound", 0, 0ms);
      expect_silence(anonymous, 300ms);
      CHECK(on_topic(req.others(), topic).size() == 1);  // only the earlier broadcast
    }
  }
  // Each anonymous requester got both rounds' "to-all" and neither "to-bound".
  for (push_requester* requester : {&on_f1, &on_f2}) CHECK(requester->others().size() == 2);
  {  // A named requester qualifies for a bound_only broadcast itself.
    push_requester req(c.uri(f2), mqtt_v5, user_opts("rita"));
    const std::string topic = "bc/" + unique_id("t");
    auto r = req.request("$push/broadcast", broadcast_request(topic, "incl-rita", true));
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->sessions == 3);
    expect_exactly_one(named, topic, "incl-rita", 0, 0ms);
    std::this_thread::sleep_for(300ms);
    CHECK(req.others().size() == 1);
  }
  mqtt_client g(c.uri(f2), gina_id, mqtt_v5);
  auto o = user_opts("gina");
  o.clean = false;
  o.session_expiry_s = 300;
  CHECK(g.connect(o).is_session_present());
  CHECK(g.expect_no_message(500ms));
  check_clean_stop(c);
}

// CONNACK waits until the uid's channel server registered the session, so a
// push from another frontend right after it reaches the device, also after
// a frontend restart.
TEST_CASE("cluster: a uid connected on one frontend is reachable by push from another") {
  cluster_process c;
  const std::string f1 = "frontend-1", f2 = "frontend-2";
  auto req_on_f2 = std::make_unique<push_requester>(c.uri(f2), mqtt_v5);
  auto req_on_f1 = std::make_unique<push_requester>(c.uri(f1), mqtt_v311);
  constexpr int rounds = 30;
  constexpr int restart_at = 20;  // from this round on, frontend-1 is a restarted process
  int failed = 0, late = 0, failed_after_restart = 0;
  std::string failed_rounds;
  std::vector<std::unique_ptr<mqtt_client>> devices;
  for (int i = 0; i < rounds; ++i) {
    if (i == restart_at) {
      devices.clear();
      req_on_f1.reset();
      c.kill9(f1);
      c.restart(f1);
      req_on_f1 = std::make_unique<push_requester>(c.uri(f1), mqtt_v311);
    }
    // Alternate the device's frontend; the request comes from the other one.
    const bool on_f1 = i % 2 == 0;
    const std::string uid = "fresh-" + unique_id("u");
    devices.push_back(connect_to(c, on_f1 ? f1 : f2, unique_id("dev"),
                                 i % 4 < 2 ? mqtt_v5 : mqtt_v311, user_opts(uid)));
    auto& req = on_f1 ? *req_on_f2 : *req_on_f1;
    auto r = req.request("$push/uids", uids_request({uid}, "hello", "right-after-connack"));
    INFO("round ", i, ", uid ", uid, " on ", on_f1 ? f1 : f2);
    REQUIRE_MESSAGE(r, "no reply to $push/uids");
    INFO("reply: ", r->raw);
    if (r->sessions == 1 && r->failed_uids.empty()) {
      auto m = devices.back()->wait_message(3s);
      REQUIRE(m);
      CHECK((*m)->get_payload_str() == "right-after-connack");
      continue;
    }
    ++failed;
    if (i >= restart_at) ++failed_after_restart;
    failed_rounds += " " + std::to_string(i) + (on_f1 ? "(device on f1)" : "(device on f2)");
    // Tell a race (the binding arrives a moment later) from a lost binding.
    const bool later = poll_until(
        [&] {
          auto again = req.request("$push/uids", uids_request({uid}, "hello", "later"));
          return again && again->sessions == 1 && again->failed_uids.empty();
        },
        2s, 50ms);
    if (later) ++late;
    devices.back()->clear_messages();
  }
  INFO(failed, " of ", rounds, " pushes right after CONNACK failed (", failed_after_restart,
       " after the restart of frontend-1); ", late, " of those uids were reachable a moment later;",
       " failed rounds:", failed_rounds);
  CHECK(late == failed);  // never lost
  CHECK(failed == 0);     // ...nor late
  check_clean_stop(c);
}
