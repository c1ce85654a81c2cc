// Push frames: a publish reaches each frontend with subscribers in exactly one
// frame from the channel server, however many subscribers it holds, and a
// frontend without subscribers gets none ($SYS push-frames/received).
#include <map>

#include "cluster_support.hpp"

using namespace pummelo::test;

TEST_CASE("cluster: one push frame per frontend with subscribers, none for the others") {
  cluster_options o;
  o.frontends = 3;
  o.gate = false;
  cluster_process c(o);
  const std::string topic = "frames/" + unique_id("t");
  constexpr int per_frontend = 15;
  std::vector<std::unique_ptr<mqtt_client>> subs;
  for (const char* f : {"frontend-1", "frontend-2"})
    for (int i = 0; i < per_frontend; ++i) {
      subs.push_back(connect_to(c, f, unique_id("fsub"), i % 2 ? mqtt_v5 : mqtt_v311));
      subs.back()->subscribe(topic, 1);
    }
  const std::string counter = "$SYS/broker/cluster/push-frames/received";
  std::map<std::string, std::unique_ptr<sys_reader>> readers;
  for (const auto& f : c.frontend_ids()) {
    readers[f] = std::make_unique<sys_reader>(c.uri(f), counter);
    INFO(f, ": ", counter, " has no retained value");
    REQUIRE(readers[f]->first(3s));
  }
  const auto interval = std::chrono::seconds(o.sys_interval_s);
  auto read_all = [&] {
    std::map<std::string, std::int64_t> out;
    for (auto& [f, r] : readers) {
      const auto v = r->latest(50ms);
      INFO(f, ": ", counter, " = '", v.value_or("<none>"), "'");
      REQUIRE(to_int(v));
      out[f] = *to_int(v);
    }
    return out;
  };
  // Two intervals after the subscriptions, the counters are settled.
  std::this_thread::sleep_for(2 * interval + 300ms);
  const auto before = read_all();

  auto pub = connect_to(c, "frontend-3", unique_id("pub-f3"), mqtt_v5);
  pub->publish(topic, "one", 1);
  for (auto& s : subs) {
    INFO("subscriber ", s->client_id());
    auto m = s->wait_message(5s);
    REQUIRE(m);
    CHECK((*m)->get_payload_str() == "one");
  }
  // The counters are republished every interval: wait (bounded) until both
  // frontends with subscribers show their frame, then one interval more, so
  // that a frame too many (or one to frontend-3) would show as well.
  std::map<std::string, std::int64_t> after;
  poll_until(
      [&] {
        after = read_all();
        return after.at("frontend-1") > before.at("frontend-1") &&
               after.at("frontend-2") > before.at("frontend-2");
      },
      10s, 200ms);
  std::this_thread::sleep_for(interval + 300ms);
  after = read_all();
  std::int64_t sum = 0;
  for (const auto& [f, v] : after) {
    const std::int64_t inc = v - before.at(f);
    MESSAGE(f, ": push frames received ", before.at(f), " -> ", v);
    sum += inc;
  }
  CHECK(sum == 2);
  CHECK(after.at("frontend-1") - before.at("frontend-1") == 1);
  CHECK(after.at("frontend-2") - before.at("frontend-2") == 1);
  CHECK(after.at("frontend-3") - before.at("frontend-3") == 0);
  std::vector<mqtt_client*> all;
  for (auto& s : subs) all.push_back(s.get());
  expect_silence(all, 0ms);
  check_clean_stop(c);
}
