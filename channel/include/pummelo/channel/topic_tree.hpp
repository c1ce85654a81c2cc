// Subscription tree: which sessions subscribe to filters matching a topic.
//
// Structure: a trie of topic levels. The root stands for the empty prefix;
// each node below it for one more filter level, so the path from the root
// spells a filter ("a/+/#" is root -> "a" -> '+' -> '#'). A node has
//   - literal children in a hash map keyed by level (looked up by string_view,
//     so matching allocates nothing),
//   - dedicated '+' and '#' children, tried without any lookup,
//   - the non-shared subscriptions to exactly its filter, one per session, in
//     a vector indexed by session (O(1) add/remove, fast iteration),
//   - the $share groups on its filter, each a member set plus an atomic
//     round-robin cursor.
// A shared filter "$share/g/a/b" lives at the node for "a/b", in group "g".
// Matching walks the topic's levels from the root, at each node following the
// literal child and the '+' child, and reporting the '#' child's subscribers.
// Nodes left with no subscription below them are freed on unsubscribe.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "pummelo/channel/detail/match.hpp"
#include "pummelo/channel/detail/topic_node.hpp"
#include "pummelo/channel/subscription.hpp"

namespace pummelo::channel {

/// The broker's subscription table. Not thread-safe by itself, except that
/// match() may run concurrently with other match() calls (it is const; its
/// only mutation, the round-robin cursors, is atomic). The broker guards it
/// with a shared_mutex: match() under a shared lock, the rest under a unique one.
class topic_tree {
 public:
  topic_tree() = default;  // allocates nothing until the first subscribe
  topic_tree(const topic_tree&) = delete;
  topic_tree& operator=(const topic_tree&) = delete;
  /// Leaves `other` empty.
  topic_tree(topic_tree&& other) noexcept;
  topic_tree& operator=(topic_tree&& other) noexcept;
  ~topic_tree();

  /// Adds or replaces the subscription of `session` to `filter`. `filter` may be
  /// "$share/{group}/{filter}" (a shared subscription). The filter is assumed
  /// valid (the codec validated it). Returns true when it was new, false when it
  /// replaced an existing subscription of the same session to the same filter.
  bool subscribe(std::string_view filter, session_id session, const subscription_options& options);

  /// Removes it; returns false when there was none. Frees emptied nodes.
  bool unsubscribe(std::string_view filter, session_id session);

  /// Calls visit(const subscriber&) once for every non-shared subscription whose
  /// filter matches topic name `topic`, and once per matching shared group with
  /// ONE member of that group chosen round-robin. A filter starting with '+' or
  /// '#' does not match topic names starting with '$'. '#' matches the parent
  /// level too ("a/#" matches "a"). Same session via two filters => visited twice
  /// (the broker merges). Thread-safe against other match() calls. Allocates
  /// nothing. `visit` must not modify the tree.
  template <class Visitor>
  void match(std::string_view topic, Visitor&& visit) const;

  /// Number of (session, filter) subscriptions held, shared ones included.
  std::size_t size() const noexcept { return size_; }
  /// True if `session` holds `filter` (exact filter string); options copied out.
  bool find(std::string_view filter, session_id session, subscription_options* out = nullptr) const;

 private:
  // Null until the first subscribe, and after a move.
  std::unique_ptr<detail::topic_node> root_;
  std::size_t size_ = 0;
};

template <class Visitor>
void topic_tree::match(std::string_view topic, Visitor&& visit) const {
  if (!root_) return;
  // Wildcards in the first level do not match '$' topics such as "$SYS/..."
  // (spec 4.7.2); deeper wildcards do.
  const bool dollar = topic.starts_with('$');
  detail::match_from(*root_, topic, 0, !dollar, visit);
}

}  // namespace pummelo::channel
