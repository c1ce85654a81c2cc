// The recursive walk behind topic_tree::match().
#pragma once

#include <string_view>

#include "pummelo/channel/detail/levels.hpp"
#include "pummelo/channel/detail/topic_node.hpp"
#include "pummelo/channel/subscription.hpp"

namespace pummelo::channel::detail {

/// Reports every subscription held at `n` itself: each non-shared one, and
/// one member per shared group.
template <class Visitor>
void visit_node(const topic_node& n, Visitor& visit) {
  for (const subscriber_set::entry& e : n.subscribers) {
    const subscriber s{e.session, e.options, false};
    visit(s);
  }
  for (const auto& named_group : n.groups) {
    const subscriber_set::entry& e = named_group.second.pick();
    const subscriber s{e.session, e.options, true};
    visit(s);
  }
}

/// Matches the levels of `topic` from `pos` (no_level: all consumed) below
/// `n`. `wildcards` is false only at the root of a '$' topic (spec 4.7.2).
/// Recursion depth is bounded by the depth of the tree, i.e. by the number of
/// levels of the longest subscribed filter, which the codec limits.
template <class Visitor>
void match_from(const topic_node& n, std::string_view topic, std::size_t pos, bool wildcards,
                Visitor& visit) {
  if (pos == no_level) {
    visit_node(n, visit);
    // "a/#" also matches "a" (spec 4.7.1.2).
    if (n.hash) visit_node(*n.hash, visit);
    return;
  }
  const level_split split = split_level(topic, pos);
  if (wildcards) {
    if (n.hash) visit_node(*n.hash, visit);
    if (n.plus) match_from(*n.plus, topic, split.next, true, visit);
  }
  if (const topic_node* child = n.literal_child(split.level)) {
    match_from(*child, topic, split.next, true, visit);
  }
}

}  // namespace pummelo::channel::detail
