// Test helpers: run match() and gather what it reported.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <vector>

#include "pummelo/channel/topic_tree.hpp"

namespace pummelo::channel::test {

/// (session, subscription id, shared) of one visit; the id tells filters apart.
struct hit {
  session_id session;
  std::uint32_t id;
  bool shared;
  auto operator<=>(const hit&) const = default;
};

/// Everything match(topic) visits, sorted.
inline std::vector<hit> collect(const topic_tree& tree, std::string_view topic) {
  std::vector<hit> hits;
  tree.match(topic, [&](const subscriber& s) {
    hits.push_back({s.session, s.options.subscription_id, s.shared});
  });
  std::sort(hits.begin(), hits.end());
  return hits;
}

/// The sessions match(topic) visits, sorted.
inline std::vector<session_id> sessions(const topic_tree& tree, std::string_view topic) {
  std::vector<session_id> out;
  tree.match(topic, [&](const subscriber& s) { out.push_back(s.session); });
  std::sort(out.begin(), out.end());
  return out;
}

/// Options carrying `id` as subscription identifier, to tell filters apart.
inline subscription_options with_id(std::uint32_t id, std::uint8_t qos = 0) {
  subscription_options o;
  o.qos = qos;
  o.subscription_id = id;
  return o;
}

}  // namespace pummelo::channel::test
