// channel: push plans (pomelo's pushMessage and pushMessageByUids).
#include <string>
#include <utility>

#include "plan_builder.hpp"
#include "pummelo/channel/channel.hpp"

namespace pummelo::channel {

push_plan channel::plan_push() const {
  // pomelo's pushMessage on a destroyed channel never called back; here the
  // caller gets an error plan, which a push_result completes at once.
  if (destroyed_) return detail::error_plan(push_errc::channel_destroyed);
  detail::plan_builder builder;
  for (const auto& entry : groups_) builder.add_whole(entry.first);
  return std::move(builder).finish();
}

push_plan channel::plan_push_by_uids(std::span<const std::string> uids) const {
  // Destroyed first: the channel's state, not the request, is what failed.
  if (destroyed_) return detail::error_plan(push_errc::channel_destroyed);
  if (uids.empty()) return detail::error_plan(push_errc::empty_uids);
  detail::plan_builder builder;  // drops duplicate uids, in groups and in failed
  for (const std::string& uid : uids) {
    const auto record = records_.find(uid);
    if (record == records_.end()) {
      builder.fail(uid);
      continue;
    }
    // A uid on several frontends is in each one's group.
    for (const std::string& frontend : record->second) builder.add(frontend, uid);
  }
  return std::move(builder).finish();
}

}  // namespace pummelo::channel
