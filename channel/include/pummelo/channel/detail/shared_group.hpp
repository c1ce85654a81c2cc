// One $share group at one filter: members take turns receiving messages.
#pragma once

#include <atomic>
#include <cstdint>

#include "pummelo/channel/detail/subscriber_set.hpp"

namespace pummelo::channel::detail {

/// The members of a shared subscription group and a round-robin cursor.
/// pick() is const and may run concurrently with other pick() calls (match()
/// runs under a shared lock): the cursor is the only state it changes, and it
/// is atomic. Relaxed ordering is enough because the cursor guards no other
/// data; two concurrent matches may at worst pick in either order.
class shared_group {
 public:
  shared_group() = default;
  // Not copyable nor movable (the atomic); lives in place inside its node.
  shared_group(const shared_group&) = delete;
  shared_group& operator=(const shared_group&) = delete;

  /// Adds `session`, or replaces its options. Returns true when it was new.
  bool insert_or_assign(session_id session, const subscription_options& options) {
    return members_.insert_or_assign(session, options);
  }
  /// Removes `session`; returns false when it was not a member.
  bool erase(session_id session) noexcept { return members_.erase(session); }
  const subscription_options* find(session_id session) const noexcept {
    return members_.find(session);
  }
  bool empty() const noexcept { return members_.empty(); }
  std::size_t size() const noexcept { return members_.size(); }

  /// The member whose turn it is; advances the cursor. Requires !empty().
  /// Consecutive picks visit every member once per size() picks, also after a
  /// removal (the cursor is taken modulo the current size).
  const subscriber_set::entry& pick() const noexcept {
    const std::uint64_t turn = cursor_.fetch_add(1, std::memory_order_relaxed);
    return members_[static_cast<std::size_t>(turn % members_.size())];
  }

 private:
  subscriber_set members_;
  mutable std::atomic<std::uint64_t> cursor_{0};
};

}  // namespace pummelo::channel::detail
