#include "push_api.hpp"

#include <asio/post.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "connection.hpp"
#include "event_loop.hpp"
#include "log.hpp"
#include "publish_encoding.hpp"
#include "push_request.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {
namespace {

struct reply_address {
  std::optional<std::string> topic;
  std::optional<std::string> correlation_data;
};

void send_reply(server& srv, const reply_address& to, const push_outcome& outcome) {
  if (!to.topic) return;
  // Replies never go into the broker's own namespaces ($SYS, $push, ...).
  if (to.topic->empty() || (*to.topic)[0] == '$') {
    log(log_level::info, "not replying on '", *to.topic, "': reply topics may not start with '$'");
    return;
  }
  auto m = std::make_shared<message>();
  m->topic = *to.topic;
  m->payload = format_push_reply(outcome);
  m->qos = 1;
  m->props.correlation_data = to.correlation_data;
  m->props.content_type = "application/json";
  srv.publish(m);
}

/// One request in flight: the latch over the loops it was handed to.
class push_job {
 public:
  /// Holds one of the server's push-job slots until the reply is sent.
  push_job(server& srv, push_request req, reply_address to, std::size_t parts)
      : srv_(srv), request_(std::move(req)), to_(std::move(to)), pending_(parts) {}
  ~push_job() { srv_.release_push_job(); }
  push_job(const push_job&) = delete;
  push_job& operator=(const push_job&) = delete;

  const push_request& request() const noexcept { return request_; }

  /// One loop's share is done: `sessions` reached, holding uids `reached`.
  void part_done(std::size_t sessions, const std::vector<std::string>& reached) {
    std::lock_guard lock(mutex_);
    sessions_ += sessions;
    reached_.insert(reached.begin(), reached.end());
    if (--pending_ == 0) finish();
  }

  void finish() {
    push_outcome out;
    out.sessions = sessions_;
    for (const auto& u : request_.uids)
      if (!reached_.count(u)) out.failed_uids.push_back(u);
    send_reply(srv_, to_, out);
  }

 private:
  server& srv_;
  push_request request_;
  reply_address to_;
  std::mutex mutex_;
  std::size_t pending_;
  std::size_t sessions_ = 0;
  std::unordered_set<std::string> reached_;
};

message_ptr push_message(const push_request& r, channel::session_id origin) {
  auto m = std::make_shared<message>();
  m->topic = r.topic;
  m->payload = r.payload;
  m->qos = r.qos;
  m->origin = origin;
  return m;
}

/// Delivers to (or kicks) the given sessions of one loop; runs on that loop.
void run_on_loop(event_loop& loop, const std::shared_ptr<push_job>& job, const message_ptr& m,
                 const std::vector<std::pair<channel::session_id, std::string>>& targets) {
  std::size_t count = 0;
  std::vector<std::string> reached;
  publish_cache cache(clock::now());
  for (const auto& [id, uid] : targets) {
    session* s = loop.find_session(id);
    if (!s) continue;
    if (job->request().kind == push_kind::kick) {
      if (auto* c = s->current_connection()) {
        c->kick(protocol::reason_code::administrative_action, "kicked by $push/kick");
        ++count;
        reached.push_back(uid);
      }
      continue;
    }
    // Offline sessions only count when they queue the message (QoS 1).
    if (!s->online() && m->qos == 0) continue;
    if (s->deliver(session_delivery{m, m->qos, false, {}}, cache)) {
      ++count;
      reached.push_back(uid);
    } else {
      loop.stats().messages_dropped.add();
    }
  }
  job->part_done(count, reached);
}

void run_broadcast(event_loop& loop, const std::shared_ptr<push_job>& job, const message_ptr& m) {
  std::size_t count = 0;
  publish_cache cache(clock::now());
  bool bound_only = job->request().bound_only;
  loop.for_each_session([&](session& s) {
    if (!s.online() || (bound_only && s.uid.empty())) return;
    if (s.deliver(session_delivery{m, m->qos, false, {}}, cache)) {
      ++count;
    } else {
      loop.stats().messages_dropped.add();
    }
  });
  job->part_done(count, {});
}

}  // namespace

void handle_push_request(server& srv, const std::string& topic, const std::string& payload,
                         const protocol::properties& props, channel::session_id origin) {
  reply_address to;
  to.topic = props.response_topic;
  to.correlation_data = props.correlation_data;
  push_limits lim;
  lim.max_uids = srv.cfg().limits.max_push_uids;
  lim.max_payload = srv.cfg().limits.max_packet_size;
  lim.topic_limits = srv.codec_limits();
  auto kind = push_kind_of(topic);
  if (!kind) {
    push_outcome bad;
    bad.ok = false;
    bad.error = "unknown push topic '" + topic + "'";
    // The request is refused either way; parsing it only finds its reply_to.
    if (!to.topic) to.topic = parse_push_request(push_kind::uids, payload, lim).reply_to;
    send_reply(srv, to, bad);
    return;
  }
  auto parsed = parse_push_request(*kind, payload, lim);
  if (!to.topic) to.topic = parsed.reply_to;
  if (!parsed.request) {
    push_outcome bad;
    bad.ok = false;
    bad.error = parsed.error;
    bad.field = parsed.field;
    log(log_level::info, "rejected ", topic, " request: ", parsed.error);
    send_reply(srv, to, bad);
    return;
  }
  if (!srv.try_reserve_push_job()) {
    // Bounded work: a client flooding $push gets refusals, not a backlog.
    push_outcome busy;
    busy.ok = false;
    busy.error = "too many push requests in progress (limits.max_push_jobs)";
    send_reply(srv, to, busy);
    return;
  }
  push_request req = std::move(*parsed.request);
  auto m = push_message(req, origin);

  if (req.kind == push_kind::broadcast) {
    auto job = std::make_shared<push_job>(srv, std::move(req), std::move(to), srv.loop_count());
    for (unsigned i = 0; i < srv.loop_count(); ++i) {
      auto& loop = srv.loop(i);
      asio::post(loop.context(), [&loop, job, m] { run_broadcast(loop, job, m); });
    }
    return;
  }

  // By uid: this frontend's sessions of those uids, grouped by their loop.
  auto found = srv.channels().local_sessions(req.uids);
  std::unordered_map<unsigned, std::vector<std::pair<channel::session_id, std::string>>> per_loop;
  for (auto& [uid, ids] : found)
    for (auto id : ids) per_loop[event_loop::loop_of(id)].emplace_back(id, uid);
  auto job = std::make_shared<push_job>(srv, std::move(req), std::move(to), per_loop.size());
  if (per_loop.empty()) {
    job->finish();
    return;
  }
  for (auto& [index, targets] : per_loop) {
    auto& loop = srv.loop(index);
    asio::post(loop.context(), [&loop, job, m, t = std::move(targets)] { run_on_loop(loop, job, m, t); });
  }
}

}  // namespace pummelo::broker
