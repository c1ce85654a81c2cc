// hash_ring: the pinned stable hash, placement, balance, and minimal movement
// (against pomelo's crc32(uid) % n).
#include "pummelo/channel/hash_ring.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using pummelo::channel::hash_ring;
using pummelo::channel::stable_hash;

namespace {

using strings = std::vector<std::string>;

strings keys(std::size_t n) {
  strings out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back("user-" + std::to_string(i));
  return out;
}

strings owners_of(const hash_ring& ring, const strings& ks) {
  strings out;
  out.reserve(ks.size());
  for (const auto& k : ks) {
    const std::string* o = ring.owner(k);
    out.push_back(o == nullptr ? std::string("<none>") : *o);
  }
  return out;
}

hash_ring ring_of(const strings& nodes, std::uint32_t virtual_nodes = 160) {
  hash_ring ring(virtual_nodes);
  for (const auto& n : nodes) REQUIRE(ring.add(n));
  return ring;
}

// pomelo's gate: crc32 (IEEE, as zlib and node's `crc` package) of the uid,
// modulo the number of frontends.
std::uint32_t crc32(std::string_view s) {
  std::uint32_t c = 0xffffffffU;
  for (const char ch : s) {
    c ^= static_cast<unsigned char>(ch);
    for (int bit = 0; bit < 8; ++bit) c = (c & 1U) != 0 ? (c >> 1) ^ 0xedb88320U : c >> 1;
  }
  return ~c;
}

// The placement rule written out the slow way, independently of the ring's
// sorted vector: the owner is the node whose point is the fewest steps
// clockwise from the key's hash; ties go to the id that sorts first.
std::string reference_owner(const strings& nodes, std::uint32_t virtual_nodes,
                            std::string_view key) {
  const std::uint64_t h = stable_hash(key);
  std::string best;
  std::uint64_t best_distance = 0;
  for (const auto& n : nodes) {
    for (std::uint32_t i = 0; i < virtual_nodes; ++i) {
      const std::uint64_t distance = stable_hash(n + "#" + std::to_string(i)) - h;  // mod 2^64
      if (best.empty() || distance < best_distance ||
          (distance == best_distance && n < best)) {
        best = n;
        best_distance = distance;
      }
    }
  }
  return best;
}

const strings four = {"frontend-1", "frontend-2", "frontend-3", "frontend-4"};

}  // namespace

TEST_CASE("ring: stable_hash is pinned (every process of the cluster must agree)") {
  // FNV-1a 64 then the splitmix64 finalizer. Expected values computed
  // independently (Python); FNV-1a alone gives the published vectors
  // "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c, "foobar" -> 85944171f73967e8.
  CHECK(stable_hash("") == 0xf52a15e9a9b5e89bULL);
  CHECK(stable_hash("a") == 0x02c0bdbf481420f8ULL);
  CHECK(stable_hash("foobar") == 0x404da9e3b74078c2ULL);
  CHECK(stable_hash("frontend-1#0") == 0xfb3882b37d5d37afULL);
  CHECK(stable_hash("room/1") == 0xd14d320f5e0fc079ULL);
  CHECK(stable_hash("\xc3\xa9t\xc3\xa9") == 0xd85b56784b41d016ULL);  // "été": bytes, unsigned
}

TEST_CASE("ring: owners are pinned for a small cluster") {
  // Computed independently (Python) from the documented rule: points at
  // stable_hash("id#i"), the first point at or after stable_hash(key).
  const auto ring = ring_of({"frontend-1", "frontend-2", "frontend-3"});
  CHECK(owners_of(ring, {"user-1", "user-2", "user-3", "user-4", "user-5", "user-6", "user-7",
                         "user-8", "user-9", "user-10", "user-11", "user-12"}) ==
        strings{"frontend-1", "frontend-2", "frontend-2", "frontend-1", "frontend-1", "frontend-1",
                "frontend-3", "frontend-1", "frontend-2", "frontend-1", "frontend-1",
                "frontend-3"});
}

TEST_CASE("ring: owner follows the documented placement rule") {
  const strings nodes = {"a", "b", "c"};
  for (const std::uint32_t v : {1U, 2U, 8U}) {
    CAPTURE(v);
    const auto ring = ring_of(nodes, v);
    for (const auto& k : keys(500)) {
      CAPTURE(k);
      REQUIRE(ring.owner(k) != nullptr);
      CHECK(*ring.owner(k) == reference_owner(nodes, v, k));
    }
  }
}

TEST_CASE("ring: an empty ring owns nothing") {
  hash_ring ring;
  CHECK(ring.size() == 0);
  CHECK(ring.empty());
  CHECK(ring.virtual_nodes() == 160);
  CHECK(ring.nodes().empty());
  CHECK_FALSE(ring.contains("frontend-1"));
  CHECK(ring.owner("user-1") == nullptr);
  CHECK(ring.owners("user-1", 3).empty());
  CHECK_FALSE(ring.remove("frontend-1"));
}

TEST_CASE("ring: zero virtual nodes is refused") {
  CHECK_THROWS_AS(hash_ring(0), std::invalid_argument);
}

TEST_CASE("ring: one node owns every key") {
  hash_ring ring(4);
  REQUIRE(ring.add("frontend-1"));
  for (const auto& k : keys(1000)) {
    const std::string* o = ring.owner(k);
    REQUIRE(o != nullptr);
    CHECK(*o == "frontend-1");
  }
  CHECK(ring.owners("user-1", 5) == strings{"frontend-1"});
}

TEST_CASE("ring: add and remove report presence") {
  hash_ring ring;
  CHECK(ring.add("frontend-2"));
  CHECK(ring.add("frontend-1"));
  CHECK_FALSE(ring.add("frontend-1"));  // already present: no change
  CHECK(ring.size() == 2);
  CHECK(ring.contains("frontend-1"));
  CHECK(ring.contains("frontend-2"));
  CHECK_FALSE(ring.contains("frontend-3"));
  CHECK(ring.nodes() == strings{"frontend-1", "frontend-2"});  // sorted

  CHECK_FALSE(ring.remove("frontend-3"));
  CHECK(ring.remove("frontend-1"));
  CHECK_FALSE(ring.remove("frontend-1"));
  CHECK(ring.size() == 1);
  CHECK_FALSE(ring.contains("frontend-1"));
  CHECK(ring.nodes() == strings{"frontend-2"});
  CHECK(*ring.owner("user-1") == "frontend-2");

  CHECK(ring.remove("frontend-2"));
  CHECK(ring.empty());
  CHECK(ring.owner("user-1") == nullptr);
  CHECK(ring.add("frontend-1"));  // a removed node can come back
  CHECK(*ring.owner("user-1") == "frontend-1");
}

TEST_CASE("ring: a duplicate add leaves the owners unchanged") {
  auto ring = ring_of(four);
  const auto ks = keys(2000);
  const auto before = owners_of(ring, ks);
  CHECK_FALSE(ring.add("frontend-3"));
  CHECK(owners_of(ring, ks) == before);
}

TEST_CASE("ring: owners do not depend on the order of adds and removes") {
  strings order = {"e", "d", "c", "b", "a"};
  std::sort(order.begin(), order.end());
  const auto ks = keys(2000);
  const auto expected = owners_of(ring_of(order), ks);
  // Every one of the 120 orders: deterministic, and exhaustive.
  int orders = 0;
  do {
    CAPTURE(order);
    CHECK(owners_of(ring_of(order), ks) == expected);
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(orders == 120);

  // Reaching the same set through removals gives the same owners too.
  hash_ring ring;
  for (const auto* n : {"x", "c", "a", "y", "e", "b", "d"}) REQUIRE(ring.add(n));
  REQUIRE(ring.remove("y"));
  REQUIRE(ring.remove("x"));
  CHECK(owners_of(ring, ks) == expected);
  CHECK(ring.owners("user-7", 5) == ring_of({"a", "b", "c", "d", "e"}).owners("user-7", 5));
}

TEST_CASE("ring: 4 nodes share 100k keys evenly") {
  const auto ring = ring_of(four);
  const auto ks = keys(100'000);
  std::map<std::string, std::size_t> counts;
  for (const auto& k : ks) ++counts[*ring.owner(k)];
  REQUIRE(counts.size() == 4);
  for (const auto& [node, count] : counts) {
    CAPTURE(node);
    CAPTURE(count);
    const double share = static_cast<double>(count) / static_cast<double>(ks.size());
    CHECK(share >= 0.20);
    CHECK(share <= 0.30);
  }
}

TEST_CASE("ring: adding a 5th node moves about 1/5 of the keys, all to it") {
  auto ring = ring_of(four);
  const auto ks = keys(100'000);
  const auto before = owners_of(ring, ks);

  REQUIRE(ring.add("frontend-5"));
  const auto after = owners_of(ring, ks);
  std::size_t moved = 0;
  std::size_t moved_elsewhere = 0;
  for (std::size_t i = 0; i < ks.size(); ++i) {
    if (after[i] == before[i]) continue;
    ++moved;
    if (after[i] != "frontend-5") ++moved_elsewhere;
  }
  const double fraction = static_cast<double>(moved) / static_cast<double>(ks.size());
  CAPTURE(fraction);
  CHECK(fraction > 0.12);
  CHECK(fraction < 0.28);
  CHECK(moved_elsewhere == 0);  // no key moves between the old nodes

  // Removing it again restores every key's previous owner exactly.
  REQUIRE(ring.remove("frontend-5"));
  CHECK(owners_of(ring, ks) == before);

  // pomelo's gate, crc32(uid) % n, remaps most keys for the same change
  // (about 4/5 of them: a key stays only when its hash mod 20 is below 4).
  std::size_t modulo_moved = 0;
  for (const auto& k : ks) {
    if (crc32(k) % 4 != crc32(k) % 5) ++modulo_moved;
  }
  const double modulo_fraction = static_cast<double>(modulo_moved) / static_cast<double>(ks.size());
  CAPTURE(modulo_fraction);
  CHECK(modulo_fraction > 0.6);
}

TEST_CASE("ring: removing a node moves only its own keys") {
  auto ring = ring_of(four);
  const auto ks = keys(20'000);
  const auto before = owners_of(ring, ks);
  REQUIRE(ring.remove("frontend-2"));
  const auto after = owners_of(ring, ks);
  std::size_t moved = 0;
  for (std::size_t i = 0; i < ks.size(); ++i) {
    CHECK(after[i] != "frontend-2");
    if (before[i] != "frontend-2") {
      CHECK(after[i] == before[i]);
    } else {
      ++moved;
    }
  }
  CHECK(moved > 0);
}

TEST_CASE("ring: owners(key, n) lists distinct nodes starting with owner(key)") {
  const auto ring = ring_of(four);
  for (const auto& k : keys(1000)) {
    CAPTURE(k);
    CHECK(ring.owners(k, 0).empty());
    CHECK(ring.owners(k, 1) == strings{*ring.owner(k)});

    const auto two = ring.owners(k, 2);
    REQUIRE(two.size() == 2);
    CHECK(two[0] == *ring.owner(k));
    CHECK(two[0] != two[1]);

    // n above size: every node once, still starting with the owner; and
    // each shorter list is a prefix of the longer one.
    const auto all = ring.owners(k, 10);
    REQUIRE(all.size() == 4);
    CHECK(all[0] == *ring.owner(k));
    CHECK(std::equal(two.begin(), two.end(), all.begin()));
    CHECK(ring.owners(k, 4) == all);
    auto sorted_all = all;
    std::sort(sorted_all.begin(), sorted_all.end());
    CHECK(sorted_all == four);
  }
}

TEST_CASE("ring: the second owner is where the key goes if its owner leaves") {
  // What makes owners() useful as a fallback list: the next node clockwise
  // is exactly the one that inherits the key.
  const auto ring = ring_of(four);
  for (const auto& k : keys(1000)) {
    CAPTURE(k);
    const auto pref = ring.owners(k, 2);
    REQUIRE(pref.size() == 2);
    auto without = ring;
    REQUIRE(without.remove(pref[0]));
    CHECK(*without.owner(k) == pref[1]);
  }
}
