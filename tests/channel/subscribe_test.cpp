// subscribe/unsubscribe/find/size, and freeing emptied nodes.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "alloc_counter.hpp"
#include "collect.hpp"
#include "pummelo/channel/topic_tree.hpp"

using pummelo::channel::session_id;
using pummelo::channel::subscription_options;
using pummelo::channel::topic_tree;
using pummelo::channel::test::live_allocations;
using pummelo::channel::test::sessions;
using pummelo::channel::test::with_id;
using ids = std::vector<session_id>;

TEST_CASE("subscribe tells a new subscription from a replacement") {
  topic_tree tree;
  CHECK(tree.subscribe("a/b", 1, with_id(1, 0)));
  CHECK(tree.size() == 1);
  CHECK_FALSE(tree.subscribe("a/b", 1, with_id(2, 1)));  // same session, same filter
  CHECK(tree.size() == 1);
  subscription_options got;
  REQUIRE(tree.find("a/b", 1, &got));
  CHECK(got == with_id(2, 1));  // replaced, not kept
  CHECK(tree.subscribe("a/b", 2, {}));  // other session
  CHECK(tree.subscribe("a/+", 1, {}));  // other filter
  CHECK(tree.subscribe("$share/g/a/b", 1, {}));  // shared is another filter
  CHECK(tree.subscribe("$share/h/a/b", 1, {}));  // and so is another group
  CHECK_FALSE(tree.subscribe("$share/g/a/b", 1, with_id(5)));
  CHECK(tree.size() == 5);
  // A replacement is matched once, with the new options.
  int visits = 0;
  tree.match("x/y", [&](const auto&) { ++visits; });
  CHECK(visits == 0);
  std::vector<std::uint32_t> seen;
  tree.match("a/b", [&](const pummelo::channel::subscriber& s) {
    if (s.session == 1 && !s.shared) seen.push_back(s.options.subscription_id);
  });
  CHECK(seen.size() == 2);  // "a/b" (id 2) and "a/+" (id 0)
}

TEST_CASE("unsubscribe removes exactly one subscription") {
  topic_tree tree;
  tree.subscribe("a/b", 1, {});
  tree.subscribe("a/b", 2, {});
  tree.subscribe("$share/g/a/b", 1, {});
  CHECK_FALSE(tree.unsubscribe("a/b", 3));          // no such session
  CHECK_FALSE(tree.unsubscribe("a/c", 1));          // no such filter
  CHECK_FALSE(tree.unsubscribe("a", 1));            // a prefix node, no subscription
  CHECK_FALSE(tree.unsubscribe("a/b/c", 1));        // below the node
  CHECK_FALSE(tree.unsubscribe("a/+", 1));          // wildcard child absent
  CHECK_FALSE(tree.unsubscribe("$share/h/a/b", 1));  // no such group
  CHECK_FALSE(tree.unsubscribe("$share/g/a/b", 2));  // not a member
  CHECK(tree.size() == 3);
  CHECK(tree.unsubscribe("a/b", 1));
  CHECK_FALSE(tree.unsubscribe("a/b", 1));  // already gone
  CHECK(tree.size() == 2);
  CHECK(sessions(tree, "a/b") == ids{1, 2});  // 1 through the shared group only
  CHECK_FALSE(tree.find("a/b", 1));
  CHECK(tree.find("$share/g/a/b", 1));
  CHECK(tree.unsubscribe("$share/g/a/b", 1));
  CHECK(sessions(tree, "a/b") == ids{2});
  CHECK(tree.size() == 1);
}

TEST_CASE("unsubscribe on an empty tree") {
  topic_tree tree;
  CHECK_FALSE(tree.unsubscribe("a", 1));
  CHECK_FALSE(tree.find("a", 1));
}

TEST_CASE("find looks up the exact filter string") {
  topic_tree tree;
  tree.subscribe("a/+/#", 4, with_id(7, 2));
  subscription_options got;
  CHECK(tree.find("a/+/#", 4, &got));
  CHECK(got == with_id(7, 2));
  CHECK(tree.find("a/+/#", 4));  // out is optional
  CHECK_FALSE(tree.find("a/b/#", 4));  // a matching filter is not the same filter
  CHECK_FALSE(tree.find("a/+", 4));
  CHECK_FALSE(tree.find("a/+/#", 5));
  CHECK_FALSE(tree.find("$share/g/a/+/#", 4));
}

TEST_CASE("unsubscribing everything empties the tree, and it can be reused") {
  topic_tree tree;
  const std::vector<std::string> filters = {"a/b/c", "a/b", "a/+/c", "#", "a/#", "+", "/", "a//",
                                            "$share/g/a/b/c", "$SYS/x"};
  for (session_id s = 1; s <= 3; ++s) {
    for (const auto& f : filters) CHECK(tree.subscribe(f, s, {}));
  }
  CHECK(tree.size() == 3 * filters.size());
  for (session_id s = 1; s <= 3; ++s) {
    for (const auto& f : filters) CHECK(tree.unsubscribe(f, s));
  }
  CHECK(tree.size() == 0);
  for (const auto& f : filters) CHECK_FALSE(tree.find(f, 1));
  CHECK(sessions(tree, "a/b/c").empty());
  CHECK(sessions(tree, "x").empty());
  // Re-subscribing after everything was removed builds the paths again.
  CHECK(tree.subscribe("a/b/c", 9, {}));
  CHECK(tree.subscribe("a/#", 8, {}));
  CHECK(sessions(tree, "a/b/c") == ids{8, 9});
  CHECK(tree.size() == 2);
}

TEST_CASE("unsubscribe frees the nodes it empties") {
  topic_tree tree;
  tree.subscribe("keep", 1, {});
  // One cycle first so the root's containers have their buckets allocated.
  tree.subscribe("x/0/y/z", 1, {});
  tree.unsubscribe("x/0/y/z", 1);
  const auto baseline = live_allocations();

  for (session_id s = 0; s < 50; ++s) {
    const std::string i = std::to_string(s);
    tree.subscribe("x/" + i + "/y/z", s, {});
    tree.subscribe("x/" + i + "/+/#", s, {});
    tree.subscribe("$share/g" + i + "/x/" + i, s, {});
    tree.subscribe("x/#", s, {});
  }
  const auto grown = live_allocations();
  // No doctest assertions until measured: they might allocate themselves.
  bool all_removed = true;
  for (session_id s = 0; s < 50; ++s) {
    const std::string i = std::to_string(s);
    all_removed &= tree.unsubscribe("x/" + i + "/y/z", s);
    all_removed &= tree.unsubscribe("x/" + i + "/+/#", s);
    all_removed &= tree.unsubscribe("$share/g" + i + "/x/" + i, s);
    all_removed &= tree.unsubscribe("x/#", s);
  }
  const auto after = live_allocations();
  CHECK(all_removed);
  CHECK(grown > baseline + 200);
  // Every node below the root that held them is gone again.
  CHECK(after == baseline);
  CHECK(tree.size() == 1);
  CHECK(sessions(tree, "keep") == ids{1});
}

TEST_CASE("removing a deep leaf keeps the nodes still needed above it") {
  topic_tree tree;
  tree.subscribe("a", 1, {});
  tree.subscribe("a/b/c/d", 2, {});
  tree.subscribe("a/b/x", 3, {});
  CHECK(tree.unsubscribe("a/b/c/d", 2));
  CHECK(sessions(tree, "a") == ids{1});
  CHECK(sessions(tree, "a/b/x") == ids{3});
  CHECK(tree.unsubscribe("a/b/x", 3));
  CHECK(sessions(tree, "a") == ids{1});
  CHECK(tree.subscribe("a/b/c/d", 2, {}));
  CHECK(sessions(tree, "a/b/c/d") == ids{2});
}

TEST_CASE("match does not allocate") {
  topic_tree tree;
  for (session_id s = 0; s < 100; ++s) {
    tree.subscribe("a/b/c", s, {});
    tree.subscribe("a/+/c", s, {});
    tree.subscribe("a/#", s, {});
    tree.subscribe("$share/g/a/b/c", s, {});
  }
  std::size_t visits = 0;
  const auto before = pummelo::channel::test::allocations();
  tree.match("a/b/c", [&](const pummelo::channel::subscriber&) { ++visits; });
  tree.match("a/some/long/topic/name/that/does/not/fit/small/string/optimisation",
             [&](const pummelo::channel::subscriber&) { ++visits; });
  CHECK(pummelo::channel::test::allocations() == before);
  CHECK(visits == 100 * 3 + 1 + 100);
}

TEST_CASE("a moved-from tree is empty and usable") {
  topic_tree a;
  a.subscribe("a/b", 1, {});
  topic_tree b(std::move(a));
  CHECK(b.size() == 1);
  CHECK(sessions(b, "a/b") == ids{1});
  CHECK(a.size() == 0);  // NOLINT(bugprone-use-after-move): documented state
  CHECK(sessions(a, "a/b").empty());
  CHECK_FALSE(a.unsubscribe("a/b", 1));
  CHECK(a.subscribe("c", 2, {}));
  topic_tree c;
  c = std::move(b);
  CHECK(sessions(c, "a/b") == ids{1});
  CHECK(b.size() == 0);  // NOLINT(bugprone-use-after-move)
}
