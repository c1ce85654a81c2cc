// channel: membership (add, leave, queries, destroy).
#include "pummelo/channel/channel.hpp"

#include <utility>

namespace pummelo::channel {

channel::channel(std::string name) : name_(std::move(name)) {}

add_result channel::add(std::string_view uid, std::string_view frontend) {
  if (destroyed_) return add_result::destroyed;
  auto group = groups_.find(frontend);
  // The group answers "already a member?" in O(1); pomelo skipped this check
  // and delivered twice to a uid added twice (#745).
  if (group != groups_.end() && group->second.contains(uid)) return add_result::already_member;
  if (group == groups_.end()) group = groups_.try_emplace(std::string(frontend)).first;
  try {
    group->second.emplace(uid);
  } catch (...) {
    // Out of memory: leave no empty group behind.
    if (group->second.empty()) groups_.erase(group);
    throw;
  }
  ++size_;
  return add_result::added;
}

bool channel::leave(std::string_view uid, std::string_view frontend) {
  const auto group = groups_.find(frontend);
  if (group == groups_.end()) return false;
  const auto uid_it = group->second.find(uid);
  if (uid_it == group->second.end()) return false;
  group->second.erase(uid_it);
  if (group->second.empty()) groups_.erase(group);
  --size_;
  return true;
}

std::vector<pummelo::channel::member> channel::members() const {
  std::vector<pummelo::channel::member> out;
  out.reserve(size_);
  for (const auto& [frontend, uids] : groups_) {
    for (const auto& uid : uids) out.push_back({uid, frontend});
  }
  return out;
}

std::vector<std::string> channel::member(std::string_view uid) const {
  std::vector<std::string> out;
  for (const auto& [frontend, uids] : groups_)
    if (uids.contains(uid)) out.push_back(frontend);
  return out;
}

bool channel::has_member(std::string_view uid, std::string_view frontend) const {
  const auto group = groups_.find(frontend);
  return group != groups_.end() && group->second.contains(uid);
}

std::vector<std::pair<std::string, std::size_t>> channel::frontends() const {
  std::vector<std::pair<std::string, std::size_t>> out;
  out.reserve(groups_.size());
  for (const auto& [frontend, uids] : groups_) out.emplace_back(frontend, uids.size());
  return out;
}

std::vector<std::string> channel::uids_on(std::string_view frontend) const {
  auto it = groups_.find(frontend);
  if (it == groups_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void channel::destroy() {
  destroyed_ = true;
  // Swap with empties rather than clear(): clear() keeps the bucket arrays.
  decltype(groups_)().swap(groups_);
  size_ = 0;
}

}  // namespace pummelo::channel
