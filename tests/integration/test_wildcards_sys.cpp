// Topic filter wildcards, the '$' topic rule, and the $SYS tree.
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "test_support.hpp"

using namespace pummelo::test;


TEST_CASE("wildcards: '+' and '#' match as specified") {
  auto b = start_broker();
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    const std::string r = unique_id("wc");  // own root per round
    // One client per filter, so each delivery is attributed to its filter.
    const std::vector<std::string> filters = {r + "/+/x", r + "/#", r + "/a/#", r + "/+",
                                              "+/a/x", r + "/a/x/#"};
    std::vector<std::unique_ptr<mqtt_client>> subs;
    for (const auto& f : filters) {
      subs.push_back(connect_client(*b, unique_id("wc-sub"), v));
      subs.back()->subscribe(f, 1);
    }
    mqtt_client pub(b->uri(), unique_id("wc-pub"), v);
    pub.connect();
    for (const std::string& t : {r + "/a/x", r + "/a", r + "/b/y", r, r + "/b/x"})
      pub.publish(t, "p", 1);

    using set = std::multiset<std::string>;
    const std::map<std::string, set> expected = {
        {r + "/+/x", {r + "/a/x", r + "/b/x"}},
        // '#' also matches the parent level itself ("wc" for "wc/#").
        {r + "/#", {r + "/a/x", r + "/a", r + "/b/y", r, r + "/b/x"}},
        {r + "/a/#", {r + "/a/x", r + "/a"}},
        {r + "/+", {r + "/a"}},
        {"+/a/x", {r + "/a/x"}},
        {r + "/a/x/#", {r + "/a/x"}},
    };
    std::vector<set> got(filters.size());
    for (std::size_t i = 0; i < filters.size(); ++i)
      for (auto& m : subs[i]->wait_messages(expected.at(filters[i]).size(), 3s))
        got[i].insert(m->get_topic());
    std::this_thread::sleep_for(300ms);  // let any extra (wrong) deliveries arrive
    for (std::size_t i = 0; i < filters.size(); ++i) {
      INFO("filter ", filters[i]);
      while (auto m = subs[i]->wait_message(0ms)) got[i].insert((*m)->get_topic());
      CHECK(got[i] == expected.at(filters[i]));
    }
  }
}

TEST_CASE("wildcards: '#' and '+/...' do not match $SYS topics") {
  auto b = start_broker();  // sys_interval 1 s
  // Control: sees $SYS (retained values at once, then live updates).
  mqtt_client sys(b->uri(), unique_id("sys"), mqtt_v5);
  sys.connect();
  sys.subscribe("$SYS/broker/#", 0);
  REQUIRE(sys.wait_message(3s));
  std::vector<std::unique_ptr<mqtt_client>> wild;
  for (int v : all_versions) {
    for (const char* f : {"#", "+/broker/#", "+/broker/uptime"}) {
      wild.push_back(connect_client(*b, unique_id("wild"), v));
      wild.back()->subscribe(f, 0);
    }
  }
  // Both the retained $SYS messages (at subscribe time) and one round of live
  // updates must pass by without reaching the wildcard subscribers.
  bool live_seen = false;
  const auto deadline = std::chrono::steady_clock::now() + 3500ms;
  while (!live_seen && std::chrono::steady_clock::now() < deadline)
    if (auto m = sys.wait_message(100ms)) live_seen = !(*m)->is_retained();
  REQUIRE(live_seen);
  std::this_thread::sleep_for(200ms);
  for (auto& c : wild) {
    INFO("MQTT ", version_name(c->version()));
    while (auto m = c->wait_message(0ms)) CHECK((*m)->get_topic().rfind('$', 0) != 0);
  }
}

TEST_CASE("sys: $SYS/broker topics are published every sys interval") {
  // Observed on Mosquitto 2.0.11 (sys_interval 1): all $SYS topics are
  // published retained, so a new subscriber gets the last values at once
  // (retain = 1); after that only changed values are published (retain = 0
  // to existing subscribers), about every 2 s (Mosquitto waits for more than
  // sys_interval seconds). Values are plain decimal strings; uptime is
  // "<n> seconds".
  auto b = start_broker();  // sys_interval 1 s
  const std::set<std::string> required = {
      "$SYS/broker/clients/connected",   "$SYS/broker/messages/received",
      "$SYS/broker/messages/sent",       "$SYS/broker/bytes/received",
      "$SYS/broker/bytes/sent",          "$SYS/broker/subscriptions/count",
      "$SYS/broker/retained messages/count", "$SYS/broker/uptime"};
  auto is_number = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  };
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    mqtt_client c(b->uri(), unique_id("sys"), v);
    c.connect();
    c.subscribe("$SYS/broker/#", 0);
    std::map<std::string, std::string> last;
    std::map<std::string, bool> first_retained;
    auto value = [&](const std::string& t) {
      auto it = last.find(t);
      return it == last.end() ? std::string() : it->second;
    };
    // The first values may predate this client (e.g. connected = 0 on a fresh
    // broker); wait for all topics and a connected count that includes us.
    auto done = [&] {
      return std::all_of(required.begin(), required.end(),
                         [&](const std::string& t) { return last.count(t) != 0; }) &&
             is_number(value("$SYS/broker/clients/connected")) &&
             std::stol(value("$SYS/broker/clients/connected")) >= 1;
    };
    const auto deadline = std::chrono::steady_clock::now() + 3500ms;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      if (auto m = c.wait_message(100ms)) {
        const std::string t = (*m)->get_topic();
        if (last.count(t) == 0) first_retained[t] = (*m)->is_retained();
        last[t] = (*m)->get_payload_str();
      }
    }
    for (const auto& t : required) {
      const std::string val = value(t);
      INFO("topic ", t, " = '", val, "'");
      REQUIRE(last.count(t) == 1);
      CHECK(first_retained[t]);
      if (t == "$SYS/broker/uptime") {
        const auto sp = val.find(" seconds");
        REQUIRE(sp != std::string::npos);
        CHECK(is_number(val.substr(0, sp)));
      } else {
        CHECK(is_number(val));
      }
    }
    INFO("clients/connected = '", value("$SYS/broker/clients/connected"), "'");
    CHECK(done());
  }
}
