// channel: membership (add, leave, queries, destroy).
#include "pummelo/channel/channel.hpp"

#include <algorithm>
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
    auto record = records_.find(uid);
    if (record == records_.end()) record = records_.try_emplace(std::string(uid)).first;
    record->second.emplace_back(frontend);
  } catch (...) {
    // Out of memory half-way: undo what was done so the halves stay in step.
    if (const auto it = group->second.find(uid); it != group->second.end()) {
      group->second.erase(it);
    }
    if (group->second.empty()) groups_.erase(group);
    const auto record = records_.find(uid);
    if (record != records_.end() && record->second.empty()) records_.erase(record);
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

  // Present whenever the group half was: the two are kept in step.
  const auto record = records_.find(uid);
  auto& fronts = record->second;
  const auto pos = std::find(fronts.begin(), fronts.end(), frontend);
  // Swap-remove: the order of a uid's frontends carries no meaning.
  *pos = std::move(fronts.back());
  fronts.pop_back();
  if (fronts.empty()) records_.erase(record);
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
  const auto record = records_.find(uid);
  return record == records_.end() ? std::vector<std::string>{} : record->second;
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
  decltype(records_)().swap(records_);
  decltype(groups_)().swap(groups_);
  size_ = 0;
}

}  // namespace pummelo::channel
