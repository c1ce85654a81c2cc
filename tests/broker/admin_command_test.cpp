// The admin API's request parsing: every command with its parameters, each
// limit at and past its bound, and the errors pummeloctl shows as they are.
#include <doctest/doctest.h>

#include <string>

#include "admin/admin_command.hpp"

using namespace pummelo::broker::admin;

namespace {

parse_result parse(const std::string& json, parse_limits lim = {}) { return parse_command(json, lim); }

std::string error_of(const std::string& json, parse_limits lim = {}) {
  auto r = parse(json, lim);
  CHECK_FALSE(r.cmd);
  return r.error;
}

}  // namespace

TEST_CASE("admin command: each command parses with its parameters") {
  auto s = parse(R"({"command":"status"})");
  REQUIRE(s.cmd);
  CHECK(s.cmd->kind == command_kind::status);

  auto l = parse(R"({"command":"clients.list","uid":"alice","frontend":"f1","limit":5})");
  REQUIRE(l.cmd);
  CHECK(l.cmd->kind == command_kind::clients_list);
  CHECK(l.cmd->uid == "alice");
  CHECK(l.cmd->frontend == "f1");
  CHECK(l.cmd->limit == 5);

  auto d = parse(R"({"command":"channels.list"})");
  REQUIRE(d.cmd);
  CHECK(d.cmd->limit == default_list_limit);

  auto show = parse(R"({"command":"channels.show","name":"news"})");
  REQUIRE(show.cmd);
  CHECK(show.cmd->name == "news");

  auto p = parse(R"({"command":"push","topic":"t/1","payload":"hi","qos":1,"uids":["a","b"]})");
  REQUIRE(p.cmd);
  CHECK(p.cmd->qos == 1);
  REQUIRE(p.cmd->uids);
  CHECK(*p.cmd->uids == std::vector<std::string>{"a", "b"});

  auto channel_push = parse(R"({"command":"push","topic":"news","payload":"hi"})");
  REQUIRE(channel_push.cmd);
  CHECK_FALSE(channel_push.cmd->uids);  // an ordinary publish on the topic

  auto b = parse(R"({"command":"broadcast","topic":"all","payload":"x"})");
  REQUIRE(b.cmd);
  CHECK(b.cmd->kind == command_kind::broadcast);
}

TEST_CASE("admin command: bad requests say what is wrong") {
  CHECK(error_of("not json").starts_with("request is not JSON"));
  CHECK(error_of("[1]") == "request is not a JSON object");
  // Not UTF-8: refused before any of it could be echoed into an answer.
  CHECK(error_of("{\"command\":\"re\xff\"}").starts_with("request is not JSON"));
  CHECK(error_of("{}") == "missing parameter: command");
  CHECK(error_of(R"({"command":"reboot"})") == "unknown command: reboot");
  CHECK(error_of(R"({"command":"status","verbose":true})") ==
        "unknown parameter for status: verbose");
  CHECK(error_of(R"({"command":"clients.show"})") == "missing parameter: client_id");
  CHECK(error_of(R"({"command":"clients.show","client_id":""})") == "bad parameter: client_id (empty)");
  CHECK(error_of(R"({"command":"clients.kick"})") ==
        "bad parameter: give exactly one of client_id and uid");
  CHECK(error_of(R"({"command":"clients.kick","client_id":"c","uid":"u"})") ==
        "bad parameter: give exactly one of client_id and uid");
  CHECK(error_of(R"({"command":"push","topic":"a/#","payload":"x"})") ==
        "bad parameter: topic (not a valid topic name)");
  CHECK(error_of(R"({"command":"push","topic":"$SYS/x","payload":"x"})") ==
        "bad parameter: topic (may not start with '$')");
  CHECK(error_of(R"({"command":"push","topic":"t","qos":2})") ==
        "bad parameter: qos (must be an integer from 0 to 1)");
  CHECK(error_of(R"({"command":"push","topic":"t","uids":[]})") == "bad parameter: uids (empty)");
  CHECK(error_of(R"({"command":"push","topic":"t","uids":["a",""]})") ==
        "bad parameter: uids (must be non-empty strings)");
  CHECK(error_of(R"({"command":"channels.list","limit":"7"})") ==
        "bad parameter: limit (must be an integer from 1 to 100000)");
}

TEST_CASE("admin command: limits hold at their bound and refuse past it") {
  CHECK(parse(R"({"command":"clients.list","limit":100000})").cmd);
  CHECK(error_of(R"({"command":"clients.list","limit":100001})") ==
        "bad parameter: limit (must be an integer from 1 to 100000)");
  CHECK(error_of(R"({"command":"clients.list","limit":0})") ==
        "bad parameter: limit (must be an integer from 1 to 100000)");

  parse_limits lim;
  lim.max_uids = 2;
  lim.max_payload = 4;
  CHECK(parse(R"({"command":"push","topic":"t","payload":"abcd","uids":["a","b"]})", lim).cmd);
  CHECK(error_of(R"({"command":"push","topic":"t","payload":"abcd","uids":["a","b","c"]})", lim) ==
        "bad parameter: uids (more than 2)");
  CHECK(error_of(R"({"command":"push","topic":"t","payload":"abcde"})", lim) ==
        "bad parameter: payload (more than 4 bytes)");
}

TEST_CASE("admin command: reply_to is read even when the request is bad") {
  auto r = parse(R"({"command":"reboot","reply_to":"ops/answers"})");
  CHECK_FALSE(r.cmd);
  REQUIRE(r.reply_to);
  CHECK(*r.reply_to == "ops/answers");
  auto bad = parse(R"({"command":"status","reply_to":"a/#"})");
  REQUIRE(bad.cmd);
  CHECK_FALSE(bad.reply_to);  // not a topic name: nowhere to answer
}
