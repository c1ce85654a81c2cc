// uid binding over a session's life: a clean disconnect unbinds, a session
// takeover rebinds to the new connection (and its new user name), and bad
// uid_source / scheduler settings are refused at start-up.
// pummelo-only: Mosquitto has no push API, so every case returns early there.
#include <algorithm>

#include "push_support.hpp"

using namespace pummelo::test;

namespace {

using strings = std::vector<std::string>;

strings sorted(strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("push: uid binding follows disconnects and session takeovers") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  push_requester req(*b, mqtt_v5);
  const std::string topic = "bind/" + unique_id("t");
  auto push = [&](const strings& uids, const std::string& payload) {
    auto r = req.request("$push/uids", uids_request(uids, topic, payload, R"("qos":1)"));
    REQUIRE(r);
    REQUIRE(r->parsed);
    return *r;
  };

  {  // A clean session that ended leaves no binding behind.
    const std::string u1 = unique_id("u1");
    auto c = connect_client(*b, unique_id("bind-x"), mqtt_v5, as_user(u1));
    auto r = push({u1}, "one");
    INFO("reply: ", r.raw);
    CHECK(r.sessions == 1);
    CHECK(c->wait_message(3s));
    c->disconnect();
    // The broker may handle that DISCONNECT on another loop than the push
    // request's, after it: push again until it has (bounded).
    poll_until(
        [&] {
          r = push({u1}, "two");
          return r.sessions == 0;
        },
        5s);
    INFO("reply after disconnect: ", r.raw);
    CHECK(r.ok);
    CHECK(r.sessions == 0);
    CHECK(r.failed_uids == strings{u1});
  }
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    {  // Takeover with the same user name: one session, the new connection.
      const std::string u = unique_id("same");
      const std::string cid = unique_id("bind-same");
      auto old_conn = connect_client(*b, cid, v, as_user(u));
      auto new_conn = connect_client(*b, cid, v, as_user(u));
      CHECK(old_conn->wait_connection_lost(3s));
      auto r = push({u}, "after-takeover");
      INFO("reply: ", r.raw);
      CHECK(r.sessions == 1);
      auto m = new_conn->wait_message(3s);
      REQUIRE(m);
      CHECK((*m)->get_payload_str() == "after-takeover");
      CHECK(new_conn->expect_no_message(300ms));
      CHECK(old_conn->queued() == 0);
    }
    {  // Takeover of a persistent session under another user name rebinds it.
      const std::string before = unique_id("before");
      const std::string after = unique_id("after");
      const std::string cid = unique_id("bind-move");
      auto old_conn = connect_client(*b, cid, v, as_user(before, persistent()));
      auto new_conn = connect_client(*b, cid, v, as_user(after, persistent()));
      CHECK(old_conn->wait_connection_lost(3s));
      auto r = push({before, after}, "rebound");
      INFO("reply: ", r.raw);
      CHECK(r.ok);
      CHECK(r.sessions == 1);
      CHECK(r.failed_uids == strings{before});
      auto m = new_conn->wait_message(3s);
      REQUIRE(m);
      CHECK((*m)->get_payload_str() == "rebound");
      CHECK(new_conn->expect_no_message(300ms));
      new_conn->disconnect();
      // Offline now, but still bound to the new user name.
      r = push({before, after}, "queued");
      INFO("reply while offline: ", r.raw);
      CHECK(r.sessions == 1);
      CHECK(sorted(r.failed_uids) == strings{before});
    }
  }
}

TEST_CASE("push: unknown uid_source or scheduler type is refused at start-up") {
  if (!push_api_available()) return;  // pummelo-only settings
  for (const char* extra : {R"("uid_source": "cookie")", R"("scheduler": {"type": "lazy"})",
                            R"("scheduler": {"type": "buffer", "flush_interval_ms": "soon"})"}) {
    INFO("config: ", extra);
    broker_settings s;
    s.pummelo_extra_json = extra;
    CHECK_THROWS_AS(start_broker(s), std::runtime_error);
  }
}
