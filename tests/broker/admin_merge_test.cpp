// Merging the servers' parts of an admin answer: lists sorted and cut at the
// limit with totals summed, a wildcard channel listed once though every
// channel server holds it, servers that could not be asked reported, and
// "no such ..." when nobody has the item.
#include <doctest/doctest.h>

#include <rapidjson/document.h>
#include <string>
#include <vector>

#include "admin/admin_merge.hpp"

using namespace pummelo::broker;
using namespace pummelo::broker::admin;

namespace {

server_part part(const std::string& id, const std::string& result_json) {
  server_part p;
  p.id = id;
  p.reachable = true;
  p.result.Parse(result_json.c_str());
  REQUIRE_FALSE(p.result.HasParseError());
  return p;
}

server_part down(const std::string& id, const std::string& error) {
  server_part p;
  p.id = id;
  p.error = error;
  return p;
}

rapidjson::Document answer(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

command with_limit(std::size_t limit) {
  command c;
  c.limit = limit;
  return c;
}

}  // namespace

TEST_CASE("admin merge: client lists are sorted, cut at the limit, totals summed") {
  std::vector<server_part> parts;
  parts.push_back(part("f1", R"({"clients":[{"client_id":"c"},{"client_id":"a"}],"total":2})"));
  parts.push_back(part("f2", R"({"clients":[{"client_id":"b"},{"client_id":"d"}],"total":7})"));
  parts.push_back(down("f3", "timed out"));
  auto d = answer(merge_client_list(parts, with_limit(3)));
  REQUIRE(d["ok"].GetBool());
  const auto& r = d["result"];
  REQUIRE(r["clients"].Size() == 3);
  CHECK(std::string(r["clients"][0]["client_id"].GetString()) == "a");
  CHECK(std::string(r["clients"][2]["client_id"].GetString()) == "c");
  CHECK(r["total"].GetUint64() == 9);
  CHECK(r["truncated"].GetBool());
  REQUIRE(r["unreachable"].Size() == 1);
  CHECK(std::string(r["unreachable"][0]["id"].GetString()) == "f3");
}

TEST_CASE("admin merge: a channel every channel server holds is listed once") {
  std::vector<server_part> parts;
  parts.push_back(part("c1", R"({"channels":[{"name":"a/+","members":2},{"name":"news","members":1}],"total":2})"));
  parts.push_back(part("c2", R"({"channels":[{"name":"a/+","members":2},{"name":"zoo","members":1}],"total":1})"));
  auto d = answer(merge_channel_list(parts, with_limit(10)));
  const auto& r = d["result"];
  REQUIRE(r["channels"].Size() == 3);
  CHECK(std::string(r["channels"][0]["name"].GetString()) == "a/+");
  CHECK(std::string(r["channels"][1]["name"].GetString()) == "news");
  CHECK(r["total"].GetUint64() == 3);
  CHECK_FALSE(r["truncated"].GetBool());
}

TEST_CASE("admin merge: show answers from whoever has it, else no such ...") {
  command c;
  c.client_id = "phone-1";
  c.name = "news";
  std::vector<server_part> parts;
  parts.push_back(part("f1", R"({"client":null})"));
  parts.push_back(part("f2", R"({"client":{"client_id":"phone-1","frontend":"f2"}})"));
  auto d = answer(merge_client_show(parts, c));
  REQUIRE(d["ok"].GetBool());
  CHECK(std::string(d["result"]["client"]["frontend"].GetString()) == "f2");

  std::vector<server_part> none;
  none.push_back(part("f1", R"({"client":null})"));
  auto e = answer(merge_client_show(none, c));
  CHECK_FALSE(e["ok"].GetBool());
  CHECK(std::string(e["error"].GetString()) == "no such client: phone-1");

  std::vector<server_part> channels;
  channels.push_back(part("c1", R"({"channel":null})"));
  channels.push_back(down("c2", "timed out"));
  auto ch = answer(merge_channel_show(channels, c));
  CHECK(std::string(ch["error"].GetString()) == "no such channel: news (not asked: c2: timed out)");

  std::vector<server_part> kicks;
  kicks.push_back(part("f1", R"({"kicked":0})"));
  auto k = answer(merge_client_kick(kicks, c));
  CHECK(std::string(k["error"].GetString()) == "no such client: phone-1");

  std::vector<server_part> offline;
  offline.push_back(part("f1", R"({"kicked":0,"offline":false})"));
  offline.push_back(part("f2", R"({"kicked":0,"offline":true})"));
  auto o = answer(merge_client_kick(offline, c));
  CHECK(std::string(o["error"].GetString()) == "client phone-1 is not connected");
}

TEST_CASE("admin merge: status lists a server that could not be asked with its config") {
  auto cfg = parse_config(R"({"cluster":{
      "frontends":[{"id":"f1","mqtt_port":3001,"rpc_port":4001}],
      "channel_servers":[{"id":"c1","rpc_port":4002}]}})");
  REQUIRE(cfg.value);
  std::vector<server_part> parts;
  parts.push_back(part("f1", R"({"id":"f1","reachable":true,"sessions":4})"));
  parts.push_back(down("c1", "connect failed: Connection refused"));
  auto d = answer(merge_status(parts, *cfg.value));
  const auto& servers = d["result"]["servers"];
  REQUIRE(servers.Size() == 2);
  CHECK(servers[0]["sessions"].GetUint64() == 4);
  CHECK_FALSE(servers[1]["reachable"].GetBool());
  CHECK(std::string(servers[1]["roles"][0].GetString()) == "channel");
  CHECK(std::string(servers[1]["rpc"].GetString()) == "127.0.0.1:4002");
  CHECK(std::string(servers[1]["error"].GetString()) == "connect failed: Connection refused");
}
