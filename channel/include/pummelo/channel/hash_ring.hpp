// A consistent-hash ring: maps keys (uids, channel names) to nodes (frontend
// or channel server ids) so that adding or removing one of n nodes moves only
// about 1/n of the keys. pomelo's gate used crc32(uid) % n, which remaps
// almost every uid whenever a frontend is added.
//
// Each node is placed at `virtual_nodes` points on a 64-bit ring, point i of
// node "id" at stable_hash("id#i") (i in decimal, from 0). A key belongs to
// the node of the first point at or after stable_hash(key), wrapping past the
// top. Equal points (a 64-bit collision) go to the node whose id sorts first,
// so the result depends only on the set of nodes, never on the order they
// were added in, and every process of the cluster computes the same owners.
//
// Pure data: no I/O, no clocks, no threads, no randomness. Not thread-safe;
// the owner locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pummelo::channel {

/// The ring's hash: 64-bit FNV-1a over the bytes of `s`, then the splitmix64
/// finalizer (z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27;
/// z *= 0x94d049bb133111eb; z ^= z >> 31) to spread FNV's weak high bits.
/// Identical on every platform and every run; other code that must agree with
/// the ring across processes (or languages) should use exactly this. Changing
/// it reshuffles every key in the cluster: the tests pin its values.
std::uint64_t stable_hash(std::string_view s) noexcept;

class hash_ring {
 public:
  /// A ring whose nodes get `virtual_nodes` points each (more points: better
  /// balance, more memory). Throws std::invalid_argument when it is 0.
  explicit hash_ring(std::uint32_t virtual_nodes = 160);

  /// Adds `node`; false (and no change) when it is already present.
  /// O(points) plus sorting its own points. Strong exception guarantee.
  /// Invalidates pointers returned by owner().
  bool add(std::string_view node);

  /// Removes `node`; false (and no change) when it is absent. Its keys go to
  /// the remaining nodes; no other key moves. O(points). Invalidates pointers
  /// returned by owner().
  bool remove(std::string_view node);

  /// Whether `node` is on the ring. O(log nodes).
  bool contains(std::string_view node) const;

  /// Number of nodes (not points).
  std::size_t size() const noexcept { return nodes_.size(); }
  bool empty() const noexcept { return nodes_.empty(); }

  std::uint32_t virtual_nodes() const noexcept { return virtual_nodes_; }

  /// The node owning `key`: the node of the first point clockwise from
  /// stable_hash(key) (a point equal to it counts). nullptr when the ring is
  /// empty. The pointer is valid until the next add() or remove().
  /// O(log points).
  const std::string* owner(std::string_view key) const;

  /// The first `n` distinct nodes clockwise from `key`, starting with
  /// owner(key): fallbacks or replicas, in preference order. Returns every
  /// node when n >= size(), and nothing when the ring is empty or n is 0.
  std::vector<std::string> owners(std::string_view key, std::size_t n) const;

  /// Every node, sorted.
  std::vector<std::string> nodes() const { return nodes_; }

 private:
  struct point {
    std::uint64_t hash;
    std::uint32_t node;  // index into nodes_
    // Ties on hash go to the lower index; nodes_ is sorted, so that is the
    // id that sorts first, whatever the order of adds.
    friend bool operator<(const point& a, const point& b) noexcept {
      return a.hash != b.hash ? a.hash < b.hash : a.node < b.node;
    }
  };

  std::uint32_t virtual_nodes_;
  std::vector<std::string> nodes_;  // sorted, distinct
  std::vector<point> points_;       // sorted; virtual_nodes_ per node
};

}  // namespace pummelo::channel
