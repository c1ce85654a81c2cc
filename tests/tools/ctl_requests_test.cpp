// The admin API requests pummeloctl sends, the answers it accepts and the
// text it shows for each command's result.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "ctl_json.hpp"
#include "ctl_options.hpp"
#include "ctl_requests.hpp"

using namespace pummelo::ctl;

namespace {

invocation parse_run(std::initializer_list<const char*> args) {
  std::vector<std::string> v(args.begin(), args.end());
  auto p = parse_command_line(v);
  REQUIRE(p.what == parse_outcome::kind::run);
  return p.inv;
}

rapidjson::Document json(const char* text) {
  rapidjson::Document d;
  d.Parse(text);
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

}  // namespace

TEST_CASE("ctl requests: each command's JSON request") {
  CHECK(request_json(parse_run({"status"})) == R"({"command":"status"})");
  CHECK(request_json(parse_run({"top"})) == R"({"command":"status"})");
  CHECK(request_json(parse_run({"clients", "list"})) == R"({"command":"clients.list"})");
  CHECK(request_json(parse_run({"clients", "list", "--uid", "alice", "--frontend", "f-1", "--limit", "5"})) ==
        R"({"command":"clients.list","uid":"alice","frontend":"f-1","limit":5})");
  CHECK(request_json(parse_run({"clients", "show", "phone-\"1\""})) ==
        R"({"command":"clients.show","client_id":"phone-\"1\""})");
  CHECK(request_json(parse_run({"clients", "kick", "--client", "phone-1"})) ==
        R"({"command":"clients.kick","client_id":"phone-1"})");
  CHECK(request_json(parse_run({"clients", "kick", "--uid", "alice"})) ==
        R"({"command":"clients.kick","uid":"alice"})");
  CHECK(request_json(parse_run({"channels", "list", "--prefix", "news/", "--limit", "10"})) ==
        R"({"command":"channels.list","prefix":"news/","limit":10})");
  CHECK(request_json(parse_run({"channels", "show", "news"})) ==
        R"({"command":"channels.show","name":"news"})");
  CHECK(request_json(parse_run({"push", "--topic", "t/1", "--payload", "hi"})) ==
        R"({"command":"push","topic":"t/1","payload":"hi","qos":0})");
  CHECK(request_json(parse_run({"push", "--topic", "t", "--payload", "p", "--qos", "1", "--uids", "a,b"})) ==
        R"({"command":"push","topic":"t","payload":"p","qos":1,"uids":["a","b"]})");
  CHECK(request_json(parse_run({"broadcast", "--topic", "t", "--payload", "p", "--qos", "1"})) ==
        R"({"command":"broadcast","topic":"t","payload":"p","qos":1})");
}

TEST_CASE("ctl json: answers") {
  auto a = parse_answer(R"({"ok": true, "result": {"kicked": 1}})");
  CHECK(a.ok);
  CHECK_FALSE(a.malformed);
  CHECK(get_uint(a.result, "kicked") == 1);
  a = parse_answer(R"({"ok": false, "error": "no such channel: news"})");
  CHECK_FALSE(a.ok);
  CHECK_FALSE(a.malformed);
  CHECK(a.error == "no such channel: news");
  a = parse_answer("not json");
  CHECK(a.malformed);
  CHECK(a.error.rfind("not JSON", 0) == 0);
  CHECK(parse_answer("[1]").malformed);
  CHECK(parse_answer(R"({"result": {}})").malformed);
  CHECK(parse_answer(R"({"ok": true})").malformed);
  CHECK(to_json(json(R"({"a":[1,"x"]})"), false) == "{\"a\":[1,\"x\"]}\n");
  CHECK(to_json(json(R"({"a":1})"), true) == "{\n  \"a\": 1\n}\n");
  CHECK(json_quote("a\"b\n") == "\"a\\\"b\\n\"");
}

TEST_CASE("ctl json: lenient field access") {
  auto d = json(R"({"s": "x", "n": 5, "d": 1.5, "b": true, "neg": -1, "arr": [1], "obj": {}})");
  CHECK(get_string(d, "s") == "x");
  CHECK(get_string(d, "n", "fb") == "fb");
  CHECK(get_string(d, "missing") == "");
  CHECK(get_uint(d, "n") == 5);
  CHECK(get_uint(d, "neg", 7) == 7);
  CHECK(get_double(d, "d") == doctest::Approx(1.5));
  CHECK(get_double(d, "n") == doctest::Approx(5));
  CHECK(get_bool(d, "b"));
  CHECK(get_bool(d, "s", true));
  CHECK(get_array(d, "arr").Size() == 1);
  CHECK(get_array(d, "obj").Size() == 0);
  CHECK(get_object(d, "arr").IsObject());
}

TEST_CASE("ctl render: status with links, drops and an unreachable server") {
  auto r = json(R"({"servers": [
    {"id": "frontend-1", "roles": ["frontend"], "mqtt": "127.0.0.1:1884", "rpc": "127.0.0.1:7101",
     "reachable": true, "uptime_s": 3725, "sessions": 3, "connections": 3, "channels": 2,
     "messages_in": 100, "messages_out": 250, "messages_in_per_s": 1.5, "messages_out_per_s": 3.0,
     "memory_rss_bytes": 9437184,
     "links": [{"peer": "channel-1", "state": "up"}, {"peer": "channel-2", "state": "down"}],
     "drops": {"messages": 0, "link_calls_failed": 0}},
    {"id": "channel-1", "roles": ["channel"], "mqtt": "", "reachable": true, "uptime_s": 12,
     "sessions": 0, "channels": 7, "messages_in_per_s": 0, "messages_out_per_s": 0,
     "memory_rss_bytes": 1048576, "links": [], "drops": {"messages": 4, "link_calls_failed": 1}},
    {"id": "channel-2", "roles": ["channel"], "mqtt": "", "reachable": false, "error": "timed out"}
  ]})");
  CHECK(render_status(r) ==
        "ID          ROLES     MQTT            UPTIME  SESSIONS  CHANNELS  IN/S  OUT/S  RSS MIB  "
        "DROPS                            LINKS\n"
        "frontend-1  frontend  127.0.0.1:1884  1h 02m         3         2   1.5    3.0      9.0  "
        "0                                channel-1 up, channel-2 down\n"
        "channel-1   channel   -                  12s         0         7   0.0    0.0      1.0  "
        "messages 4, link_calls_failed 1  -\n"
        "channel-2   channel   -                    -         -         -     -      -        -  "
        "-                                unreachable: timed out\n");
}

TEST_CASE("ctl render: status of a standalone broker") {
  auto r = json(R"({"servers": [{"id": "pummelo", "roles": ["frontend", "channel", "gate"],
    "mqtt": "127.0.0.1:1883", "rpc": "", "reachable": true, "uptime_s": 5, "sessions": 1,
    "connections": 1, "channels": 0, "messages_in_per_s": 0.0, "messages_out_per_s": 0.0,
    "memory_rss_bytes": 5242880, "links": [], "drops": {"messages": 0}}]})");
  CHECK(render_status(r) ==
        "ID       ROLES                  MQTT            UPTIME  SESSIONS  CHANNELS  IN/S  OUT/S  "
        "RSS MIB  DROPS  LINKS\n"
        "pummelo  frontend,channel,gate  127.0.0.1:1883      5s         1         0   0.0    0.0  "
        "    5.0  0      -\n");
}

TEST_CASE("ctl render: top sums the reachable servers") {
  auto r = json(R"({"servers": [
    {"id": "f1", "roles": ["frontend"], "reachable": true, "sessions": 2, "connections": 3,
     "messages_in_per_s": 1.5, "messages_out_per_s": 2.0},
    {"id": "f2", "roles": ["frontend"], "reachable": true, "sessions": 1, "connections": 1,
     "messages_in_per_s": 0.5, "messages_out_per_s": 10.25},
    {"id": "c1", "roles": ["channel"], "reachable": false, "error": "connection refused"}]})");
  CHECK(render_top(r) ==
        "SERVER  ROLES     IN/S  OUT/S  SESSIONS  CONNECTIONS\n"
        "f1      frontend   1.5    2.0         2            3\n"
        "f2      frontend   0.5   10.2         1            1\n"
        "c1      channel      -      -         -            -\n"
        "TOTAL              2.0   12.2         3            4\n"
        "c1: unreachable: connection refused\n");
}

TEST_CASE("ctl render: clients list, with and without truncation") {
  auto r = json(R"({"clients": [
    {"client_id": "phone-1", "uid": "alice", "username": "alice", "frontend": "pummelo",
     "address": "127.0.0.1:53122", "protocol": "5", "connected": true, "subscriptions": 2},
    {"client_id": "old", "uid": "", "username": "", "frontend": "pummelo", "address": "",
     "protocol": "3.1.1", "connected": false, "subscriptions": 0}],
    "total": 2, "truncated": false})");
  CHECK(render_clients_list(r) ==
        "CLIENT ID  UID    USERNAME  FRONTEND  ADDRESS          PROTOCOL    STATE    SUBS\n"
        "phone-1    alice  alice     pummelo   127.0.0.1:53122  MQTT 5      online      2\n"
        "old        -      -         pummelo   -                MQTT 3.1.1  offline     0\n"
        "2 clients\n");
  auto t = json(R"({"clients": [{"client_id": "a", "connected": true, "protocol": "5"}],
                    "total": 250, "truncated": true})");
  const std::string text = render_clients_list(t);
  CHECK(text.substr(text.rfind('\n', text.size() - 2) + 1) ==
        "listed 1 of 250 clients (--limit N lists more)\n");
  CHECK(render_clients_list(json(R"({"clients": [], "total": 0, "truncated": false})")) ==
        "CLIENT ID  UID  USERNAME  FRONTEND  ADDRESS  PROTOCOL  STATE  SUBS\n0 clients\n");
}

TEST_CASE("ctl render: clients show and kick") {
  auto r = json(R"({"client": {"client_id": "phone-1", "uid": "alice", "username": "alice",
    "frontend": "pummelo", "address": "127.0.0.1:53122", "protocol": "5", "connected": true,
    "keep_alive_s": 60, "expiry_interval_s": 0,
    "subscriptions": [{"filter": "push/alice/#", "qos": 1}, {"filter": "news", "qos": 0}],
    "inflight": 0, "queued": 4}})");
  CHECK(render_client(r) ==
        "client id:        phone-1\n"
        "uid:              alice\n"
        "username:         alice\n"
        "frontend:         pummelo\n"
        "address:          127.0.0.1:53122\n"
        "protocol:         MQTT 5\n"
        "connected:        yes\n"
        "keep alive:       60 s\n"
        "expiry interval:  0 s\n"
        "inflight:         0\n"
        "queued:           4\n"
        "subscriptions:    2\n"
        "  FILTER        QOS\n"
        "  push/alice/#    1\n"
        "  news            0\n");
  CHECK(render_kick(json(R"({"kicked": 1})")) == "kicked 1 session\n");
  CHECK(render_kick(json(R"({"kicked": 3})")) == "kicked 3 sessions\n");
}

TEST_CASE("ctl render: channels list and show") {
  CHECK(render_channels_list(json(R"({"channels": [{"name": "news", "members": 3, "frontends": 2},
      {"name": "sport", "members": 12, "frontends": 1}], "total": 5, "truncated": true})")) ==
        "NAME   MEMBERS  FRONTENDS\n"
        "news         3          2\n"
        "sport       12          1\n"
        "listed 2 of 5 channels (--limit N lists more)\n");
  CHECK(render_channel(json(R"({"channel": {"name": "news", "members": 5, "frontends": [
      {"frontend": "frontend-1", "members": 4, "uids": ["alice", "bob"], "truncated": true},
      {"frontend": "frontend-2", "members": 1, "uids": ["$client/dev-9"], "truncated": false}]}})")) ==
        "channel news: 5 members on 2 frontends\n"
        "\n"
        "frontend-1: 4 members\n"
        "  alice\n"
        "  bob\n"
        "  ... 2 more (--limit N lists more)\n"
        "\n"
        "frontend-2: 1 member\n"
        "  $client/dev-9\n");
}

TEST_CASE("ctl render: push and broadcast") {
  CHECK(render_push(json(R"({"published": true})"), "news") == "published on news\n");
  CHECK(render_push(json(R"({"sessions": 2, "failed_uids": []})"), "t") == "pushed to 2 sessions\n");
  CHECK(render_push(json(R"({"sessions": 1, "failed_uids": ["x", "y"]})"), "t") ==
        "pushed to 1 session\nfailed uids: x, y\n");
  CHECK(render_broadcast(json(R"({"sessions": 5})")) == "delivered to 5 sessions\n");
  CHECK(render_broadcast(json(R"({"sessions": 5, "failed_uids": [], "unreachable_frontends": 2})")) ==
        "delivered to 5 sessions\nnot delivered on 2 unreachable frontends\n");
  CHECK(render_push(json(R"({"sessions": 1, "failed_uids": [], "unreachable_frontends": 1})"), "t") ==
        "pushed to 1 session\nnot delivered on 1 unreachable frontend\n");
}

TEST_CASE("ctl render: render_result picks the command's renderer") {
  CHECK(render_result(parse_run({"clients", "kick", "--uid", "a"}), json(R"({"kicked": 2})")) ==
        "kicked 2 sessions\n");
  CHECK(render_result(parse_run({"push", "--topic", "t", "--payload", "p"}),
                      json(R"({"published": true})")) == "published on t\n");
}
