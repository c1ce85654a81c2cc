#include "delivery.hpp"

#include <algorithm>
#include <limits>
#include <asio/post.hpp>

#include "event_loop.hpp"
#include "publish_encoding.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {

void delivery_queue::push(const message_ptr& m, std::vector<channel::subscriber>&& matches) {
  if (matches.empty() || m->expired(clock::now())) return;
  std::sort(matches.begin(), matches.end(),
            [](const auto& a, const auto& b) { return a.session < b.session; });
  fan_out f{m, std::move(matches), 0};
  if (queue_.empty()) {
    deliver_some(f, budget());
    if (f.next == f.matches.size()) return;
  }
  queue_.push_back(std::move(f));
  if (!drain_posted_) {
    drain_posted_ = true;
    asio::post(loop_.context(), [this] { drain(); });
  }
}

std::size_t delivery_queue::budget() const noexcept {
  const auto n = loop_.owner().cfg().scheduler.max_deliveries_per_turn;
  return n == 0 ? std::numeric_limits<std::size_t>::max() : n;
}

void delivery_queue::drain() {
  drain_posted_ = false;
  std::size_t budget = this->budget();
  while (budget > 0 && !queue_.empty()) {
    auto& f = queue_.front();
    budget -= deliver_some(f, budget);
    if (f.next == f.matches.size()) queue_.pop_front();
  }
  if (queue_.empty()) return;
  // Posted behind what is already queued (this turn's flush among it).
  drain_posted_ = true;
  asio::post(loop_.context(), [this] { drain(); });
}

std::size_t delivery_queue::deliver_some(fan_out& f, std::size_t budget) {
  const auto& m = f.msg;
  // Checked again per slice: a queued message may expire while it waits.
  publish_cache cache(clock::now());
  if (m->expired(cache.now())) {
    f.next = f.matches.size();
    return 0;
  }
  // Session ids are per process: a message from another frontend never
  // counts as the session's own.
  const bool local_origin = m->origin_frontend == loop_.owner().frontend_index();
  const auto& matches = f.matches;
  std::size_t i = f.next, sessions = 0;
  while (i < matches.size() && sessions < budget) {
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
    ++sessions;
    if (!any) continue;
    session* s = loop_.find_session(sid);
    if (!s) continue;  // ended since the match
    if (!s->deliver(std::move(d), cache)) loop_.stats().messages_dropped.add();
  }
  f.next = i;
  return sessions;
}

}  // namespace pummelo::broker
