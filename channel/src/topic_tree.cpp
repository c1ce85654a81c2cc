#include "pummelo/channel/topic_tree.hpp"

#include <string>
#include <utility>

#include "pummelo/channel/detail/levels.hpp"

namespace pummelo::channel {

namespace {

using detail::topic_node;

/// The node for `filter` below `root` (levels only, no $share prefix), or
/// nullptr when it does not exist. Works for const and non-const nodes.
template <class Node>
Node* find_node(Node& root, std::string_view filter) noexcept {
  Node* n = &root;
  for (std::size_t pos = 0; n != nullptr;) {
    const detail::level_split split = detail::split_level(filter, pos);
    n = n->filter_child(split.level);
    if (split.next == detail::no_level) break;
    pos = split.next;
  }
  return n;
}

/// The node for `filter` below `root`, creating the missing ones.
topic_node& add_node(topic_node& root, std::string_view filter) {
  topic_node* n = &root;
  for (std::size_t pos = 0;;) {
    const detail::level_split split = detail::split_level(filter, pos);
    n = &n->add_filter_child(split.level);
    if (split.next == detail::no_level) return *n;
    pos = split.next;
  }
}

/// Frees `n` and its ancestors for as long as they hold nothing. The root is
/// kept. Iterative, so that deep filters cannot exhaust the stack here.
void prune(topic_node* n) noexcept {
  while (n->parent != nullptr && n->empty()) {
    topic_node* parent = n->parent;
    parent->erase_child(n);
    n = parent;
  }
}

/// Adds the subscription at node `n` (group empty: not shared).
bool add_at(topic_node& n, std::string_view group, session_id session,
            const subscription_options& options) {
  if (group.empty()) return n.subscribers.insert_or_assign(session, options);
  auto it = n.groups.find(group);
  if (it == n.groups.end()) it = n.groups.try_emplace(std::string(group)).first;
  try {
    return it->second.insert_or_assign(session, options);
  } catch (...) {
    if (it->second.empty()) n.groups.erase(it);
    throw;
  }
}

/// Removes the subscription at node `n`; false when there was none.
bool remove_at(topic_node& n, std::string_view group, session_id session) noexcept {
  if (group.empty()) return n.subscribers.erase(session);
  const auto it = n.groups.find(group);
  if (it == n.groups.end() || !it->second.erase(session)) return false;
  if (it->second.empty()) n.groups.erase(it);
  return true;
}

}  // namespace

topic_tree::topic_tree(topic_tree&& other) noexcept
    : root_(std::move(other.root_)), size_(std::exchange(other.size_, 0)) {}

topic_tree& topic_tree::operator=(topic_tree&& other) noexcept {
  if (this != &other) {
    root_ = std::move(other.root_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

topic_tree::~topic_tree() = default;

bool topic_tree::subscribe(std::string_view filter, session_id session,
                           const subscription_options& options) {
  if (!root_) root_ = std::make_unique<topic_node>();
  const detail::filter_parts parts = detail::parse_filter(filter);
  topic_node& n = add_node(*root_, parts.filter);
  bool added = false;
  try {
    added = add_at(n, parts.group, session, options);
  } catch (...) {
    prune(&n);  // do not leave the nodes just created empty behind
    throw;
  }
  if (added) ++size_;
  return added;
}

bool topic_tree::unsubscribe(std::string_view filter, session_id session) {
  if (!root_) return false;
  const detail::filter_parts parts = detail::parse_filter(filter);
  topic_node* n = find_node(*root_, parts.filter);
  if (n == nullptr || !remove_at(*n, parts.group, session)) return false;
  --size_;
  prune(n);
  return true;
}

bool topic_tree::find(std::string_view filter, session_id session,
                      subscription_options* out) const {
  if (!root_) return false;
  const detail::filter_parts parts = detail::parse_filter(filter);
  const topic_node* n = find_node(std::as_const(*root_), parts.filter);
  if (n == nullptr) return false;
  const subscription_options* found = nullptr;
  if (parts.group.empty()) {
    found = n->subscribers.find(session);
  } else if (const auto it = n->groups.find(parts.group); it != n->groups.end()) {
    found = it->second.find(session);
  }
  if (found == nullptr) return false;
  if (out != nullptr) *out = *found;
  return true;
}

}  // namespace pummelo::channel
