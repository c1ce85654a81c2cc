// cluster::channel_node with fake frontends: fan-out is one call per
// frontend whatever its number of members, memberships are reference
// counted, a frontend's state goes with it, and pushes gather the
// frontends' replies into one.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/channel_node.hpp"
#include "config.hpp"

using namespace pummelo::broker;
using namespace pummelo::broker::cluster;

namespace {

// Three frontends and one channel server (this process).
const char* const cluster_json = R"({
  "cluster": {
    "frontends": [
      {"id": "f0", "mqtt_port": 3010, "rpc_port": 4010},
      {"id": "f1", "mqtt_port": 3011, "rpc_port": 4011},
      {"id": "f2", "mqtt_port": 3012, "rpc_port": 4012}
    ],
    "channel_servers": [{"id": "cs", "rpc_port": 4020}]
  }
})";

config load_config() {
  auto r = parse_config(cluster_json);
  REQUIRE_MESSAGE(r.value, r.error);
  auto err = select_server(*r.value, "cs");
  REQUIRE_MESSAGE(err.empty(), err);
  return *r.value;
}

struct uids_call {
  push_mode mode;
  message_ptr m;
  std::vector<std::string> uids;
};

// Records every call; answers deliver_uids synchronously (or holds the
// callback when `hold` is set).
class fake_frontend final : public frontend_port {
 public:
  void deliver(const deliver_call& call) override {
    delivered.push_back(call.msg);
    flags_seen.push_back(call.flags);
  }
  void deliver_uids(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                    push_done done) override {
    calls.push_back({mode, m, uids});
    push_reply r;
    if (answer) {
      r = answer(uids);
    } else {
      r.sessions = uids.size();
    }
    if (hold) {
      held.push_back([done, r] { done(r); });
      return;
    }
    done(r);
  }
  void takeover(const std::string& client_id, std::uint64_t stamp) override {
    takeovers.push_back(client_id);
    takeover_stamps.push_back(stamp);
  }

  std::vector<message_ptr> delivered;
  std::vector<std::uint8_t> flags_seen;
  std::vector<uids_call> calls;
  std::vector<std::string> takeovers;
  std::vector<std::uint64_t> takeover_stamps;
  std::function<push_reply(const std::vector<std::string>&)> answer;
  bool hold = false;
  std::vector<std::function<void()>> held;
};

struct fixture {
  fixture() : cfg(load_config()), topo(cfg), node(topo) {
    for (node_index i = 0; i < 3; ++i) node.set_frontend(i, &fe[i]);
  }

  void apply(node_index f, std::vector<sync_op> ops) { node.apply(f, ops); }
  void join(node_index f, const std::string& filter, const std::string& member) {
    apply(f, {{op_kind::join, filter, member}});
  }
  void leave(node_index f, const std::string& filter, const std::string& member) {
    apply(f, {{op_kind::leave, filter, member}});
  }
  void bind(node_index f, const std::string& uid) { apply(f, {{op_kind::bind_uid, uid, ""}}); }
  void unbind(node_index f, const std::string& uid) { apply(f, {{op_kind::unbind_uid, uid, ""}}); }

  static message_ptr msg(const std::string& topic, bool retain = false) {
    auto m = std::make_shared<message>();
    m->topic = topic;
    m->payload = "p";
    m->retain = retain;
    return m;
  }

  // Delivers per frontend after publishing `topic` (counters cleared first).
  std::vector<std::size_t> publish(const std::string& topic, bool retain = false) {
    for (auto& f : fe) {
      f.delivered.clear();
      f.flags_seen.clear();
    }
    auto m = msg(topic, retain);
    node.publish(m);
    std::vector<std::size_t> out;
    for (auto& f : fe) {
      out.push_back(f.delivered.size());
      for (const auto& d : f.delivered) CHECK(d == m);  // the same message, not a copy
    }
    return out;
  }

  std::optional<push_reply> push(push_mode mode, std::vector<std::string> uids,
                                 const std::string& topic = "$push") {
    std::optional<push_reply> got;
    int calls = 0;
    node.push(mode, msg(topic), std::move(uids), [&](push_reply r) {
      ++calls;
      got = std::move(r);
    });
    CHECK(calls <= 1);
    return got;
  }

  config cfg;
  topology topo;
  channel_node node;
  fake_frontend fe[3];
};

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

using counts = std::vector<std::size_t>;

}  // namespace

TEST_CASE("channel_node: the fixture is 3 frontends and this channel server") {
  fixture x;
  CHECK(x.topo.frontends().size() == 3);
  CHECK(x.topo.channel_servers().size() == 1);
  CHECK(x.topo.self_channel() == std::optional<node_index>(0));
  CHECK_FALSE(x.topo.self_frontend().has_value());
}

TEST_CASE("channel_node: a publish is one deliver per frontend with members, whatever their number") {
  fixture x;
  x.join(0, "news", "alice");
  x.join(1, "news", "alice");
  x.join(0, "news", "bob");
  CHECK(x.publish("news") == counts{1, 1, 0});
  CHECK(x.fe[0].flags_seen == std::vector<std::uint8_t>{0});
  CHECK(x.fe[1].flags_seen == std::vector<std::uint8_t>{0});

  // F frames for F frontends: 1000 more members on f0 change nothing.
  std::vector<sync_op> many;
  for (int i = 0; i < 1000; ++i) many.push_back({op_kind::join, "news", "m" + std::to_string(i)});
  x.apply(0, many);
  auto before = x.node.stats().deliver_calls.load();
  CHECK(x.publish("news") == counts{1, 1, 0});
  CHECK(x.node.stats().deliver_calls.load() - before == 2);

  // Other topics reach nobody.
  CHECK(x.publish("news/x") == counts{0, 0, 0});
  CHECK(x.publish("other") == counts{0, 0, 0});
  CHECK(x.node.channel_count() == 1);
}

TEST_CASE("channel_node: a wildcard channel matches, still one deliver per frontend") {
  fixture x;
  x.join(0, "news", "alice");
  x.join(0, "news/#", "alice");
  x.join(0, "+", "carol");
  x.join(2, "news/#", "dave");
  CHECK(x.publish("news") == counts{1, 0, 1});        // "news/#" matches the parent level
  CHECK(x.publish("news/sport") == counts{1, 0, 1});  // only via "news/#"
  CHECK(x.publish("weather") == counts{1, 0, 0});     // only via "+"
  CHECK(x.publish("a/b") == counts{0, 0, 0});
  CHECK(x.node.channel_count() == 3);
}

TEST_CASE("channel_node: leaving stops the delivers once the last member on a frontend left") {
  fixture x;
  x.join(0, "news", "alice");
  x.join(0, "news", "bob");
  x.join(1, "news", "alice");
  x.leave(0, "news", "alice");
  CHECK(x.publish("news") == counts{1, 1, 0});
  x.leave(0, "news", "bob");
  CHECK(x.publish("news") == counts{0, 1, 0});
  // A leave of a member that is not there changes nothing.
  x.leave(0, "news", "nobody");
  x.leave(2, "news", "alice");
  CHECK(x.publish("news") == counts{0, 1, 0});
  x.leave(1, "news", "alice");
  CHECK(x.publish("news") == counts{0, 0, 0});
  CHECK(x.node.channel_count() == 0);
}

TEST_CASE("channel_node: joining twice is one membership") {
  fixture x;
  x.join(0, "news", "alice");
  x.join(0, "news", "alice");
  x.leave(0, "news", "alice");
  CHECK(x.publish("news") == counts{0, 0, 0});
  CHECK(x.node.channel_count() == 0);
}

TEST_CASE("channel_node: a route is kept while any channel of the frontend needs it") {
  // "news" and "$share/g/news" route the same filter: leaving one keeps the other.
  fixture x;
  x.join(0, "news", "alice");
  x.join(0, "$share/g/news", "alice");
  CHECK(x.node.channel_count() == 2);
  x.leave(0, "news", "alice");
  CHECK(x.publish("news") == counts{1, 0, 0});
  x.leave(0, "$share/g/news", "alice");
  CHECK(x.publish("news") == counts{0, 0, 0});
  CHECK(x.node.channel_count() == 0);
}

TEST_CASE("channel_node: a shared channel routes like its filter") {
  fixture x;
  x.join(1, "$share/g/news", "alice");
  x.join(2, "$share/h/news/#", "bob");
  CHECK(x.publish("news") == counts{0, 1, 1});
  CHECK(x.publish("news/x") == counts{0, 0, 1});
  // The "$share/g/" prefix is not a topic of its own.
  CHECK(x.publish("$share/g/news") == counts{0, 0, 0});
}

TEST_CASE("channel_node: a retained publish reaches every frontend to be stored") {
  fixture x;
  x.join(0, "news", "alice");
  CHECK(x.publish("news", true) == counts{1, 1, 1});
  for (auto& f : x.fe) CHECK(f.flags_seen == std::vector<std::uint8_t>{deliver_store_retained});
  CHECK(x.publish("nobody/listens", true) == counts{1, 1, 1});
  // A frontend without a port is skipped.
  x.node.set_frontend(2, nullptr);
  CHECK(x.publish("news", true) == counts{1, 1, 0});
}

TEST_CASE("channel_node: '#' and '+' do not match topics starting with '$'") {
  fixture x;
  x.join(0, "#", "alice");
  x.join(1, "+/x", "bob");
  x.join(2, "$SYS/#", "carol");
  CHECK(x.publish("$SYS/x") == counts{0, 0, 1});
  CHECK(x.publish("$foo/x") == counts{0, 0, 0});
  CHECK(x.publish("a/x") == counts{1, 1, 0});
}

TEST_CASE("channel_node: a reset op forgets the frontend's members, uids and client ids") {
  fixture x;
  x.join(0, "news", "alice");
  x.join(0, "only-f0", "alice");
  x.join(1, "news", "bob");
  x.bind(0, "alice");
  x.bind(1, "bob");
  x.apply(0, {{op_kind::claim, "c-alice", ""}});
  CHECK(x.node.channel_count() == 2);
  CHECK(x.node.uid_count() == 2);

  // A reset, then a fresh registration in the same frame.
  x.apply(0, {{op_kind::reset, "", ""}, {op_kind::join, "fresh", "zed"}});
  CHECK(x.publish("news") == counts{0, 1, 0});
  CHECK(x.publish("only-f0") == counts{0, 0, 0});
  CHECK(x.publish("fresh") == counts{1, 0, 0});  // ops after the reset apply
  CHECK(x.node.channel_count() == 2);  // "news" (bob on f1) and "fresh"
  CHECK(x.node.uid_count() == 1);

  auto r = x.push(push_mode::uids, {"alice"});
  REQUIRE(r);
  CHECK(r->failed == std::vector<std::string>{"alice"});
  CHECK(r->sessions == 0);
  CHECK(x.fe[0].calls.empty());

  // The client id is forgotten: a claim from f1 takes nothing over.
  x.apply(1, {{op_kind::claim, "c-alice", ""}});
  CHECK(x.fe[0].takeovers.empty());
}

TEST_CASE("channel_node: drop_frontend forgets the frontend's members, uids and client ids") {
  fixture x;
  x.join(0, "news", "alice");
  x.join(0, "news/#", "alice");
  x.join(1, "news", "bob");
  x.join(0, "gone", "m1");
  x.join(0, "gone", "m2");
  x.bind(0, "alice");
  x.bind(1, "bob");
  x.apply(0, {{op_kind::claim, "client-a", ""}});
  auto before = x.node.stats().frontends_dropped.load();

  x.node.drop_frontend(0);
  CHECK(x.node.stats().frontends_dropped.load() == before + 1);
  CHECK(x.publish("news") == counts{0, 1, 0});
  CHECK(x.publish("news/x") == counts{0, 0, 0});
  CHECK(x.publish("gone") == counts{0, 0, 0});
  CHECK(x.node.channel_count() == 1);
  CHECK(x.node.uid_count() == 1);

  auto r = x.push(push_mode::uids, {"alice", "bob"});
  REQUIRE(r);
  CHECK(r->failed == std::vector<std::string>{"alice"});
  CHECK(r->sessions == 1);
  CHECK(x.fe[0].calls.empty());
  REQUIRE(x.fe[1].calls.size() == 1);
  CHECK(x.fe[1].calls[0].uids == std::vector<std::string>{"bob"});

  x.apply(1, {{op_kind::claim, "client-a", ""}});
  CHECK(x.fe[0].takeovers.empty());
  CHECK(x.fe[1].takeovers.empty());

  // The frontend registers again.
  x.join(0, "news", "alice");
  CHECK(x.publish("news") == counts{1, 1, 0});
  // Dropping a frontend with nothing registered is harmless.
  x.node.drop_frontend(2);
  CHECK(x.publish("news") == counts{1, 1, 0});
}

TEST_CASE("channel_node: bind_uid is set-like per frontend") {
  fixture x;
  x.bind(0, "alice");
  x.bind(0, "alice");  // a re-sent bind (reconnect), not a second session
  CHECK(x.node.uid_count() == 1);
  x.unbind(0, "alice");
  CHECK(x.node.uid_count() == 0);
  auto r = x.push(push_mode::uids, {"alice"});
  REQUIRE(r);
  CHECK(r->failed == std::vector<std::string>{"alice"});
  CHECK(x.fe[0].calls.empty());
  // Unbinding what is not bound is harmless.
  x.unbind(0, "alice");
  x.unbind(1, "nobody");
  CHECK(x.node.uid_count() == 0);
}

TEST_CASE("channel_node: a uid bound on two frontends is unbound per frontend") {
  fixture x;
  x.bind(0, "alice");
  x.bind(1, "alice");
  CHECK(x.node.uid_count() == 1);
  x.unbind(0, "alice");
  CHECK(x.node.uid_count() == 1);
  auto r = x.push(push_mode::uids, {"alice"});
  REQUIRE(r);
  CHECK(r->failed.empty());
  CHECK(x.fe[0].calls.empty());
  CHECK(x.fe[1].calls.size() == 1);
}

TEST_CASE("channel_node: push by uids is one deliver_uids per frontend with only its uids") {
  fixture x;
  x.bind(0, "alice");
  x.bind(0, "carol");
  x.bind(1, "bob");
  x.bind(1, "alice");  // alice has devices on two frontends
  x.bind(2, "erin");
  x.fe[0].answer = [](const std::vector<std::string>& uids) {
    push_reply r;
    r.sessions = 3;
    // carol left f0 meanwhile
    if (std::find(uids.begin(), uids.end(), "carol") != uids.end()) r.failed = {"carol"};
    return r;
  };
  x.fe[1].answer = [](const std::vector<std::string>&) {
    push_reply r;
    r.sessions = 4;
    return r;
  };
  auto before = x.node.stats().push_calls.load();
  auto r = x.push(push_mode::uids, {"alice", "bob", "carol", "dave", "bob"});
  REQUIRE(r);
  CHECK(x.node.stats().push_calls.load() - before == 2);
  REQUIRE(x.fe[0].calls.size() == 1);
  REQUIRE(x.fe[1].calls.size() == 1);
  CHECK(x.fe[2].calls.empty());  // erin was not asked for
  CHECK(x.fe[0].calls[0].mode == push_mode::uids);
  CHECK(x.fe[0].calls[0].m->topic == "$push");
  CHECK(sorted(x.fe[0].calls[0].uids) == std::vector<std::string>{"alice", "carol"});
  CHECK(sorted(x.fe[1].calls[0].uids) == std::vector<std::string>{"alice", "bob"});
  CHECK(r->ok);
  CHECK(r->sessions == 7);
  CHECK(sorted(r->failed) == std::vector<std::string>{"carol", "dave"});
  CHECK(r->unreachable_frontends == 0);
}

TEST_CASE("channel_node: push by uids with only unknown uids fails them all without calls") {
  fixture x;
  auto r = x.push(push_mode::kick, {"nobody", "ghost"});
  REQUIRE(r);
  CHECK(sorted(r->failed) == std::vector<std::string>{"ghost", "nobody"});
  CHECK(r->sessions == 0);
  for (auto& f : x.fe) CHECK(f.calls.empty());
}

TEST_CASE("channel_node: kick keeps its mode on the way to the frontend") {
  fixture x;
  x.bind(2, "alice");
  auto r = x.push(push_mode::kick, {"alice"});
  REQUIRE(r);
  REQUIRE(x.fe[2].calls.size() == 1);
  CHECK(x.fe[2].calls[0].mode == push_mode::kick);
  CHECK(r->failed.empty());
  CHECK(r->sessions == 1);
}

TEST_CASE("channel_node: a frontend that cannot carry out a push fails its uids") {
  fixture x;
  x.bind(0, "alice");
  x.bind(0, "amy");
  x.bind(1, "bob");
  x.fe[0].answer = [](const std::vector<std::string>&) {
    push_reply r;
    r.ok = false;
    r.sessions = 99;  // ignored: the request failed
    return r;
  };
  auto r = x.push(push_mode::uids, {"alice", "amy", "bob"});
  REQUIRE(r);
  CHECK(sorted(r->failed) == std::vector<std::string>{"alice", "amy"});
  CHECK(r->sessions == 1);
}

TEST_CASE("channel_node: a frontend without a port fails its uids") {
  fixture x;
  x.bind(0, "alice");
  x.bind(1, "bob");
  x.node.set_frontend(0, nullptr);
  auto r = x.push(push_mode::uids, {"alice", "bob"});
  REQUIRE(r);
  CHECK(r->failed == std::vector<std::string>{"alice"});
  CHECK(r->sessions == 1);
}

TEST_CASE("channel_node: push answers once, after the last frontend replied") {
  fixture x;
  x.bind(0, "alice");
  x.bind(1, "bob");
  x.bind(2, "carol");
  for (auto& f : x.fe) f.hold = true;
  std::optional<push_reply> got;
  int calls = 0;
  x.node.push(push_mode::uids, fixture::msg("t"), {"alice", "bob", "carol"}, [&](push_reply r) {
    ++calls;
    got = std::move(r);
  });
  CHECK(calls == 0);
  REQUIRE(x.fe[1].held.size() == 1);
  x.fe[1].held[0]();
  x.fe[2].held[0]();
  CHECK(calls == 0);
  x.fe[0].held[0]();
  CHECK(calls == 1);
  REQUIRE(got);
  CHECK(got->sessions == 3);
  CHECK(got->failed.empty());
}

TEST_CASE("channel_node: broadcast calls every frontend, one without a port is unreachable") {
  fixture x;
  x.fe[0].answer = [](const std::vector<std::string>& uids) {
    CHECK(uids.empty());
    push_reply r;
    r.sessions = 5;
    return r;
  };
  x.fe[2].answer = [](const std::vector<std::string>&) {
    push_reply r;
    r.sessions = 7;
    return r;
  };
  SUBCASE("all up") {
    auto r = x.push(push_mode::broadcast, {});
    REQUIRE(r);
    for (auto& f : x.fe) {
      REQUIRE(f.calls.size() == 1);
      CHECK(f.calls[0].mode == push_mode::broadcast);
    }
    CHECK(r->sessions == 5 + 0 + 7);
    CHECK(r->unreachable_frontends == 0);
    CHECK(r->failed.empty());
  }
  SUBCASE("f1 has no port") {
    x.node.set_frontend(1, nullptr);
    auto r = x.push(push_mode::broadcast_bound, {});
    REQUIRE(r);
    CHECK(x.fe[0].calls.size() == 1);
    CHECK(x.fe[1].calls.empty());
    CHECK(x.fe[2].calls.size() == 1);
    CHECK(x.fe[0].calls[0].mode == push_mode::broadcast_bound);
    CHECK(r->sessions == 12);
    CHECK(r->unreachable_frontends == 1);
    CHECK(r->failed.empty());
  }
  SUBCASE("f2 cannot be reached") {
    x.fe[2].answer = [](const std::vector<std::string>&) {
      push_reply r;
      r.ok = false;
      return r;
    };
    auto r = x.push(push_mode::broadcast, {});
    REQUIRE(r);
    CHECK(r->sessions == 5 + 0);
    CHECK(r->unreachable_frontends == 1);
  }
  SUBCASE("no frontend has a port") {
    for (node_index i = 0; i < 3; ++i) x.node.set_frontend(i, nullptr);
    auto r = x.push(push_mode::broadcast, {});
    REQUIRE(r);
    CHECK(r->sessions == 0);
    CHECK(r->unreachable_frontends == 3);
  }
}

TEST_CASE("channel_node: a client id claimed elsewhere is taken over on its old frontend only") {
  fixture x;
  x.apply(0, {{op_kind::claim, "client-1", ""}});
  x.apply(0, {{op_kind::claim, "client-1", ""}});  // re-claim on the same frontend
  for (auto& f : x.fe) CHECK(f.takeovers.empty());

  x.apply(1, {{op_kind::claim, "client-1", ""}});
  CHECK(x.fe[0].takeovers == std::vector<std::string>{"client-1"});
  CHECK(x.fe[1].takeovers.empty());
  CHECK(x.fe[2].takeovers.empty());

  // A late release from f0 (the old owner) is ignored: f1 owns it now.
  x.apply(0, {{op_kind::release, "client-1", ""}});
  x.apply(2, {{op_kind::claim, "client-1", ""}});
  CHECK(x.fe[1].takeovers == std::vector<std::string>{"client-1"});
  CHECK(x.fe[0].takeovers.size() == 1);

  // A release by the owner frees the id: the next claim takes nothing over.
  x.apply(2, {{op_kind::release, "client-1", ""}});
  x.apply(0, {{op_kind::claim, "client-1", ""}});
  CHECK(x.fe[2].takeovers.empty());
  CHECK(x.fe[0].takeovers.size() == 1);
}

TEST_CASE("channel_node: a takeover towards a frontend without a port is skipped") {
  fixture x;
  x.apply(0, {{op_kind::claim, "c", ""}});
  x.node.set_frontend(0, nullptr);
  x.apply(1, {{op_kind::claim, "c", ""}});  // must not crash
  x.node.set_frontend(0, &x.fe[0]);
  CHECK(x.fe[0].takeovers.empty());
  // f1 owns it now.
  x.apply(2, {{op_kind::claim, "c", ""}});
  CHECK(x.fe[1].takeovers == std::vector<std::string>{"c"});
}

TEST_CASE("channel_node: channel_count and uid_count") {
  fixture x;
  CHECK(x.node.channel_count() == 0);
  CHECK(x.node.uid_count() == 0);
  x.apply(0, {{op_kind::join, "a", "u1"},
              {op_kind::join, "b", "u1"},
              {op_kind::join, "a", "u2"},
              {op_kind::bind_uid, "u1", ""},
              {op_kind::bind_uid, "u2", ""}});
  x.apply(1, {{op_kind::join, "a", "u1"}, {op_kind::bind_uid, "u1", ""}});
  CHECK(x.node.channel_count() == 2);
  CHECK(x.node.uid_count() == 2);
  x.apply(0, {{op_kind::leave, "b", "u1"}, {op_kind::unbind_uid, "u2", ""}});
  CHECK(x.node.channel_count() == 1);
  CHECK(x.node.uid_count() == 1);
}

// failed_uids are "the uids none of whose sessions took it": a uid with
// sessions on two frontends, reached on one and missed on the other (it
// disconnected meanwhile, or holds only an offline session for a QoS 0
// push), is not failed.
TEST_CASE("channel_node: a uid reached on one frontend is not failed because another missed it") {
  fixture x;
  x.bind(0, "alice");
  x.bind(1, "alice");
  x.fe[0].answer = [](const std::vector<std::string>&) {
    push_reply r;
    r.sessions = 1;  // alice's device on f0 took it
    return r;
  };
  x.fe[1].answer = [](const std::vector<std::string>& uids) {
    push_reply r;
    r.sessions = 0;
    r.failed = uids;  // alice's session on f1 did not
    return r;
  };
  auto r = x.push(push_mode::uids, {"alice"});
  REQUIRE(r);
  CHECK(r->sessions == 1);
  CHECK(r->failed.empty());  // actual: {"alice"}
}

TEST_CASE("channel_node: claim stamps name the session a takeover or release is about") {
  fixture x;
  x.apply(0, {{op_kind::claim, "dev", "7"}});
  // The client moves to f1: f0's session with stamp 7 is the one to end.
  x.apply(1, {{op_kind::claim, "dev", "3"}});
  CHECK(x.fe[0].takeovers == std::vector<std::string>{"dev"});
  CHECK(x.fe[0].takeover_stamps == std::vector<std::uint64_t>{7});
  // ...and straight back to f0 with a new session (stamp 8): f1's stamp-3
  // session ends; f0 compares stamps, so its new session survives a late
  // takeover naming 7.
  x.apply(0, {{op_kind::claim, "dev", "8"}});
  CHECK(x.fe[1].takeover_stamps == std::vector<std::uint64_t>{3});
  // A release naming an older session of the owner changes nothing...
  x.apply(0, {{op_kind::release, "dev", "7"}});
  x.apply(2, {{op_kind::claim, "dev", "1"}});
  CHECK(x.fe[0].takeover_stamps == std::vector<std::uint64_t>{7, 8});
  // ...the owner's current one frees the id.
  x.apply(2, {{op_kind::release, "dev", "1"}});
  x.apply(1, {{op_kind::claim, "dev", "4"}});
  CHECK(x.fe[2].takeovers.empty());
}

TEST_CASE("channel_node: a reclaim after a relink never displaces the live owner") {
  fixture x;
  x.apply(1, {{op_kind::claim, "dev", "5"}});
  // f0 relinks and re-sends a claim for a session that was taken over while
  // its link was down: f0's session ends, f1 keeps the client.
  x.apply(0, {{op_kind::reclaim, "dev", "2"}});
  CHECK(x.fe[0].takeovers == std::vector<std::string>{"dev"});
  CHECK(x.fe[0].takeover_stamps == std::vector<std::uint64_t>{2});
  CHECK(x.fe[1].takeovers.empty());
  // A reclaim of an unowned id (the channel server restarted) takes it.
  x.apply(2, {{op_kind::reclaim, "other", "9"}});
  x.apply(1, {{op_kind::claim, "other", "1"}});
  CHECK(x.fe[2].takeover_stamps == std::vector<std::uint64_t>{9});
}

TEST_CASE("channel_node: two reclaims of one id after a restart keep the newer session") {
  // Stamps are claim times: f1's session (20) connected after f0's (10),
  // while f1's link was down. Whichever frontend relinks first, f0's ends.
  fixture x;
  x.apply(0, {{op_kind::reclaim, "dev", "10"}});
  x.apply(1, {{op_kind::reclaim, "dev", "20"}});
  CHECK(x.fe[0].takeover_stamps == std::vector<std::uint64_t>{10});
  CHECK(x.fe[1].takeovers.empty());
  x.apply(1, {{op_kind::reclaim, "other", "20"}});
  x.apply(0, {{op_kind::reclaim, "other", "10"}});
  CHECK(x.fe[0].takeover_stamps == std::vector<std::uint64_t>{10, 10});
  CHECK(x.fe[0].takeovers == std::vector<std::string>{"dev", "other"});
  CHECK(x.fe[1].takeovers.empty());
  // The survivor still owns it: its release frees the id.
  x.apply(1, {{op_kind::release, "other", "20"}});
  x.apply(2, {{op_kind::claim, "other", "30"}});
  CHECK(x.fe[1].takeovers.empty());
}

TEST_CASE("channel_node: a reclaim never displaces a live claim, whatever its stamp") {
  // Stamps are clock readings of different hosts: a relinked frontend whose
  // clock runs ahead must not end the session that connected elsewhere
  // while its link was down.
  fixture x;
  x.apply(1, {{op_kind::claim, "dev", "100"}});
  x.apply(0, {{op_kind::reclaim, "dev", "900"}});
  CHECK(x.fe[0].takeover_stamps == std::vector<std::uint64_t>{900});
  CHECK(x.fe[1].takeovers.empty());
  // A later claim of f0 is live, and wins as before.
  x.apply(0, {{op_kind::claim, "dev", "901"}});
  CHECK(x.fe[1].takeover_stamps == std::vector<std::uint64_t>{100});
}

TEST_CASE("channel_node: the admin views list channels by prefix and members by frontend") {
  fixture x;
  x.join(0, "news/a", "alice");
  x.join(1, "news/a", "bob");
  x.join(1, "news/a", "carol");
  x.join(2, "news/b", "dave");
  x.join(0, "sport", "alice");
  x.join(0, "$CONTROL/pummelo/v1/response/ctl-1", "$client/ctl-1");

  auto all = x.node.list_channels("", 100);
  REQUIRE(all.channels.size() == 3);
  CHECK(all.total == 3);  // the only channel server is first holder of all
  CHECK(all.channels[0].name == "news/a");
  CHECK(all.channels[0].members == 3);
  CHECK(all.channels[0].frontends == 2);

  auto news = x.node.list_channels("news/", 1);
  REQUIRE(news.channels.size() == 1);  // at the limit
  CHECK(news.channels[0].name == "news/a");
  CHECK(news.total == 2);  // counted past the limit

  auto members = x.node.channel_members("news/a", 1);
  REQUIRE(members);
  REQUIRE(members->size() == 2);
  CHECK((*members)[0].frontend == "f0");
  CHECK((*members)[0].uids == std::vector<std::string>{"alice"});
  CHECK((*members)[1].frontend == "f1");
  CHECK((*members)[1].members == 2);
  CHECK((*members)[1].uids == std::vector<std::string>{"bob"});  // sorted, cut at the limit

  auto dollar = x.node.list_channels("$", 10);  // only when asked for
  REQUIRE(dollar.channels.size() == 1);
  CHECK(dollar.channels[0].name == "$CONTROL/pummelo/v1/response/ctl-1");

  CHECK_FALSE(x.node.channel_members("nothing", 10));
  x.leave(2, "news/b", "dave");
  CHECK_FALSE(x.node.channel_members("news/b", 10));
}
