#include "cluster/frontend_node.hpp"

#include <algorithm>
#include <asio/post.hpp>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "connection.hpp"
#include "event_loop.hpp"
#include "publish_encoding.hpp"
#include "server.hpp"
#include "session.hpp"
#include "session_lifecycle.hpp"

namespace pummelo::broker::cluster {
namespace {

// Counts down the loops (or channel servers) a request was handed to, then
// answers once with the sum of their replies.
struct reply_latch {
  reply_latch(std::size_t parts, push_done d) : pending(parts), done(std::move(d)) {}
  std::mutex mutex;
  std::size_t pending;
  push_reply sum;
  std::unordered_set<std::string> failed;
  push_done done;

  void part(const push_reply& r) {
    push_done finish;
    {
      std::lock_guard lock(mutex);
      sum.sessions += r.sessions;
      sum.unreachable_frontends += r.unreachable_frontends;
      for (const auto& u : r.failed)
        if (failed.insert(u).second) sum.failed.push_back(u);
      if (--pending > 0) return;
      finish = std::move(done);
    }
    finish(std::move(sum));
  }
};

using target_list = std::vector<std::pair<channel::session_id, std::string>>;

// One loop's share of a push by uid or kick; returns the uids reached.
std::vector<std::string> push_on_loop(event_loop& loop, push_mode mode, const message_ptr& m,
                                      const target_list& targets, std::uint64_t& sessions) {
  std::vector<std::string> reached;
  publish_cache cache(clock::now());
  for (const auto& [id, uid] : targets) {
    session* s = loop.find_session(id);
    if (!s) continue;
    if (mode == push_mode::kick) {
      if (auto* c = s->current_connection()) {
        c->kick(protocol::reason_code::administrative_action, "kicked by $push/kick");
        ++sessions;
        reached.push_back(uid);
      }
      continue;
    }
    // Offline sessions only count when they queue the message (QoS 1).
    if (!s->online() && m->qos == 0) continue;
    if (s->deliver(session_delivery{m, m->qos, false, {}}, cache)) {
      ++sessions;
      reached.push_back(uid);
    } else {
      loop.stats().messages_dropped.add();
    }
  }
  return reached;
}

std::uint64_t broadcast_on_loop(event_loop& loop, const message_ptr& m, bool bound_only) {
  std::uint64_t count = 0;
  publish_cache cache(clock::now());
  loop.for_each_session([&](session& s) {
    if (!s.online() || (bound_only && s.uid.empty())) return;
    if (s.deliver(session_delivery{m, m->qos, false, {}}, cache)) {
      ++count;
    } else {
      loop.stats().messages_dropped.add();
    }
  });
  return count;
}

}  // namespace

frontend_node::frontend_node(server& srv, const topology& t)
    : srv_(srv), topo_(t), ports_(t.channel_servers().size(), nullptr), registry_(t.self_id()) {}

// Runs under mutex_, and a local port confirms inline: a barrier's action
// must therefore never run from here. It does not: barriers are armed only
// after every emit of their packet (connection::on_subscribe).
void frontend_node::emit(node_index cs, sync_op op, sync_barrier* b) {
  auto* port = ports_[cs];
  if (!port) return;
  std::vector<sync_op> ops;
  ops.push_back(std::move(op));
  port->sync(std::move(ops), b ? b->expect() : done_fn{});
}

void frontend_node::join(const std::string& filter, const std::string& member, sync_barrier* b) {
  std::lock_guard lock(mutex_);
  if (!registry_.join(filter, member) || !topo_.self_frontend()) return;
  for (auto cs : topo_.holders(filter)) emit(cs, {op_kind::join, filter, member}, b);
}

void frontend_node::leave(const std::string& filter, const std::string& member) {
  std::lock_guard lock(mutex_);
  if (!registry_.leave(filter, member) || !topo_.self_frontend()) return;
  for (auto cs : topo_.holders(filter)) emit(cs, {op_kind::leave, filter, member}, nullptr);
}

void frontend_node::bind_uid(const std::string& uid, channel::session_id s, sync_barrier* b) {
  std::lock_guard lock(mutex_);
  if (registry_.bind_uid(uid, s) && topo_.self_frontend())
    emit(topo_.owner(uid), {op_kind::bind_uid, uid, {}}, b);
}

void frontend_node::unbind_uid(const std::string& uid, channel::session_id s) {
  std::lock_guard lock(mutex_);
  if (registry_.unbind_uid(uid, s) && topo_.self_frontend())
    emit(topo_.owner(uid), {op_kind::unbind_uid, uid, {}}, nullptr);
}

std::size_t frontend_node::by_client_id::operator()(const session* s) const {
  return std::hash<std::string_view>{}(s->client_id());
}

bool frontend_node::by_client_id::operator()(const session* a, const session* b) const noexcept {
  return a->client_id() == b->client_id();
}

void frontend_node::claim(session& s) {
  // With one frontend there is nobody to take a session over from.
  if (topo_.frontends().size() < 2 || !topo_.self_frontend()) return;
  std::lock_guard lock(mutex_);
  // A stamp names the session and orders it in time against other
  // frontends' sessions of the same id: wall-clock microseconds, kept
  // increasing here. A channel server that restarts gets claims re-sent by
  // several frontends at once and keeps the newest (channel_node::apply).
  // Stamps stay above 0 (no claim) whatever the clock says.
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  next_stamp_ = std::max(next_stamp_, static_cast<std::uint64_t>(std::max<std::int64_t>(now_us, 1)));
  s.claim_stamp = next_stamp_++;
  // Replaces an older session of the same id still waiting to be freed
  // (its release then finds another session under the id and sends none).
  auto [it, fresh] = claimed_.insert(&s);
  if (!fresh && *it != &s) {
    auto node = claimed_.extract(it);
    node.value() = &s;
    claimed_.insert(std::move(node));
  }
  emit(topo_.owner(s.client_id()), {op_kind::claim, s.client_id(), std::to_string(s.claim_stamp)}, nullptr);
}

void frontend_node::release(session& s) {
  if (s.claim_stamp == 0) return;
  std::lock_guard lock(mutex_);
  const auto stamp = s.claim_stamp;
  s.claim_stamp = 0;
  auto it = claimed_.find(&s);
  // A newer session of that id here has claimed it since.
  if (it == claimed_.end() || *it != &s) return;
  claimed_.erase(it);
  emit(topo_.owner(s.client_id()), {op_kind::release, s.client_id(), std::to_string(stamp)}, nullptr);
}

void frontend_node::resync(node_index cs,
                           const std::function<void(std::vector<sync_op>)>& restart) {
  std::lock_guard lock(mutex_);
  std::vector<sync_op> ops;
  ops.push_back({op_kind::reset, {}, {}});
  registry_.for_each_membership([&](const std::string& filter, const std::string& member) {
    for (auto h : topo_.holders(filter))
      if (h == cs) ops.push_back({op_kind::join, filter, member});
  });
  registry_.for_each_uid([&](const std::string& uid) {
    if (topo_.owner(uid) == cs) ops.push_back({op_kind::bind_uid, uid, {}});
  });
  for (const session* s : claimed_)
    if (topo_.owner(s->client_id()) == cs)
      ops.push_back({op_kind::reclaim, s->client_id(), std::to_string(s->claim_stamp)});
  restart(std::move(ops));
}

void frontend_node::publish(const message_ptr& m, done_fn done) {
  // $SYS is per server; a process that is no cluster frontend (a gate)
  // serves only its own clients.
  if (is_sys_topic(m->topic) || !topo_.self_frontend()) {
    store_and_route(m, m->retain ? deliver_store_retained : 0);
    if (done) done(true);
    return;
  }
  auto* port = ports_[topo_.owner(m->topic)];
  if (!port) {
    if (done) done(false);
    return;
  }
  port->publish(m, std::move(done));
}

void frontend_node::push(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                         push_done done) {
  push_reply nobody;
  nobody.ok = false;
  if (mode == push_mode::broadcast || mode == push_mode::broadcast_bound) {
    if (auto* port = ports_[topo_.owner(m->topic)]) {
      port->push(mode, m, {}, std::move(done));
    } else {
      done(std::move(nobody));
    }
    return;
  }
  if (!topo_.self_frontend()) {
    done(std::move(nobody));  // not a cluster frontend: no channel server to ask
    return;
  }
  std::unordered_map<node_index, std::vector<std::string>> by_owner;
  for (auto& u : uids) by_owner[topo_.owner(u)].push_back(std::move(u));
  auto latch = std::make_shared<reply_latch>(by_owner.size(), std::move(done));
  if (by_owner.empty()) {
    latch->pending = 1;
    latch->part({});
    return;
  }
  for (auto& [cs, group] : by_owner) {
    auto asked = std::make_shared<std::vector<std::string>>(group);
    ports_[cs]->push(mode, m, std::move(group), [latch, asked](push_reply r) {
      // A channel server that could not be asked: all its uids failed.
      if (!r.ok) r.failed = *asked;
      latch->part(r);
    });
  }
}

// Per loop (loop_stats), not one counter bumped by every loop per publish.
void frontend_node::count_frame() {
  if (auto* l = event_loop::current()) l->stats().push_frames_received.add();
}

void frontend_node::deliver(const message_ptr& m, std::uint8_t flags) {
  count_frame();
  store_and_route(m, flags);
}

void frontend_node::store_and_route(const message_ptr& m, std::uint8_t flags) {
  if (flags & deliver_store_retained) {
    auto r = srv_.retained().store(m);
    if (r == retained_store::store_result::full) {
      if (auto* l = event_loop::current()) l->stats().messages_dropped.add();
    }
  }
  srv_.route(m);
}

void frontend_node::deliver_uids(push_mode mode, const message_ptr& m,
                                 std::vector<std::string> uids, push_done done) {
  count_frame();
  if (mode == push_mode::broadcast || mode == push_mode::broadcast_bound) {
    bool bound_only = mode == push_mode::broadcast_bound;
    auto latch = std::make_shared<reply_latch>(srv_.loop_count(), std::move(done));
    for (unsigned i = 0; i < srv_.loop_count(); ++i) {
      auto& loop = srv_.loop(i);
      asio::post(loop.context(), [&loop, latch, m, bound_only] {
        push_reply r;
        r.sessions = broadcast_on_loop(loop, m, bound_only);
        latch->part(r);
      });
    }
    return;
  }
  auto found = registry_.local_sessions(uids);
  std::unordered_map<unsigned, target_list> per_loop;
  for (auto& [uid, ids] : found)
    for (auto id : ids) per_loop[event_loop::loop_of(id)].emplace_back(id, uid);
  // Every asked uid fails unless some loop reaches it; the latch's final
  // reply lists the ones no loop reported.
  struct gather {
    std::mutex mutex;
    std::unordered_set<std::string> reached;
  };
  auto seen = std::make_shared<gather>();
  auto asked = std::make_shared<std::vector<std::string>>(std::move(uids));
  auto finish = [seen, asked, done = std::move(done)](push_reply sum) {
    std::lock_guard lock(seen->mutex);
    for (const auto& u : *asked)
      if (!seen->reached.count(u)) sum.failed.push_back(u);
    done(std::move(sum));
  };
  if (per_loop.empty()) {
    finish({});
    return;
  }
  auto latch = std::make_shared<reply_latch>(per_loop.size(), std::move(finish));
  for (auto& [index, targets] : per_loop) {
    auto& loop = srv_.loop(index);
    asio::post(loop.context(), [&loop, latch, seen, mode, m, t = std::move(targets)] {
      push_reply r;
      auto reached = push_on_loop(loop, mode, m, t, r.sessions);
      {
        std::lock_guard lock(seen->mutex);
        seen->reached.insert(reached.begin(), reached.end());
      }
      latch->part(r);
    });
  }
}

void frontend_node::takeover(const std::string& client_id, std::uint64_t stamp) {
  auto& loop = srv_.loop_for_client(client_id);
  asio::post(loop.context(), [&loop, client_id, stamp] {
    session* s = loop.find_session(client_id);
    // Only the session that claim named: a newer one here stays.
    if (!s || s->claim_stamp != stamp) return;
    // The client connected to another frontend: this session ends here.
    if (auto* c = s->current_connection()) c->take_over();
    end_session(loop, *s);
  });
}

std::size_t frontend_node::channel_servers_up() const {
  std::size_t n = 0;
  for (auto* p : ports_)
    if (p && p->up()) ++n;
  return n;
}

}  // namespace pummelo::broker::cluster
