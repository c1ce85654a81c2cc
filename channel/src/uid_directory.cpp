// uid_directory: session counts per uid per frontend, and plans by uid.
#include "pummelo/channel/uid_directory.hpp"

#include <algorithm>
#include <utility>

#include "plan_builder.hpp"

namespace pummelo::channel {
namespace {

template <typename Sessions>
auto find_frontend(Sessions& sessions, std::string_view frontend) {
  return std::find_if(sessions.begin(), sessions.end(),
                      [&](const auto& entry) { return entry.first == frontend; });
}

}  // namespace

void uid_directory::bind(std::string_view uid, std::string_view frontend) {
  auto entry = uids_.find(uid);
  if (entry == uids_.end()) entry = uids_.try_emplace(std::string(uid)).first;
  auto& list = entry->second;
  if (const auto it = find_frontend(list, frontend); it != list.end()) {
    ++it->second;  // another device of this uid on the same frontend
    return;
  }
  try {
    auto held = frontends_.find(frontend);
    if (held == frontends_.end()) held = frontends_.try_emplace(std::string(frontend)).first;
    held->second.emplace(uid);
    list.emplace_back(frontend, 1);
  } catch (...) {
    // Out of memory half-way: undo so that the two maps stay in step.
    if (const auto held = frontends_.find(frontend); held != frontends_.end()) {
      if (const auto u = held->second.find(uid); u != held->second.end()) held->second.erase(u);
      if (held->second.empty()) frontends_.erase(held);
    }
    if (list.empty()) uids_.erase(entry);
    throw;
  }
}

bool uid_directory::unbind(std::string_view uid, std::string_view frontend) {
  const auto entry = uids_.find(uid);
  if (entry == uids_.end()) return false;
  auto& list = entry->second;
  const auto it = find_frontend(list, frontend);
  if (it == list.end()) return false;
  if (--it->second > 0) return true;  // the uid still has sessions there
  *it = std::move(list.back());
  list.pop_back();
  if (list.empty()) uids_.erase(entry);
  // Present: the reverse index holds every (frontend, uid) with a session.
  const auto held = frontends_.find(frontend);
  held->second.erase(held->second.find(uid));
  if (held->second.empty()) frontends_.erase(held);
  return true;
}

std::vector<std::string> uid_directory::drop_frontend(std::string_view frontend) {
  const auto held = frontends_.find(frontend);
  if (held == frontends_.end()) return {};
  // The reverse index makes this proportional to the uids the frontend held,
  // not to every uid known.
  std::vector<std::string> dropped;
  dropped.reserve(held->second.size());
  for (const auto& uid : held->second) {
    const auto entry = uids_.find(uid);
    auto& list = entry->second;
    const auto it = find_frontend(list, frontend);
    *it = std::move(list.back());
    list.pop_back();
    if (list.empty()) uids_.erase(entry);
    dropped.push_back(uid);
  }
  frontends_.erase(held);
  return dropped;
}

std::vector<std::string> uid_directory::frontends_of(std::string_view uid) const {
  std::vector<std::string> out;
  if (const auto entry = uids_.find(uid); entry != uids_.end()) {
    out.reserve(entry->second.size());
    for (const auto& [frontend, count] : entry->second) out.push_back(frontend);
  }
  return out;
}

std::size_t uid_directory::sessions_of(std::string_view uid, std::string_view frontend) const {
  const auto entry = uids_.find(uid);
  if (entry == uids_.end()) return 0;
  const auto it = find_frontend(entry->second, frontend);
  return it == entry->second.end() ? 0 : it->second;
}

push_plan uid_directory::plan(std::span<const std::string> uids) const {
  if (uids.empty()) return detail::error_plan(push_errc::empty_uids);
  // Every frontend holding a session of a uid gets it, so a push or a kick by
  // uid reaches all devices (pomelo's kick reached the local frontend only).
  detail::plan_builder builder;  // drops duplicate uids, in groups and in failed
  for (const std::string& uid : uids) {
    const auto entry = uids_.find(uid);
    if (entry == uids_.end()) {
      builder.fail(uid);
      continue;
    }
    for (const auto& [frontend, count] : entry->second) builder.add(frontend, uid);
  }
  return std::move(builder).finish();
}

}  // namespace pummelo::channel
