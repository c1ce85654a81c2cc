#include "cluster/channel_node.hpp"

#include <algorithm>
#include <bitset>
#include <charconv>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "log.hpp"
#include "pummelo/channel/push_plan.hpp"

namespace pummelo::broker::cluster {
namespace {
std::string pair_key(std::string_view a, node_index f) {
  std::string k;
  k.reserve(a.size() + 6);
  k.append(a).push_back('\0');  // '\0' is in no filter (UTF-8 rules)
  k.append(std::to_string(f));
  return k;
}

std::uint64_t parse_stamp(const std::string& s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Gathers the frontends' reports for one push (channel::push_result), then
// answers the caller once. A uid counts as failed only when none of its
// frontends reached it (a uid on two frontends may miss on one of them).
struct push_latch {
  push_latch(const channel::push_plan& plan, push_done d) : result(plan), done(std::move(d)) {}
  std::mutex mutex;
  channel::push_result result;
  std::unordered_set<std::string> reached;
  std::uint32_t unreachable = 0;
  push_done done;

  void report(const std::string& frontend, const std::vector<std::string>& asked,
              const push_reply& r) {
    push_done finish;
    push_reply out;
    {
      std::lock_guard lock(mutex);
      if (r.ok) {
        result.delivered(frontend, r.sessions, r.failed);
        std::unordered_set<std::string> missed(r.failed.begin(), r.failed.end());
        for (const auto& u : asked)
          if (!missed.count(u)) reached.insert(u);
      } else {
        ++unreachable;
        result.group_failed(frontend);
      }
      if (!result.complete()) return;
      out.sessions = result.sessions();
      for (const auto& u : result.failed())
        if (!reached.count(u)) out.failed.push_back(u);
      out.unreachable_frontends = unreachable;
      finish = std::move(done);
    }
    if (finish) finish(std::move(out));
  }
};
}  // namespace

channel_node::channel_node(const topology& t) : topo_(t), ports_(t.frontends().size(), nullptr) {}

void channel_node::route_ref(node_index f, std::string_view filter, int delta) {
  auto key = pair_key(filter, f);
  if (delta > 0) {
    if (route_refs_[key]++ == 0) routes_.subscribe(filter, f, {});
    return;
  }
  auto it = route_refs_.find(key);
  if (it == route_refs_.end()) return;
  if (--it->second > 0) return;
  route_refs_.erase(it);
  routes_.unsubscribe(filter, f);
}

void channel_node::join(node_index f, const std::string& filter, const std::string& member) {
  const auto& fid = topo_.frontends()[f].id;
  if (channels_.create(filter).add(member, fid) != channel::add_result::added) return;
  if (members_on_[pair_key(filter, f)]++ == 0) route_ref(f, routing_filter(filter), +1);
}

void channel_node::leave(node_index f, const std::string& filter, const std::string& member) {
  auto* c = channels_.get(filter);
  if (!c || !c->leave(member, topo_.frontends()[f].id)) return;
  if (c->empty()) channels_.destroy(filter);
  auto it = members_on_.find(pair_key(filter, f));
  if (it == members_on_.end() || --it->second > 0) return;
  members_on_.erase(it);
  route_ref(f, routing_filter(filter), -1);
}

void channel_node::apply(node_index f, std::span<const sync_op> ops) {
  struct takeover_call {
    node_index frontend;
    std::string client_id;
    std::uint64_t stamp;
  };
  std::vector<takeover_call> takeovers;
  {
    std::unique_lock lock(mutex_);
    const auto& fid = topo_.frontends()[f].id;
    for (const auto& op : ops) {
      switch (op.kind) {
        case op_kind::reset:
          lock.unlock();
          drop_frontend(f);
          lock.lock();
          break;
        case op_kind::join: join(f, op.key, op.member); break;
        case op_kind::leave: leave(f, op.key, op.member); break;
        case op_kind::bind_uid:
          // Set semantics: a frontend reports each uid once (re-sent after a
          // reconnect), whatever its number of sessions.
          if (uids_.sessions_of(op.key, fid) == 0) uids_.bind(op.key, fid);
          break;
        case op_kind::unbind_uid: uids_.unbind(op.key, fid); break;
        case op_kind::claim:
        case op_kind::reclaim: {
          auto stamp = parse_stamp(op.member);
          const bool by_reclaim = op.kind == op_kind::reclaim;
          const auto current = clients_.find(op.key);
          // A reclaim never displaces an owner that a live claim set: that
          // client connected elsewhere while the reclaiming frontend's link
          // was down. Two reclaims of one id (this server restarted and
          // both frontends re-sent it) are ordered by their stamps, the
          // claims' times (frontend_node::claim): the later session stays.
          if (!current || current->frontend == f || !by_reclaim ||
              (current->by_reclaim && stamp > current->stamp)) {
            // The client connected here: a session elsewhere ends.
            if (auto before = clients_.set(op.key, f, stamp, by_reclaim))
              takeovers.push_back({before->frontend, op.key, before->stamp});
          } else {
            // A relinked frontend still holds a session that was taken over
            // while its link was down: that one ends, the live one stays.
            takeovers.push_back({f, op.key, stamp});
          }
          break;
        }
        case op_kind::release: clients_.release(op.key, f, parse_stamp(op.member)); break;
      }
    }
  }
  for (const auto& t : takeovers)
    if (auto* p = ports_[t.frontend]) p->takeover(t.client_id, t.stamp);
}

void channel_node::drop_frontend(node_index f) {
  std::unique_lock lock(mutex_);
  const auto& fid = topo_.frontends()[f].id;
  // Only the channels with members there (members_on_), and only those
  // members: the cost is the frontend's share, not the whole state.
  std::string suffix = pair_key("", f);
  std::vector<std::string> filters;
  for (const auto& [key, count] : members_on_)
    if (key.size() > suffix.size() && key.ends_with(suffix))
      filters.push_back(key.substr(0, key.size() - suffix.size()));
  for (const auto& filter : filters)
    if (auto* c = channels_.get(filter))
      for (const auto& uid : c->uids_on(fid)) leave(f, filter, uid);
  uids_.drop_frontend(fid);
  clients_.drop_frontend(f);
  stats_.frontends_dropped.fetch_add(1, std::memory_order_relaxed);
}

void channel_node::publish(const message_ptr& m) {
  std::bitset<max_cluster_servers> to;  // on the stack: nothing allocated per publish
  {
    std::shared_lock lock(mutex_);
    routes_.match(m->topic, [&](const channel::subscriber& s) { to.set(s.session); });
  }
  deliver_call call{m, 0, nullptr};
  if (m->retain) {
    // Every frontend keeps the retained messages for its future subscribers.
    call.flags = deliver_store_retained;
    to.set();
  }
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    if (!to[i] || !ports_[i]) continue;
    stats_.deliver_calls.fetch_add(1, std::memory_order_relaxed);
    ports_[i]->deliver(call);
  }
}

void channel_node::push(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                        push_done done) {
  channel::push_plan plan;
  if (mode == push_mode::broadcast || mode == push_mode::broadcast_bound) {
    std::vector<std::string> all;
    for (const auto& f : topo_.frontends()) all.push_back(f.id);
    plan = channel::channel_service::plan_broadcast(all);
  } else {
    std::shared_lock lock(mutex_);
    plan = uids_.plan(uids);
  }
  auto latch = std::make_shared<push_latch>(plan, std::move(done));
  if (plan.groups.empty()) {
    push_reply out;
    out.failed = plan.failed;
    if (latch->done) latch->done(std::move(out));
    return;
  }
  for (auto& g : plan.groups) {
    auto index = topo_.frontend_index(g.frontend);
    auto* port = index ? ports_[*index] : nullptr;
    push_reply unreachable;
    unreachable.ok = false;
    if (!port) {
      latch->report(g.frontend, g.uids, unreachable);
      continue;
    }
    stats_.push_calls.fetch_add(1, std::memory_order_relaxed);
    auto asked = std::make_shared<std::vector<std::string>>(g.uids);
    port->deliver_uids(mode, m, std::move(g.uids), [latch, f = g.frontend, asked](push_reply r) {
      latch->report(f, *asked, r);
    });
  }
}

std::size_t channel_node::channel_count() const {
  std::shared_lock lock(mutex_);
  return channels_.size();
}

std::size_t channel_node::uid_count() const {
  std::shared_lock lock(mutex_);
  return uids_.uid_count();
}

channel_listing channel_node::list_channels(std::string_view prefix, std::size_t limit) const {
  channel_listing out;
  const auto self = topo_.self_channel();
  std::shared_lock lock(mutex_);
  // As '#' does not match "$" topics, a listing leaves out the "$" channels
  // (pummeloctl's own answer topics among them) unless the prefix asks.
  const bool dollar_too = prefix.starts_with('$');
  for (const auto& name : channels_.names(prefix)) {
    if (!dollar_too && name.starts_with('$')) continue;
    const auto holders = topo_.holders(name);
    if (self && !holders.empty() && holders.front() == *self) ++out.total;
    if (out.channels.size() >= limit) continue;
    const auto* c = channels_.get(std::string_view(name));
    out.channels.push_back({name, c->size(), c->frontends().size()});
  }
  return out;
}

std::optional<std::vector<channel_members_on>> channel_node::channel_members(
    std::string_view name, std::size_t limit) const {
  std::shared_lock lock(mutex_);
  const auto* c = channels_.get(name);
  if (!c || c->empty()) return std::nullopt;
  std::vector<channel_members_on> out;
  for (auto& [frontend, count] : c->frontends()) {
    channel_members_on f{frontend, count, c->uids_on(frontend)};
    // Only the first `limit` need ordering (a frontend may hold 10^5 members).
    const auto keep = std::min(limit, f.uids.size());
    std::partial_sort(f.uids.begin(), f.uids.begin() + static_cast<std::ptrdiff_t>(keep), f.uids.end());
    f.uids.resize(keep);
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.frontend < b.frontend; });
  return out;
}

}  // namespace pummelo::broker::cluster
