// hash_ring: the stable hash, node placement and lookups.
#include "pummelo/channel/hash_ring.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace pummelo::channel {

std::uint64_t stable_hash(std::string_view s) noexcept {
  // FNV-1a 64: simple and fully specified, but similar short strings
  // ("f1#0", "f1#1") differ mostly in the low bits...
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);  // bytes, whatever char's signedness
    h *= 0x100000001b3ULL;
  }
  // ...so a full-avalanche finalizer spreads them over the whole ring.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

hash_ring::hash_ring(std::uint32_t virtual_nodes) : virtual_nodes_(virtual_nodes) {
  if (virtual_nodes == 0) throw std::invalid_argument("hash_ring: virtual_nodes must be > 0");
}

bool hash_ring::add(std::string_view node) {
  const auto pos = std::lower_bound(nodes_.begin(), nodes_.end(), node);
  if (pos != nodes_.end() && *pos == node) return false;
  if (nodes_.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("hash_ring: too many nodes");
  }
  const auto index = static_cast<std::uint32_t>(pos - nodes_.begin());

  // Build the new points aside, so a throw leaves the ring untouched.
  std::vector<point> added;
  added.reserve(virtual_nodes_);
  std::string label(node);
  label += '#';
  const std::size_t stem = label.size();
  for (std::uint32_t i = 0; i < virtual_nodes_; ++i) {
    label.resize(stem);
    label += std::to_string(i);
    added.push_back({stable_hash(label), index});
  }
  std::sort(added.begin(), added.end());

  // Merge, shifting nodes after the insertion position up by one. Their
  // relative order is unchanged, so the old points stay sorted. (A hand merge:
  // std::inplace_merge would also need a temporary buffer.)
  std::vector<point> merged;
  merged.reserve(points_.size() + added.size());
  auto next = added.begin();
  for (const point& p : points_) {
    const point shifted{p.hash, p.node >= index ? p.node + 1 : p.node};
    while (next != added.end() && *next < shifted) merged.push_back(*next++);
    merged.push_back(shifted);
  }
  merged.insert(merged.end(), next, added.end());

  nodes_.emplace(pos, node);  // the last step that can throw
  points_ = std::move(merged);
  return true;
}

bool hash_ring::remove(std::string_view node) {
  const auto pos = std::lower_bound(nodes_.begin(), nodes_.end(), node);
  if (pos == nodes_.end() || *pos != node) return false;
  const auto index = static_cast<std::uint32_t>(pos - nodes_.begin());

  // Only the removed node's points go; every other point (and so every
  // other key's owner) stays where it was.
  std::vector<point> kept;
  kept.reserve(points_.size() - virtual_nodes_);
  for (const point& p : points_) {
    if (p.node != index) kept.push_back({p.hash, p.node > index ? p.node - 1 : p.node});
  }
  nodes_.erase(pos);
  points_ = std::move(kept);
  return true;
}

bool hash_ring::contains(std::string_view node) const {
  return std::binary_search(nodes_.begin(), nodes_.end(), node);
}

const std::string* hash_ring::owner(std::string_view key) const {
  if (points_.empty()) return nullptr;
  const std::uint64_t h = stable_hash(key);
  auto it = std::lower_bound(points_.begin(), points_.end(), h,
                             [](const point& p, std::uint64_t v) { return p.hash < v; });
  if (it == points_.end()) it = points_.begin();  // past the top: wrap around
  return &nodes_[it->node];
}

std::vector<std::string> hash_ring::owners(std::string_view key, std::size_t n) const {
  std::vector<std::string> out;
  n = std::min(n, nodes_.size());
  if (n == 0) return out;
  out.reserve(n);
  const std::uint64_t h = stable_hash(key);
  const auto start = static_cast<std::size_t>(
      std::lower_bound(points_.begin(), points_.end(), h,
                       [](const point& p, std::uint64_t v) { return p.hash < v; }) -
      points_.begin());
  std::vector<bool> seen(nodes_.size(), false);
  // One lap at most: every node has a point, so n distinct nodes are found.
  for (std::size_t step = 0; step < points_.size() && out.size() < n; ++step) {
    const std::uint32_t node = points_[(start + step) % points_.size()].node;
    if (seen[node]) continue;
    seen[node] = true;
    out.push_back(nodes_[node]);
  }
  return out;
}

}  // namespace pummelo::channel
