// The gate ($gate/lookup: uid -> frontend) and CONNECT redirection.
#include <algorithm>
#include <map>
#include <set>

#include "cluster_support.hpp"

using namespace pummelo::test;

namespace {

std::string other_frontend(const std::string& f) {
  return f == "frontend-1" ? "frontend-2" : "frontend-1";
}

// Checks one lookup answer for `uid` against the cluster's frontends.
void check_answer(const cluster_process& c, const std::optional<gate_reply>& r,
                  const std::string& uid) {
  INFO("lookup of ", uid);
  REQUIRE_MESSAGE(r, "no reply from the gate");
  INFO("reply: ", r->raw);
  REQUIRE(r->parsed);
  REQUIRE(r->ok);
  const auto ids = c.frontend_ids();
  REQUIRE(std::find(ids.begin(), ids.end(), r->frontend) != ids.end());
  CHECK(r->host == "127.0.0.1");
  CHECK(r->port == c.server(r->frontend).mqtt_port);
  CHECK(r->error.empty());
}

// uid -> frontend for many uids, checking every answer.
std::map<std::string, std::string> map_uids(const cluster_process& c, gate_client& g,
                                            const strings& uids) {
  std::map<std::string, std::string> out;
  for (const auto& u : uids) {
    auto r = g.lookup(u);
    check_answer(c, r, u);
    out[u] = r->frontend;
  }
  return out;
}

}  // namespace

TEST_CASE("cluster: the gate maps a uid to a live frontend, stable, spread, with failover") {
  cluster_process c;
  gate_client g5(c.uri("gate"), mqtt_v5);

  auto first = g5.lookup("alice");
  check_answer(c, first, "alice");
  CHECK_MESSAGE(first->correlation == std::optional<std::string>(g5.last_correlation()),
                "the reply must carry the request's correlation data");
  const std::string alice_home = first->frontend;
  for (int i = 0; i < 5; ++i) {  // the same uid always gets the same answer
    auto r = g5.lookup("alice");
    check_answer(c, r, "alice");
    CHECK(r->frontend == alice_home);
  }
  {  // QoS 1 request, another v5 client, a 3.1.1 client with reply_to.
    auto r = g5.lookup("alice", 1);
    check_answer(c, r, "alice");
    CHECK(r->frontend == alice_home);
    gate_client other5(c.uri("gate"), mqtt_v5);
    r = other5.lookup("alice");
    check_answer(c, r, "alice");
    CHECK(r->frontend == alice_home);
    gate_client g311(c.uri("gate"), mqtt_v311);
    r = g311.lookup("alice");
    check_answer(c, r, "alice");
    CHECK(r->frontend == alice_home);
  }

  // Many uids spread over both frontends.
  strings uids;
  for (int i = 0; i < 200; ++i) uids.push_back("uid-" + std::to_string(i));
  const auto mapping = map_uids(c, g5, uids);
  std::map<std::string, int> per_frontend;
  for (const auto& [u, f] : mapping) ++per_frontend[f];
  MESSAGE("200 uids per frontend: frontend-1 ", per_frontend["frontend-1"], ", frontend-2 ",
          per_frontend["frontend-2"]);
  CHECK(per_frontend["frontend-1"] >= 10);
  CHECK(per_frontend["frontend-2"] >= 10);
  CHECK(per_frontend.size() == 2);

  // Malformed requests get {"ok":false,"error":...}.
  for (const std::string& bad : {std::string("not json"), std::string("{}"),
                                std::string(R"({"uid":5})"), std::string(R"({"user":"alice"})"),
                                std::string(R"(["alice"])")}) {
    INFO("request: ", bad);
    auto r = g5.request(bad);
    REQUIRE_MESSAGE(r, "no reply to a malformed request");
    INFO("reply: ", r->raw);
    CHECK(r->parsed);
    CHECK_FALSE(r->ok);
    CHECK_FALSE(r->error.empty());
    CHECK(r->frontend.empty());
  }
  {
    gate_client g311(c.uri("gate"), mqtt_v311);
    auto r = g311.request("{}");  // reply_to is inserted, uid missing
    REQUIRE_MESSAGE(r, "no reply to a 3.1.1 request without uid");
    INFO("reply: ", r->raw);
    CHECK_FALSE(r->ok);
    CHECK_FALSE(r->error.empty());
  }
  // The gate is still fine after the bad requests.
  check_answer(c, g5.lookup("alice"), "alice");

  // alice's frontend dies: the gate sends alice (and every uid) elsewhere.
  const std::string survivor = other_frontend(alice_home);
  c.kill9(alice_home);
  std::optional<gate_reply> last;
  const bool moved = poll_until(
      [&] {
        last = g5.lookup("alice", 0, 1s);
        return last && last->ok && last->frontend == survivor;
      },
      10s, 200ms);
  INFO("last reply: ", last ? last->raw : std::string("none"));
  REQUIRE_MESSAGE(moved, "the gate still sends alice to the killed ", alice_home);
  for (const auto& [u, f] : map_uids(c, g5, uids)) {
    INFO("uid ", u, " was on ", mapping.at(u));
    CHECK(f == survivor);
  }

  // It comes back: alice (and every uid) maps as before.
  c.restart(alice_home);
  const bool back = poll_until(
      [&] {
        last = g5.lookup("alice", 0, 1s);
        return last && last->ok && last->frontend == alice_home;
      },
      10s, 200ms);
  REQUIRE_MESSAGE(back, "alice does not map back to the restarted ", alice_home);
  for (const auto& [u, f] : map_uids(c, g5, uids)) {
    INFO("uid ", u);
    CHECK(f == mapping.at(u));
  }
  check_clean_stop(c);
}

TEST_CASE("cluster: with redirect, a v5 CONNECT on the wrong frontend gets 0x9C + reference") {
  cluster_options o;
  o.redirect = true;
  cluster_process c(o);
  gate_client g(c.uri("gate"), mqtt_v5);
  // One uid that maps to each frontend.
  std::map<std::string, std::string> uid_of;  // frontend -> uid
  for (int i = 0; i < 200 && uid_of.size() < 2; ++i) {
    const std::string u = "redir-" + std::to_string(i);
    auto r = g.lookup(u);
    check_answer(c, r, u);
    uid_of.emplace(r->frontend, u);
  }
  REQUIRE(uid_of.size() == 2);
  for (const auto& [home, uid] : uid_of) {
    const std::string wrong = other_frontend(home);
    const std::string reference = "127.0.0.1:" + std::to_string(c.server(home).mqtt_port);
    INFO("uid ", uid, " (gate: ", home, ", ", reference, ")");
    // A frontend learns that the other one is up over its own link to it,
    // which can come up after the gate's: until then it serves the device
    // itself. Wait (bounded) until it redirects.
    REQUIRE(poll_until(
        [&] {
          raw_mqtt probe(c.server(wrong).mqtt_port);
          return probe.connect(mqtt_v5, unique_id("redir-probe"), uid).reason == rc_use_another_server;
        },
        10s));
    {
      raw_mqtt raw(c.server(wrong).mqtt_port);
      const auto ack = raw.connect(mqtt_v5, unique_id("redir"), uid);
      INFO("v5 CONNECT on ", wrong);
      CHECK(ack.reason == rc_use_another_server);
      CHECK(ack.server_reference == std::optional<std::string>(reference));
      CHECK(ack.closed_after);
    }
    {  // Paho sees the refusal too.
      mqtt_client p(c.uri(wrong), unique_id("redir-paho"), mqtt_v5);
      int code = -1;
      try {
        p.connect(user_opts(uid));
      } catch (const mqtt::exception& e) {
        code = e.get_return_code();  // Paho reports a refused CONNACK's code here
      }
      CHECK(code == rc_use_another_server);
    }
    {
      raw_mqtt raw(c.server(home).mqtt_port);
      const auto ack = raw.connect(mqtt_v5, unique_id("home"), uid);
      INFO("v5 CONNECT on ", home);
      CHECK(ack.reason == 0);
      CHECK_FALSE(ack.server_reference);
    }
    {  // A working session on the right frontend.
      auto p = connect_to(c, home, unique_id("home-paho"), mqtt_v5, user_opts(uid));
      const std::string topic = "redir/" + unique_id("t");
      p->subscribe(topic, 1);
      p->publish(topic, "ok", 1);
      auto m = p->wait_message(3s);
      REQUIRE(m);
      CHECK((*m)->get_payload_str() == "ok");
    }
    {  // 3.1.1 clients are never redirected.
      raw_mqtt raw(c.server(wrong).mqtt_port);
      const auto ack = raw.connect(mqtt_v311, unique_id("v311"), uid);
      INFO("3.1.1 CONNECT on ", wrong);
      CHECK(ack.reason == 0);
      auto p = connect_to(c, wrong, unique_id("v311-paho"), mqtt_v311, user_opts(uid));
      CHECK(p->is_connected());
    }
  }
  check_clean_stop(c);
}
