// Many subscribers, and concurrent match() calls.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "pummelo/channel/topic_tree.hpp"

using pummelo::channel::session_id;
using pummelo::channel::subscriber;
using pummelo::channel::topic_tree;

TEST_CASE("10k subscribers on one filter are each visited exactly once") {
  constexpr session_id count = 10'000;
  topic_tree tree;
  for (session_id s = 0; s < count; ++s) CHECK(tree.subscribe("sensors/+/temp", s, {}));
  CHECK(tree.size() == count);
  std::vector<int> seen(count, 0);
  tree.match("sensors/k1/temp", [&](const subscriber& s) { ++seen.at(s.session); });
  CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<std::ptrdiff_t>(count));

  // Remove every other one (swap-remove reorders the rest); still exactly once.
  for (session_id s = 0; s < count; s += 2) CHECK(tree.unsubscribe("sensors/+/temp", s));
  CHECK(tree.size() == count / 2);
  std::fill(seen.begin(), seen.end(), 0);
  tree.match("sensors/k1/temp", [&](const subscriber& s) { ++seen.at(s.session); });
  for (session_id s = 0; s < count; ++s) CHECK(seen[s] == (s % 2 == 1 ? 1 : 0));
}

TEST_CASE("10k distinct filters") {
  topic_tree tree;
  for (session_id s = 0; s < 10'000; ++s) {
    tree.subscribe("dev/" + std::to_string(s) + "/state", s, {});
  }
  for (session_id s = 0; s < 10'000; s += 997) {
    std::vector<session_id> hits;
    tree.match("dev/" + std::to_string(s) + "/state",
               [&](const subscriber& sub) { hits.push_back(sub.session); });
    CHECK(hits == std::vector<session_id>{s});
  }
  for (session_id s = 0; s < 10'000; ++s) {
    CHECK(tree.unsubscribe("dev/" + std::to_string(s) + "/state", s));
  }
  CHECK(tree.size() == 0);
}

TEST_CASE("match() from 4 threads at once, nothing mutating") {
  topic_tree tree;
  constexpr session_id plain = 100;
  constexpr session_id group_members = 5;
  for (session_id s = 0; s < plain; ++s) {
    tree.subscribe("a/+/c", s, {});
    tree.subscribe("a/#", s, {});
  }
  for (session_id s = 0; s < group_members; ++s) {
    tree.subscribe("$share/g/a/b/c", 1000 + s, {});
  }
  constexpr int threads = 4;
  constexpr int rounds = 5'000;  // a multiple of group_members
  std::vector<std::uint64_t> plain_visits(threads, 0);
  std::vector<std::vector<int>> member_picks(threads, std::vector<int>(group_members, 0));
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int r = 0; r < rounds; ++r) {
        tree.match("a/b/c", [&](const subscriber& s) {
          if (s.shared) {
            ++member_picks[t][s.session - 1000];
          } else {
            ++plain_visits[t];
          }
        });
      }
    });
  }
  go.store(true);
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t) CHECK(plain_visits[t] == 2 * plain * rounds);
  // The atomic cursor hands out consecutive turns, so over all threads each
  // member was picked exactly equally often, even with concurrent matches.
  for (session_id m = 0; m < group_members; ++m) {
    int total = 0;
    for (int t = 0; t < threads; ++t) total += member_picks[t][m];
    CHECK(total == threads * rounds / static_cast<int>(group_members));
  }
}
