// cluster::topology: roles and self indexes from a config, consistent-hash
// ownership of keys, where a channel filter is held, and the frontend order
// for a uid.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "cluster/topology.hpp"
#include "config.hpp"

using pummelo::broker::config;
using pummelo::broker::parse_config;
using pummelo::broker::select_server;
using pummelo::broker::cluster::has_wildcard;
using pummelo::broker::cluster::node_index;
using pummelo::broker::cluster::routing_filter;
using pummelo::broker::cluster::topology;

namespace {

// Three frontends, three channel servers (fe-1 is also a channel server),
// one gate (fe-2 is also a gate).
const char* const cluster_json = R"({
  "cluster": {
    "frontends": [
      {"id": "fe-1", "mqtt_port": 3010, "rpc_port": 4010},
      {"id": "fe-2", "mqtt_port": 3011, "rpc_port": 4011},
      {"id": "fe-3", "mqtt_port": 3012, "rpc_port": 4012}
    ],
    "channel_servers": [
      {"id": "cs-1", "rpc_port": 4020},
      {"id": "cs-2", "rpc_port": 4021},
      {"id": "fe-1", "rpc_port": 4010}
    ],
    "gates": [
      {"id": "gate", "mqtt_port": 3014},
      {"id": "fe-2", "mqtt_port": 3011}
    ]
  }
})";

config load(const std::string& json, const std::string& id) {
  auto r = parse_config(json);
  REQUIRE_MESSAGE(r.value, r.error);
  auto err = select_server(*r.value, id);
  REQUIRE_MESSAGE(err.empty(), err);
  return *r.value;
}

std::vector<node_index> all_channels(const topology& t) {
  std::vector<node_index> out;
  for (node_index i = 0; i < t.channel_servers().size(); ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("topology: the standalone default is one frontend and one channel server, both self") {
  auto c = load(R"({"server_id": "solo", "listeners": [{"host": "127.0.0.9", "port": 1999}]})", "");
  topology t(c);
  CHECK_FALSE(t.clustered());
  REQUIRE(t.frontends().size() == 1);
  REQUIRE(t.channel_servers().size() == 1);
  CHECK(t.frontends()[0].id == "solo");
  CHECK(t.channel_servers()[0].id == "solo");
  CHECK(t.frontends()[0].host == "127.0.0.9");
  CHECK(t.frontends()[0].mqtt_port == 1999);
  REQUIRE(t.self_frontend().has_value());
  REQUIRE(t.self_channel().has_value());
  CHECK(*t.self_frontend() == 0);
  CHECK(*t.self_channel() == 0);
  CHECK(t.is_gate());
  CHECK(t.self_id() == "solo");
  CHECK(t.frontend_index("solo") == std::optional<node_index>(0));
  CHECK_FALSE(t.frontend_index("other").has_value());
  // Everything is owned and held here.
  CHECK(t.owner("anything") == 0);
  CHECK(t.owner("") == 0);
  CHECK(t.holders("a/b") == std::vector<node_index>{0});
  CHECK(t.holders("#") == std::vector<node_index>{0});
  CHECK(t.holders("$share/g/a/+") == std::vector<node_index>{0});
  CHECK(t.frontends_for("alice") == std::vector<node_index>{0});
}

TEST_CASE("topology: select_server renames the standalone server") {
  auto c = load("{}", "renamed");
  topology t(c);
  CHECK(t.self_id() == "renamed");
  CHECK(t.frontends()[0].id == "renamed");
  CHECK(t.frontends()[0].mqtt_port == 1883);  // the default listener
}

TEST_CASE("topology: self indexes follow --server-id in a cluster") {
  SUBCASE("a frontend that is also a channel server") {
    topology t(load(cluster_json, "fe-1"));
    CHECK(t.clustered());
    CHECK(t.frontends().size() == 3);
    CHECK(t.channel_servers().size() == 3);
    CHECK(t.self_frontend() == std::optional<node_index>(0));
    CHECK(t.self_channel() == std::optional<node_index>(2));
    CHECK_FALSE(t.is_gate());
    CHECK(t.self_id() == "fe-1");
  }
  SUBCASE("a frontend that is also a gate") {
    topology t(load(cluster_json, "fe-2"));
    CHECK(t.self_frontend() == std::optional<node_index>(1));
    CHECK_FALSE(t.self_channel().has_value());
    CHECK(t.is_gate());
  }
  SUBCASE("a plain frontend") {
    topology t(load(cluster_json, "fe-3"));
    CHECK(t.self_frontend() == std::optional<node_index>(2));
    CHECK_FALSE(t.self_channel().has_value());
    CHECK_FALSE(t.is_gate());
  }
  SUBCASE("a channel server only") {
    topology t(load(cluster_json, "cs-2"));
    CHECK_FALSE(t.self_frontend().has_value());
    CHECK(t.self_channel() == std::optional<node_index>(1));
    CHECK_FALSE(t.is_gate());
  }
  SUBCASE("a gate only") {
    topology t(load(cluster_json, "gate"));
    CHECK_FALSE(t.self_frontend().has_value());
    CHECK_FALSE(t.self_channel().has_value());
    CHECK(t.is_gate());
  }
  topology t(load(cluster_json, "fe-3"));
  CHECK(t.frontend_index("fe-1") == std::optional<node_index>(0));
  CHECK(t.frontend_index("fe-2") == std::optional<node_index>(1));
  CHECK(t.frontend_index("fe-3") == std::optional<node_index>(2));
  CHECK_FALSE(t.frontend_index("cs-1").has_value());
  CHECK_FALSE(t.frontend_index("gate").has_value());
}

TEST_CASE("topology: owner() is stable and the same in every process of the cluster") {
  // Two processes (different --server-id) compute the same owners.
  topology a(load(cluster_json, "fe-1"));
  topology b(load(cluster_json, "cs-2"));
  topology a2(load(cluster_json, "fe-1"));
  for (int i = 0; i < 500; ++i) {
    auto key = "key-" + std::to_string(i);
    auto o = a.owner(key);
    CHECK(o < a.channel_servers().size());
    CHECK(o == a.owner(key));  // stable on repeat
    CHECK(o == b.owner(key));
    CHECK(o == a2.owner(key));
  }
}

TEST_CASE("topology: owner() does not depend on the order of the channel servers in the config") {
  // The ring is keyed by ids, so listing the same servers in another order
  // gives the same owner ids (the indexes differ).
  auto reordered = R"({"cluster": {
    "frontends": [{"id": "fe-1", "mqtt_port": 3010, "rpc_port": 4010}],
    "channel_servers": [
      {"id": "fe-1", "rpc_port": 4010}, {"id": "cs-2", "rpc_port": 4021}, {"id": "cs-1", "rpc_port": 4020}
    ]}})";
  topology a(load(cluster_json, "fe-1"));
  topology b(load(reordered, "fe-1"));
  for (int i = 0; i < 300; ++i) {
    auto key = "k" + std::to_string(i);
    CHECK(a.channel_servers()[a.owner(key)].id == b.channel_servers()[b.owner(key)].id);
  }
}

TEST_CASE("topology: owners spread over the channel servers") {
  topology t(load(cluster_json, "fe-1"));
  std::vector<int> share(t.channel_servers().size(), 0);
  for (int i = 0; i < 1000; ++i) ++share.at(t.owner("uid-" + std::to_string(i)));
  for (std::size_t i = 0; i < share.size(); ++i) {
    INFO("channel server " << i << " owns " << share[i] << " of 1000");
    // Ideal is 333; 160 points per server keeps it well within these bounds.
    CHECK(share[i] > 200);
    CHECK(share[i] < 470);
  }
}

TEST_CASE("topology: holders of a filter") {
  topology t(load(cluster_json, "fe-1"));
  auto all = all_channels(t);
  for (const char* f : {"news", "a/b", "a/b/c", "$SYS/x", "x"}) {
    CAPTURE(f);
    CHECK(t.holders(f) == std::vector<node_index>{t.owner(f)});
  }
  CHECK(t.holders("a/+/b") == all);
  CHECK(t.holders("#") == all);
  CHECK(t.holders("+") == all);
  CHECK(t.holders("news/#") == all);
  CHECK(t.holders("$share/g/x/#") == all);
  CHECK(t.holders("$share/g/+/y") == all);
  // A shared exact filter is placed like the filter it shares.
  CHECK(t.holders("$share/g/a/b") == std::vector<node_index>{t.owner("a/b")});
  CHECK(t.holders("$share/grp/news") == std::vector<node_index>{t.owner("news")});
  // Find a filter whose owner differs from the owner of its "$share/..."
  // string, so the test cannot pass by accident.
  bool found = false;
  for (int i = 0; i < 200 && !found; ++i) {
    auto f = "t/" + std::to_string(i);
    auto shared = "$share/g/" + f;
    if (t.owner(f) == t.owner(shared)) continue;
    found = true;
    CHECK(t.holders(shared) == std::vector<node_index>{t.owner(f)});
  }
  CHECK(found);
}

TEST_CASE("topology: frontends_for lists every frontend, the first one stable") {
  topology a(load(cluster_json, "fe-1"));
  topology b(load(cluster_json, "gate"));
  std::set<node_index> firsts;
  for (int i = 0; i < 300; ++i) {
    auto uid = "user-" + std::to_string(i);
    auto order = a.frontends_for(uid);
    REQUIRE(order.size() == 3);
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<node_index>{0, 1, 2});
    CHECK(order == a.frontends_for(uid));
    CHECK(order == b.frontends_for(uid));
    firsts.insert(order.front());
  }
  // The gate's first choice spreads over the frontends.
  CHECK(firsts.size() == 3);
}

TEST_CASE("topology: routing_filter and has_wildcard") {
  CHECK(routing_filter("$share/g/a/b") == "a/b");
  CHECK(routing_filter("$share/group/#") == "#");
  CHECK(routing_filter("a/b") == "a/b");
  CHECK(routing_filter("$SYS/x") == "$SYS/x");
  CHECK(routing_filter("#") == "#");
  CHECK(has_wildcard("a/+/b"));
  CHECK(has_wildcard("#"));
  CHECK(has_wildcard("a/#"));
  CHECK(has_wildcard("$share/g/+"));
  CHECK_FALSE(has_wildcard("a/b"));
  CHECK_FALSE(has_wildcard("$share/g/a"));
  CHECK_FALSE(has_wildcard(""));
}
