#include "delivery.hpp"

#include <algorithm>

#include "event_loop.hpp"
#include "publish_encoding.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {

void deliver_batch(event_loop& loop, const message_ptr& m,
                   std::vector<channel::subscriber>& matches) {
  auto now = clock::now();
  if (m->expired(now)) return;
  std::sort(matches.begin(), matches.end(),
            [](const auto& a, const auto& b) { return a.session < b.session; });
  publish_cache cache(now);
  // Session ids are per process: a message from another frontend never
  // counts as the session's own.
  const bool local_origin = m->origin_frontend == loop.owner().frontend_index();
  std::size_t i = 0;
  while (i < matches.size()) {
    auto sid = matches[i].session;
    session_delivery d;
    d.msg = m;
    bool any = false;
    for (; i < matches.size() && matches[i].session == sid; ++i) {
      const auto& o = matches[i].options;
      // no_local: never echo a message to the session that published it.
      if (o.no_local && local_origin && m->origin == sid) continue;
      any = true;
      d.qos = std::max(d.qos, std::min(o.qos, m->qos));
      if (o.retain_as_published && m->retain) d.retain = true;
      if (o.subscription_id != 0) d.subscription_ids.push_back(o.subscription_id);
    }
    if (!any) continue;
    session* s = loop.find_session(sid);
    if (!s) continue;  // ended since the match
    if (!s->deliver(std::move(d), cache)) loop.stats().messages_dropped.add();
  }
}

}  // namespace pummelo::broker
