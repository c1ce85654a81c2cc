// SUBSCRIBE (with retained-message delivery by retain handling) and
// UNSUBSCRIBE. The session's filter map mirrors its entries in the tree.
#include <algorithm>
#include <asio/post.hpp>
#include <vector>

#include "cluster/sync_barrier.hpp"
#include "connection.hpp"
#include "event_loop.hpp"
#include "publish_encoding.hpp"
#include "pummelo/protocol/topic.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {

void connection::on_subscribe(protocol::subscribe_packet&& p) {
  using rc = protocol::reason_code;
  bool v5 = version_ == protocol::version::v5;
  std::uint32_t subscription_id =
      p.props.subscription_identifiers.empty() ? 0 : p.props.subscription_identifiers.front();
  protocol::suback_packet ack;
  ack.packet_id = p.packet_id;
  std::vector<retained_request> retained;
  auto barrier = std::make_shared<cluster::sync_barrier>();
  for (auto& e : p.entries) {
    bool shared = !protocol::split_shared(e.filter).group.empty();
    if (shared && e.no_local && v5) {
      // v5 3.8.3.1: no_local on a shared subscription is a protocol error.
      close(rc::protocol_error, "no_local set on a shared subscription");
      return;
    }
    channel::subscription_options o;
    o.qos = e.qos;
    o.no_local = v5 && e.no_local;
    o.retain_as_published = v5 && e.retain_as_published;
    o.retain_handling = v5 ? e.retain_handling : 0;
    o.subscription_id = subscription_id;
    if (!permitted(auth::action::subscribe, e.filter)) {
      ack.reasons.push_back(v5 ? rc::not_authorized : rc::unspecified_error);  // 0x87 / 0x80
      continue;
    }
    if (session_->subscriptions().size() >= server_().cfg().limits.max_subscriptions_per_session &&
        !session_->has_subscription(e.filter)) {
      // Over limits.max_subscriptions_per_session: refuse this entry only.
      ack.reasons.push_back(v5 ? rc::quota_exceeded : rc::unspecified_error);
      continue;
    }
    bool is_new = server_().subscribe(e.filter, *session_, o, barrier.get());
    session_->set_subscription(e.filter, o);
    ack.reasons.push_back(static_cast<rc>(e.qos));
    // Retained messages go to new non-shared subscriptions per retain handling.
    if (!shared && (o.retain_handling == 0 || (o.retain_handling == 1 && is_new)))
      retained.push_back({std::move(e.filter), o});
  }
  // The SUBACK waits until the channel servers hold the new memberships, so
  // that a publish anywhere in the cluster after it reaches this session.
  barrier->arm([self = shared_from_this(), ack = std::move(ack), retained = std::move(retained)] {
    event_loop* loop = self->loop_;
    if (event_loop::current() == loop) {
      self->finish_subscribe(ack, retained);
    } else {
      asio::post(loop->context(), [self, ack, retained] { self->finish_subscribe(ack, retained); });
    }
  });
}

void connection::finish_subscribe(const protocol::suback_packet& ack,
                                  const std::vector<retained_request>& retained) {
  if (state_ != state::active || !session_) return;
  send(ack);
  if (retained.empty()) return;
  publish_cache cache(clock::now());
  for (const auto& r : retained) {
    server_().retained().match(r.filter, cache.now(), [&](const message_ptr& m) {
      if (!session_) return;
      session_delivery d;
      d.msg = m;
      d.qos = std::min(m->qos, r.options.qos);
      d.retain = true;  // retained on subscribe: always flagged as retained
      if (r.options.subscription_id) d.subscription_ids.push_back(r.options.subscription_id);
      if (!session_->deliver(std::move(d), cache)) loop_->stats().messages_dropped.add();
    });
  }
}

void connection::on_unsubscribe(const protocol::unsubscribe_packet& p) {
  protocol::unsuback_packet ack;
  ack.packet_id = p.packet_id;
  for (const auto& f : p.filters) {
    bool existed = server_().unsubscribe(f, *session_);
    session_->erase_subscription(f);
    ack.reasons.push_back(existed ? protocol::reason_code::success
                                  : protocol::reason_code::no_subscription_existed);
  }
  send(ack);
}

}  // namespace pummelo::broker
