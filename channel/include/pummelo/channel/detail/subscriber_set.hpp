// The subscriptions held at one place of the tree, one per session.
#pragma once

#include <cstddef>
#include <unordered_map>
#include <vector>

#include "pummelo/channel/subscription.hpp"

namespace pummelo::channel::detail {

/// A set of (session, options) with O(1) insert, erase and lookup by session,
/// and contiguous iteration: match() walks the vector, which for a filter with
/// thousands of subscribers is much faster than walking hash-map nodes. The
/// index maps each session to its position in the vector; erase swaps the last
/// entry into the hole, so order is not preserved.
class subscriber_set {
 public:
  struct entry {
    session_id session;
    subscription_options options;
  };
  using const_iterator = std::vector<entry>::const_iterator;

  /// Adds `session`, or replaces its options. Returns true when it was new.
  bool insert_or_assign(session_id session, const subscription_options& options);
  /// Removes `session`; returns false when it was not there.
  bool erase(session_id session) noexcept;
  /// The options of `session`, or nullptr.
  const subscription_options* find(session_id session) const noexcept;

  const entry& operator[](std::size_t i) const noexcept { return entries_[i]; }
  const_iterator begin() const noexcept { return entries_.begin(); }
  const_iterator end() const noexcept { return entries_.end(); }
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  std::vector<entry> entries_;
  std::unordered_map<session_id, std::size_t> index_;  // session -> position
};

}  // namespace pummelo::channel::detail
