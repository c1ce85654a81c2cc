#include "push_api.hpp"

#include <asio/post.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/services.hpp"
#include "event_loop.hpp"
#include "log.hpp"
#include "publish_encoding.hpp"
#include "push_request.hpp"
#include "reply.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {
namespace {

void reply_with(server& srv, const reply_address& to, const push_outcome& outcome) {
  send_reply(srv, to, format_push_reply(outcome));
}

message_ptr push_message(const push_request& r, channel::session_id origin,
                         std::uint16_t origin_frontend) {
  auto m = std::make_shared<message>();
  m->topic = r.topic;
  m->payload = r.payload;
  m->qos = r.qos;
  m->origin = origin;
  m->origin_frontend = origin_frontend;
  return m;
}

cluster::push_mode mode_of(const push_request& r) {
  switch (r.kind) {
    case push_kind::kick: return cluster::push_mode::kick;
    case push_kind::broadcast:
      return r.bound_only ? cluster::push_mode::broadcast_bound : cluster::push_mode::broadcast;
    case push_kind::uids: break;
  }
  return cluster::push_mode::uids;
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
    reply_with(srv, to, bad);
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
    reply_with(srv, to, bad);
    return;
  }
  carry_out_push(srv, std::move(*parsed.request), origin,
                 [&srv, to = std::move(to)](push_outcome out) { reply_with(srv, to, out); });
}

void carry_out_push(server& srv, push_request req, channel::session_id origin,
                    std::function<void(push_outcome)> done) {
  if (!srv.try_reserve_push_job()) {
    // Bounded work: a client flooding $push gets refusals, not a backlog.
    push_outcome busy;
    busy.ok = false;
    busy.error = "too many push requests in progress (limits.max_push_jobs)";
    done(std::move(busy));
    return;
  }
  // Holds the push-job slot until the outcome is handed over, whichever way it ends.
  class slot {
   public:
    explicit slot(server& s) : srv_(s) {}
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot() { srv_.release_push_job(); }

   private:
    server& srv_;
  };
  auto held = std::make_shared<slot>(srv);
  auto m = push_message(req, origin, srv.frontend_index());
  // Through the channel servers owning the uids (or the topic, for a
  // broadcast): they know which frontends hold each uid.
  srv.cluster().frontend().push(mode_of(req), m, std::move(req.uids),
                                [held, done = std::move(done)](cluster::push_reply r) {
                                  push_outcome out;
                                  out.sessions = r.sessions;
                                  out.failed_uids = std::move(r.failed);
                                  out.unreachable_frontends = r.unreachable_frontends;
                                  if (!r.ok) {
                                    out.ok = false;
                                    out.error = "channel server unreachable";
                                  }
                                  done(std::move(out));
                                });
}

}  // namespace pummelo::broker
