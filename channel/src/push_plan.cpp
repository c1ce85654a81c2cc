// push_errc names and push_result, the count-down latch over a plan's groups.
#include "pummelo/channel/push_plan.hpp"

namespace pummelo::channel {

std::string_view to_string(push_errc e) noexcept {
  switch (e) {
    case push_errc::ok: return "ok";
    case push_errc::channel_destroyed: return "channel destroyed";
    case push_errc::no_such_channel: return "no such channel";
    case push_errc::empty_uids: return "empty uids";
  }
  return "unknown push error";
}

push_result::push_result(const push_plan& plan) : error_(plan.error) {
  for (const auto& uid : plan.failed) add_failed(uid);
  // A plan with an error delivers nothing: it is complete from the start even
  // if a careless maker left groups in it (pomelo's destroyed-channel push
  // never called back at all).
  if (error_ != push_errc::ok) return;
  plan_groups_ = plan.groups;
  unreported_.reserve(plan_groups_.size());
  for (std::size_t i = 0; i < plan_groups_.size(); ++i) {
    unreported_.try_emplace(plan_groups_[i].frontend, i);  // a repeated frontend counts once
  }
  pending_ = unreported_.size();
}

bool push_result::delivered(std::string_view frontend, std::size_t sessions,
                            const std::vector<std::string>& failed_uids) {
  const auto it = unreported_.find(frontend);
  if (it == unreported_.end()) return false;  // unknown, or reported already
  unreported_.erase(it);
  --pending_;
  sessions_ += sessions;
  for (const auto& uid : failed_uids) add_failed(uid);
  return true;
}

bool push_result::group_failed(std::string_view frontend,
                               const std::vector<std::string>& channel_uids) {
  const auto it = unreported_.find(frontend);
  if (it == unreported_.end()) return false;
  const push_group& group = plan_groups_[it->second];
  // pomelo only logged the uids of a group whose RPC failed; here they are
  // reported. A whole-channel group lists no uids, so the caller supplies them.
  for (const auto& uid : group.whole_channel ? channel_uids : group.uids) add_failed(uid);
  unreported_.erase(it);
  --pending_;
  return true;
}

void push_result::add_failed(const std::string& uid) {
  if (failed_set_.insert(uid).second) failed_.push_back(uid);
}

}  // namespace pummelo::channel
