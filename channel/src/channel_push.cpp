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
    // A uid on several frontends is in each one's group.
    bool found = false;
    for (const auto& [frontend, members] : groups_)
      if (members.contains(uid)) {
        builder.add(frontend, uid);
        found = true;
      }
    if (!found) builder.fail(uid);
  }
  return std::move(builder).finish();
}

}  // namespace pummelo::channel
