// topic_tree::match(): which filters match which topic names (spec 4.7).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "collect.hpp"
#include "pummelo/channel/topic_tree.hpp"

using pummelo::channel::session_id;
using pummelo::channel::subscriber;
using pummelo::channel::topic_tree;
using pummelo::channel::test::collect;
using pummelo::channel::test::hit;
using pummelo::channel::test::sessions;
using pummelo::channel::test::with_id;
using ids = std::vector<session_id>;

TEST_CASE("an empty tree matches nothing") {
  const topic_tree tree;
  CHECK(sessions(tree, "a/b").empty());
  CHECK(tree.size() == 0);
}

TEST_CASE("exact filters match only the same topic") {
  topic_tree tree;
  tree.subscribe("a/b", 1, {});
  tree.subscribe("a", 2, {});
  tree.subscribe("a/b/c", 3, {});
  CHECK(sessions(tree, "a/b") == ids{1});
  CHECK(sessions(tree, "a") == ids{2});
  CHECK(sessions(tree, "a/b/c") == ids{3});
  CHECK(sessions(tree, "a/c").empty());
  CHECK(sessions(tree, "b").empty());
  CHECK(sessions(tree, "A/b").empty());  // case-sensitive
  CHECK(sessions(tree, "a/b/c/d").empty());
}

TEST_CASE("'+' matches exactly one level") {
  topic_tree tree;
  tree.subscribe("a/+", 1, {});
  tree.subscribe("+/b", 2, {});
  tree.subscribe("+", 3, {});
  tree.subscribe("a/+/c", 4, {});
  tree.subscribe("+/+", 5, {});
  CHECK(sessions(tree, "a/b") == ids{1, 2, 5});
  CHECK(sessions(tree, "a/x") == ids{1, 5});
  CHECK(sessions(tree, "a") == ids{3});
  CHECK(sessions(tree, "a/b/c") == ids{4});
  CHECK(sessions(tree, "a/b/d").empty());
  CHECK(sessions(tree, "x/b") == ids{2, 5});
}

TEST_CASE("'#' matches any number of levels, and the parent level") {
  topic_tree tree;
  tree.subscribe("#", 1, {});
  tree.subscribe("a/#", 2, {});
  tree.subscribe("a/b/#", 3, {});
  tree.subscribe("a/+/#", 4, {});
  CHECK(sessions(tree, "x") == ids{1});
  CHECK(sessions(tree, "a") == ids{1, 2});        // "a/#" matches its parent "a"
  CHECK(sessions(tree, "a/b") == ids{1, 2, 3, 4});  // "a/b/#" and "a/+/#" match "a/b"
  CHECK(sessions(tree, "a/b/c/d/e") == ids{1, 2, 3, 4});
  CHECK(sessions(tree, "a/x") == ids{1, 2, 4});
  CHECK(sessions(tree, "b/a") == ids{1});
}

TEST_CASE("topics starting with '$' are not matched by leading wildcards") {
  topic_tree tree;
  tree.subscribe("#", 1, {});
  tree.subscribe("+/x", 2, {});
  tree.subscribe("$SYS/#", 3, {});
  tree.subscribe("$SYS/+", 4, {});
  tree.subscribe("+", 5, {});
  tree.subscribe("$SYS/x", 6, {});
  CHECK(sessions(tree, "$SYS/x") == ids{3, 4, 6});
  CHECK(sessions(tree, "$SYS") == ids{3});  // "$SYS/#" matches its parent
  CHECK(sessions(tree, "$SYS/a/b") == ids{3});
  CHECK(sessions(tree, "SYS/x") == ids{1, 2});
  // Only the first character counts: "a/$x" is an ordinary topic.
  CHECK(sessions(tree, "a/$x") == ids{1});
  // Shared subscriptions follow the same rule.
  tree.subscribe("$share/g/#", 7, {});
  CHECK(sessions(tree, "$SYS/x") == ids{3, 4, 6});
  CHECK(sessions(tree, "y") == ids{1, 5, 7});
}

TEST_CASE("empty levels are levels") {
  topic_tree tree;
  tree.subscribe("a//b", 1, {});
  tree.subscribe("a/+/b", 2, {});
  tree.subscribe("/a", 3, {});
  tree.subscribe("+/a", 4, {});
  tree.subscribe("a/", 5, {});
  tree.subscribe("a/+", 6, {});
  tree.subscribe("a/#", 7, {});
  tree.subscribe("/", 8, {});
  tree.subscribe("+/+", 9, {});
  CHECK(sessions(tree, "a//b") == ids{1, 2, 7});
  CHECK(sessions(tree, "/a") == ids{3, 4, 9});
  CHECK(sessions(tree, "a/") == ids{5, 6, 7, 9});
  CHECK(sessions(tree, "/") == ids{8, 9});
  CHECK(sessions(tree, "a") == ids{7});
  CHECK(sessions(tree, "a/b") == ids{6, 7, 9});
  CHECK(sessions(tree, "a///b") == ids{7});
}

TEST_CASE("a session subscribed through two matching filters is visited twice") {
  topic_tree tree;
  tree.subscribe("a/b", 1, with_id(10, 1));
  tree.subscribe("a/+", 1, with_id(11, 2));
  tree.subscribe("#", 1, with_id(12, 0));
  CHECK(collect(tree, "a/b") ==
        std::vector<hit>{{1, 10, false}, {1, 11, false}, {1, 12, false}});
  int qos_sum = 0;
  tree.match("a/b", [&](const subscriber& s) { qos_sum += s.options.qos; });
  CHECK(qos_sum == 3);
}

TEST_CASE("match reports the options the subscription holds") {
  topic_tree tree;
  pummelo::channel::subscription_options o;
  o.qos = 2;
  o.no_local = true;
  o.retain_as_published = true;
  o.retain_handling = 2;
  o.subscription_id = 268'435'455;
  tree.subscribe("a/+", 9, o);
  int visits = 0;
  tree.match("a/b", [&](const subscriber& s) {
    ++visits;
    CHECK(s.session == 9);
    CHECK(s.options == o);
    CHECK_FALSE(s.shared);
  });
  CHECK(visits == 1);
}

TEST_CASE("match accepts an rvalue visitor and a mutable one") {
  topic_tree tree;
  tree.subscribe("a", 1, {});
  int n = 0;
  tree.match("a", [&n](const subscriber&) { ++n; });
  struct counter {
    int count = 0;
    void operator()(const subscriber&) { ++count; }
  } c;
  tree.match("a", c);
  CHECK(n == 1);
  CHECK(c.count == 1);
}

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out(1);
  for (const char ch : s) {
    if (ch == '/') {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  return out;
}

// A straightforward reference implementation of spec 4.7.
bool reference_matches(const std::string& filter, const std::string& topic) {
  const auto f = split(filter);
  const auto t = split(topic);
  if (!topic.empty() && topic[0] == '$' && (f[0] == "+" || f[0] == "#")) return false;
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

std::string random_levels(std::mt19937& rng, bool wildcards) {
  static const char* const literal[] = {"a", "b", "", "$x"};
  const int count = std::uniform_int_distribution<int>(1, 4)(rng);
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += '/';
    const int pick = std::uniform_int_distribution<int>(0, wildcards ? 5 : 3)(rng);
    if (pick < 4) {
      out += literal[pick];
    } else if (pick == 4) {
      out += '+';
    } else {
      out += '#';
      break;  // '#' is last
    }
  }
  return out;
}

}  // namespace

TEST_CASE("match agrees with a reference matcher on random filters and topics") {
  std::mt19937 rng(12345);
  for (int round = 0; round < 20; ++round) {
    topic_tree tree;
    std::vector<std::string> filters;
    for (std::uint32_t id = 1; id <= 60; ++id) {
      filters.push_back(random_levels(rng, true));
      // Duplicate filters are fine: each (session, filter) is distinct here.
      tree.subscribe(filters.back(), id, with_id(id));
    }
    for (int t = 0; t < 100; ++t) {
      const std::string topic = random_levels(rng, false);
      std::vector<hit> expected;
      for (std::uint32_t id = 1; id <= filters.size(); ++id) {
        if (reference_matches(filters[id - 1], topic)) expected.push_back({id, id, false});
      }
      CAPTURE(topic);
      CHECK(collect(tree, topic) == expected);
    }
  }
}
