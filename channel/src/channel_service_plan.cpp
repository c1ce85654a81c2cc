// channel_service: plans not tied to one channel (by records, broadcast).
#include <utility>

#include "plan_builder.hpp"
#include "pummelo/channel/channel_service.hpp"

namespace pummelo::channel {

push_plan channel_service::plan_by_records(std::span<const member> records) {
  if (records.empty()) return detail::error_plan(push_errc::empty_uids);
  detail::plan_builder builder;  // a repeated (uid, frontend) record counts once
  for (const auto& record : records) builder.add(record.frontend, record.uid);
  return std::move(builder).finish();
}

push_plan channel_service::plan_broadcast(std::span<const std::string> frontends) {
  // No frontends is no error: pomelo's broadcast to an empty server list
  // called back with success too. The plan is then complete at once.
  detail::plan_builder builder;
  for (const auto& frontend : frontends) builder.add_whole(frontend);
  return std::move(builder).finish();
}

}  // namespace pummelo::channel
