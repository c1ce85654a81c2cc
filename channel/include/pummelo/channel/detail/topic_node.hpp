// One level of the subscription tree.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pummelo/channel/detail/shared_group.hpp"
#include "pummelo/channel/detail/string_hash.hpp"
#include "pummelo/channel/detail/subscriber_set.hpp"

namespace pummelo::channel::detail {

/// A node stands for a filter prefix; the path from the root spells it level
/// by level. Its subscriptions are those whose filter is exactly that prefix.
struct topic_node {
  /// `level` is this node's level ("+" and "#" for wildcard children).
  topic_node(std::string level, topic_node* parent_node)
      : level_name(std::move(level)), parent(parent_node) {}
  topic_node() : topic_node({}, nullptr) {}
  topic_node(const topic_node&) = delete;
  topic_node& operator=(const topic_node&) = delete;

  /// The child for filter level `level` ("+" and "#" select the wildcard
  /// children), or nullptr.
  topic_node* filter_child(std::string_view level) noexcept;
  const topic_node* filter_child(std::string_view level) const noexcept;
  /// The child for filter level `level`, created when missing.
  topic_node& add_filter_child(std::string_view level);
  /// The child for a topic-name level (literal, never a wildcard), or nullptr.
  const topic_node* literal_child(std::string_view level) const noexcept {
    const auto it = children.find(level);
    return it == children.end() ? nullptr : it->second.get();
  }
  /// Destroys `child`, which must be one of this node's children.
  void erase_child(const topic_node* child) noexcept;
  /// No subscriptions here nor below: the node can be freed.
  bool empty() const noexcept {
    return children.empty() && !plus && !hash && subscribers.empty() && groups.empty();
  }

  // Owned here so that the parent's children key (a string_view) can view it:
  // the node is heap-allocated and never moves, so the view stays valid, and
  // lookups by string_view need no allocation.
  std::string level_name;
  topic_node* parent;  // nullptr at the root; used to free emptied nodes
  std::unordered_map<std::string_view, std::unique_ptr<topic_node>> children;
  std::unique_ptr<topic_node> plus;  // '+' child
  std::unique_ptr<topic_node> hash;  // '#' child: only ever has subscriptions
  subscriber_set subscribers;        // non-shared subscriptions to this filter
  std::unordered_map<std::string, shared_group, string_hash, std::equal_to<>> groups;
};

}  // namespace pummelo::channel::detail
