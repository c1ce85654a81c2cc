// A loop's side of access control: switching to reloaded rules, and logging
// denials without flooding the log.
#include <string>
#include <vector>

#include "event_loop.hpp"
#include "log.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {

void event_loop::set_auth(auth::rules r) {
  auth_ = std::move(r);
  const auth::acl* acl = auth_.access.get();
  if (!acl) return;
  // Rights taken away apply to subscriptions made under the old rules too,
  // online or offline: they end now, as if unsubscribed.
  std::size_t ended = 0;
  for_each_session([&](session& s) {
    std::vector<std::string> revoked;
    const auth::identity who{s.username(), s.client_id()};
    for (const auto& [filter, options] : s.subscriptions())
      if (!acl->allows(auth::action::subscribe, who, filter)) revoked.push_back(filter);
    for (const auto& filter : revoked) {
      owner_.unsubscribe(filter, s);
      s.erase_subscription(filter);
    }
    ended += revoked.size();
  });
  if (ended > 0)
    log(log_level::warning, "access rules reloaded: ended ", ended,
        " subscription(s) they no longer allow (loop ", index_, ")");
}

bool event_loop::count_denial(std::uint64_t& unlogged) {
  stats_.acl_denied.add();
  if (!log_enabled(log_level::warning)) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_denial_log_ < std::chrono::seconds(1)) {
    ++unlogged_denials_;
    return false;
  }
  last_denial_log_ = now;
  unlogged = unlogged_denials_;
  unlogged_denials_ = 0;
  return true;
}

}  // namespace pummelo::broker
