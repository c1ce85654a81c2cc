// $share groups: one member per group per match, in turn.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "collect.hpp"
#include "pummelo/channel/topic_tree.hpp"

using pummelo::channel::session_id;
using pummelo::channel::subscriber;
using pummelo::channel::topic_tree;
using pummelo::channel::test::with_id;

namespace {

/// The shared visits of one match, in order.
std::vector<subscriber> shared_visits(const topic_tree& tree, std::string_view topic) {
  std::vector<subscriber> out;
  tree.match(topic, [&](const subscriber& s) {
    if (s.shared) out.push_back(s);
  });
  return out;
}

/// The one shared member one match picks (fails the test if not exactly one).
session_id pick_one(const topic_tree& tree, std::string_view topic) {
  const auto visits = shared_visits(tree, topic);
  REQUIRE(visits.size() == 1);
  return visits.front().session;
}

}  // namespace

TEST_CASE("a shared group delivers to each member in turn") {
  topic_tree tree;
  for (session_id s = 1; s <= 3; ++s) tree.subscribe("$share/g/a/+", s, with_id(s));
  CHECK(tree.size() == 3);
  std::vector<session_id> order;
  for (int i = 0; i < 9; ++i) order.push_back(pick_one(tree, "a/b"));
  // Every window of 3 consecutive picks holds each member once.
  for (std::size_t i = 0; i + 3 <= order.size(); ++i) {
    CHECK(std::set<session_id>(order.begin() + i, order.begin() + i + 3) ==
          std::set<session_id>{1, 2, 3});
  }
  // And the options are those of the member picked.
  for (const auto& s : shared_visits(tree, "a/c")) CHECK(s.options.subscription_id == s.session);
}

TEST_CASE("shared and non-shared subscriptions on the same filter") {
  topic_tree tree;
  tree.subscribe("a/b", 1, {});
  tree.subscribe("$share/g/a/b", 1, {});
  tree.subscribe("$share/g/a/b", 2, {});
  for (int i = 0; i < 4; ++i) {
    std::vector<subscriber> all;
    tree.match("a/b", [&](const subscriber& s) { all.push_back(s); });
    REQUIRE(all.size() == 2);
    int shared = 0;
    for (const auto& s : all) shared += s.shared ? 1 : 0;
    CHECK(shared == 1);
  }
  CHECK(shared_visits(tree, "a/c").empty());
}

TEST_CASE("two groups on the same filter each pick one member") {
  topic_tree tree;
  tree.subscribe("$share/g1/x/#", 1, with_id(1));
  tree.subscribe("$share/g1/x/#", 2, with_id(1));
  tree.subscribe("$share/g2/x/#", 3, with_id(2));
  tree.subscribe("$share/g2/x/#", 4, with_id(2));
  tree.subscribe("$share/g2/x/#", 5, with_id(2));
  std::map<session_id, int> picks;
  for (int i = 0; i < 6; ++i) {
    const auto visits = shared_visits(tree, "x/y");
    REQUIRE(visits.size() == 2);
    // One from each group.
    CHECK(visits[0].options.subscription_id != visits[1].options.subscription_id);
    for (const auto& s : visits) ++picks[s.session];
  }
  CHECK(picks == std::map<session_id, int>{{1, 3}, {2, 3}, {3, 2}, {4, 2}, {5, 2}});
}

TEST_CASE("groups on different matching filters are separate groups") {
  topic_tree tree;
  tree.subscribe("$share/g/a/b", 1, {});
  tree.subscribe("$share/g/a/+", 2, {});
  // Same group name, different filters: both deliver.
  auto visits = shared_visits(tree, "a/b");
  REQUIRE(visits.size() == 2);
  CHECK(visits[0].session != visits[1].session);
}

namespace {

/// `count` picks; checks none is in `gone` and that every window of
/// `members` consecutive picks holds `members` distinct sessions.
std::vector<session_id> check_rotation(const topic_tree& tree, const std::set<session_id>& gone,
                                       std::size_t members, int count) {
  std::vector<session_id> order;
  for (int i = 0; i < count; ++i) order.push_back(pick_one(tree, "t"));
  for (const auto s : order) CHECK(gone.count(s) == 0);
  CHECK(std::set<session_id>(order.begin(), order.end()).size() == members);
  for (std::size_t i = 0; i + members <= order.size(); ++i) {
    CHECK(std::set<session_id>(order.begin() + i, order.begin() + i + members).size() == members);
  }
  return order;
}

}  // namespace

TEST_CASE("removing a member mid-rotation keeps the rotation fair") {
  topic_tree tree;
  for (session_id s = 1; s <= 4; ++s) tree.subscribe("$share/g/t", s, {});
  std::set<session_id> gone;
  // Two picks into a round of four, remove the one just served.
  pick_one(tree, "t");
  gone.insert(pick_one(tree, "t"));
  CHECK(tree.unsubscribe("$share/g/t", *gone.begin()));
  auto order = check_rotation(tree, gone, 3, 9);
  // One pick into the next round, remove one not yet served in it.
  pick_one(tree, "t");
  const session_id served = pick_one(tree, "t");
  session_id waiting = 0;
  for (session_id s = 1; s <= 4; ++s) {
    if (gone.count(s) == 0 && s != served && s != order.back()) waiting = s;
  }
  REQUIRE(waiting != 0);
  CHECK(tree.unsubscribe("$share/g/t", waiting));
  gone.insert(waiting);
  check_rotation(tree, gone, 2, 6);
  CHECK(tree.size() == 2);
  // Re-joining puts a member back into the rotation.
  CHECK(tree.subscribe("$share/g/t", waiting, {}));
  gone.erase(waiting);
  order = check_rotation(tree, gone, 3, 6);
  CHECK(std::count(order.begin(), order.end(), waiting) == 2);
}

TEST_CASE("removing the last member removes the group") {
  topic_tree tree;
  tree.subscribe("$share/g/t", 1, {});
  tree.subscribe("$share/g/t", 2, {});
  CHECK(tree.unsubscribe("$share/g/t", 1));
  for (int i = 0; i < 3; ++i) CHECK(pick_one(tree, "t") == 2);
  CHECK(tree.unsubscribe("$share/g/t", 2));
  CHECK(shared_visits(tree, "t").empty());
  CHECK(tree.size() == 0);
  CHECK(tree.subscribe("$share/g/t", 3, {}));
  CHECK(pick_one(tree, "t") == 3);
}

TEST_CASE("replacing a member's options keeps one membership") {
  topic_tree tree;
  CHECK(tree.subscribe("$share/g/t", 1, with_id(1)));
  CHECK_FALSE(tree.subscribe("$share/g/t", 1, with_id(2)));
  CHECK(tree.size() == 1);
  const auto visits = shared_visits(tree, "t");
  REQUIRE(visits.size() == 1);
  CHECK(visits[0].options.subscription_id == 2);
}
