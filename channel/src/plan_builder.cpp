#include "plan_builder.hpp"

#include <string>
#include <utility>

namespace pummelo::channel::detail {

plan_builder::group_index& plan_builder::group(std::string_view frontend, bool whole) {
  // No rollback on a throw: it abandons the whole builder, and with it the plan.
  const auto [it, added] = groups_.try_emplace(frontend, group_index{plan_.groups.size(), {}});
  if (added) plan_.groups.push_back({std::string(frontend), {}, whole});
  return it->second;
}

bool plan_builder::add(std::string_view frontend, std::string_view uid) {
  group_index& g = group(frontend, false);
  if (!g.uids.insert(uid).second) return false;
  plan_.groups[g.position].uids.emplace_back(uid);
  return true;
}

bool plan_builder::add_whole(std::string_view frontend) {
  const std::size_t before = plan_.groups.size();
  group(frontend, true);
  return plan_.groups.size() != before;
}

bool plan_builder::fail(std::string_view uid) {
  if (!failed_.insert(uid).second) return false;
  plan_.failed.emplace_back(uid);
  return true;
}

push_plan plan_builder::finish() && {
  return std::move(plan_);
}

push_plan error_plan(push_errc e) {
  push_plan plan;
  plan.error = e;
  return plan;
}

}  // namespace pummelo::channel::detail
