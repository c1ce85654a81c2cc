#include "pummelo/channel/detail/subscriber_set.hpp"

namespace pummelo::channel::detail {

bool subscriber_set::insert_or_assign(session_id session, const subscription_options& options) {
  const auto [it, added] = index_.try_emplace(session, entries_.size());
  if (!added) {
    entries_[it->second].options = options;
    return false;
  }
  try {
    entries_.push_back({session, options});
  } catch (...) {
    index_.erase(it);  // keep the index and the vector in step
    throw;
  }
  return true;
}

bool subscriber_set::erase(session_id session) noexcept {
  const auto it = index_.find(session);
  if (it == index_.end()) return false;
  const std::size_t hole = it->second;
  index_.erase(it);
  // Swap-remove: move the last entry into the hole so erasing is O(1).
  if (hole != entries_.size() - 1) {
    entries_[hole] = entries_.back();
    index_[entries_[hole].session] = hole;  // exists already: cannot throw
  }
  entries_.pop_back();
  return true;
}

const subscription_options* subscriber_set::find(session_id session) const noexcept {
  const auto it = index_.find(session);
  return it == index_.end() ? nullptr : &entries_[it->second].options;
}

}  // namespace pummelo::channel::detail
