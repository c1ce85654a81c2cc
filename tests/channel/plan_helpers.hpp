// Test helpers: read push plans and channel contents in a fixed order.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pummelo/channel/channel.hpp"
#include "pummelo/channel/push_plan.hpp"

namespace pummelo::channel::test {

inline std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

/// The group for `frontend`, or nullptr.
inline const push_group* group_of(const push_plan& plan, std::string_view frontend) {
  const auto it = std::find_if(plan.groups.begin(), plan.groups.end(),
                               [&](const push_group& g) { return g.frontend == frontend; });
  return it == plan.groups.end() ? nullptr : &*it;
}

/// The uids planned for `frontend`, sorted; empty when it has no group.
inline std::vector<std::string> uids_for(const push_plan& plan, std::string_view frontend) {
  const push_group* g = group_of(plan, frontend);
  return g == nullptr ? std::vector<std::string>{} : sorted(g->uids);
}

/// The frontends with a group, sorted.
inline std::vector<std::string> frontends(const push_plan& plan) {
  std::vector<std::string> out;
  for (const auto& g : plan.groups) out.push_back(g.frontend);
  return sorted(std::move(out));
}

/// Every membership as "uid@frontend", sorted.
inline std::vector<std::string> memberships(const channel& ch) {
  std::vector<std::string> out;
  for (const auto& m : ch.members()) out.push_back(m.uid + "@" + m.frontend);
  return sorted(std::move(out));
}

using strings = std::vector<std::string>;

}  // namespace pummelo::channel::test
