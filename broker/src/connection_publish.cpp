// Inbound PUBLISH (topic aliases, QoS 1/2 handshakes) and the client's
// acknowledgements of our outbound messages.
#include <asio/post.hpp>
#include <chrono>
#include <memory>

#include "connection.hpp"
#include "event_loop.hpp"
#include "gate_api.hpp"
#include "log.hpp"
#include "admin/admin_api.hpp"
#include "push_api.hpp"
#include "push_request.hpp"
#include "server.hpp"
#include "session.hpp"

namespace pummelo::broker {
namespace {

/// The properties MQTT 5 forwards from publisher to subscribers (3.3.2.3).
protocol::properties forwarded_properties(protocol::properties&& in) {
  protocol::properties out;
  out.payload_format_indicator = in.payload_format_indicator;
  out.content_type = std::move(in.content_type);
  out.response_topic = std::move(in.response_topic);
  out.correlation_data = std::move(in.correlation_data);
  out.user_properties = std::move(in.user_properties);
  return out;
}

}  // namespace

bool connection::resolve_topic_alias(protocol::publish_packet& p) {
  if (version_ != protocol::version::v5 || !p.props.topic_alias) return true;
  std::uint16_t alias = *p.props.topic_alias;
  std::uint16_t max = server_().cfg().limits.topic_alias_maximum;
  if (alias == 0 || alias > max) {
    close(protocol::reason_code::topic_alias_invalid, "topic alias out of range");
    return false;
  }
  // Sized on first use: clients that never use aliases pay nothing.
  if (x().topic_aliases.size() < max) x().topic_aliases.resize(max);
  auto& slot = x().topic_aliases[alias - 1];
  if (!p.topic.empty()) {
    slot = p.topic;
  } else if (slot.empty()) {
    close(protocol::reason_code::protocol_error, "unknown topic alias");
    return false;
  } else {
    p.topic = slot;
  }
  p.props.topic_alias.reset();
  return true;
}

bool connection::publish_allowed_now() {
  auto& xs = x();
  const auto rate = server_().cfg().limits.max_publish_rate;
  if (!xs.publish_bucket) xs.publish_bucket.emplace(rate, rate);  // one second's worth at once
  return xs.publish_bucket->take() == clock::duration::zero();
}

void connection::hold_publish(protocol::publish_packet&& p, std::span<const std::uint8_t> rest) {
  // Over limits.max_publish_rate: this PUBLISH and what follows it wait,
  // and nothing more is read meanwhile, so TCP slows the client down and
  // nothing is lost.
  auto& xs = x();
  xs.held_publish = std::move(p);
  xs.held_input.assign(rest.begin(), rest.end());
  reading_ = false;
  update_interest();
  arm_publish_timer();
}

void connection::arm_publish_timer() {
  auto& xs = x();
  const auto rate = server_().cfg().limits.max_publish_rate;
  if (!xs.throttle_timer) xs.throttle_timer = std::make_unique<asio::steady_timer>(loop_->context());
  xs.throttle_timer->expires_after(std::chrono::microseconds(1'000'000 / rate + 1));
  xs.throttle_timer->async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (!ec) self->resume_held_publish();
  });
}

void connection::resume_held_publish() {
  if (state_ != state::active || !x_ || !x_->held_publish) return;
  if (!publish_allowed_now()) {
    arm_publish_timer();
    return;
  }
  auto p = std::move(*x_->held_publish);
  x_->held_publish.reset();
  std::vector<std::uint8_t> rest;
  rest.swap(x_->held_input);
  auto self = shared_from_this();
  handle_packet(std::move(p));
  if (state_ != state::active) return;
  if (!rest.empty()) process_input(rest);
  if (state_ == state::active && !(x_ && x_->held_publish) && !registering_) start_read();
}

void connection::on_publish(protocol::publish_packet&& p) {
  using rc = protocol::reason_code;
  if (!resolve_topic_alias(p)) return;
  if (!permitted(auth::action::publish, p.topic)) {
    // Dropped. MQTT 5 says why (PUBACK/PUBREC 0x87); 3.1.1 cannot, and its
    // client would only resend, so there the flow ends as if accepted (as
    // Mosquitto does).
    if (p.qos > 0) settle_ack(expect_ack(p.packet_id, p.qos), pending_ack_denied);
    return;
  }
  if (p.qos == 2) {
    if (session_->incoming_qos2_pending(p.packet_id)) {
      // A resend of a message its channel server has not accepted yet: the
      // answer to the first one will do.
      return;
    }
    if (session_->has_incoming_qos2(p.packet_id)) {
      // A resent QoS 2 PUBLISH already delivered once: acknowledge only.
      send(protocol::pubrec_packet{p.packet_id, rc::success, {}});
      return;
    }
    // Only new ids count against our receive maximum (a resend is not new).
    if (session_->incoming_qos2_count() >= server_().cfg().limits.max_incoming_qos2) {
      if (version_ == protocol::version::v5) {
        close(rc::receive_maximum_exceeded, "more unreleased QoS 2 messages than receive maximum");
      } else {
        close(rc::receive_maximum_exceeded, "more unreleased QoS 2 messages than allowed", false);
      }
      return;
    }
    session_->begin_incoming_qos2(p.packet_id);
  }
  std::uint16_t id = p.packet_id;
  std::uint8_t qos = p.qos;
  std::uint64_t seq = qos > 0 ? expect_ack(id, qos) : 0;
  if (is_push_topic(p.topic)) {
    // A backend push request: executed, answered, never routed or retained.
    handle_push_request(server_(), p.topic, p.payload, p.props, session_->id());
  } else if (admin::is_admin_request_topic(p.topic)) {
    // pummeloctl: answered on the response topic, never routed.
    if (auto* a = server_().admin()) a->handle_request(std::move(p.payload), p.props);
  } else if (is_gate_topic(p.topic)) {
    // Which frontend to use: answered, never routed.
    handle_gate_request(server_(), p.topic, p.payload, p.props, session_->uid);
  } else if (!is_sys_topic(p.topic)) {
    auto m = std::make_shared<message>();
    m->topic = std::move(p.topic);
    m->payload = std::move(p.payload);
    m->qos = p.qos;
    m->retain = p.retain;
    m->origin = session_->id();
    if (version_ == protocol::version::v5) {
      if (p.props.message_expiry_interval)
        m->expires_at = clock::now() + std::chrono::seconds(*p.props.message_expiry_interval);
      m->props = forwarded_properties(std::move(p.props));
    }
    m->origin_frontend = server_().frontend_index();
    if (qos == 0) {
      server_().publish(m);
      return;
    }
    // Acknowledged once the channel server owning the topic accepted it.
    // A QoS 2 id is settled in the session even if this connection is gone
    // by then (the client may resend it on its next connection).
    channel::session_id sid = session_->id();
    server_().publish(m, [self = shared_from_this(), seq, sid, id, qos](bool accepted) {
      event_loop* loop = self->loop_;
      auto settle = [self, loop, seq, sid, id, qos, accepted] {
        if (qos == 2)
          if (session* s = loop->find_session(sid)) s->resolve_incoming_qos2(id, accepted);
        self->complete_ack(seq, accepted);
      };
      if (event_loop::current() == loop) {
        settle();
      } else {
        asio::post(loop->context(), settle);
      }
    });
    return;
  }
  if (qos == 2) session_->resolve_incoming_qos2(id, true);
  if (qos > 0) complete_ack(seq, true);
}

std::uint64_t connection::expect_ack(std::uint16_t packet_id, std::uint8_t qos) {
  x().pending_acks.push_back({packet_id, qos, 0});
  return x().acks_sent + x().pending_acks.size() - 1;
}

void connection::complete_ack(std::uint64_t seq, bool accepted) {
  settle_ack(seq, accepted ? pending_ack_accepted : pending_ack_refused);
}

void connection::settle_ack(std::uint64_t seq, std::uint8_t outcome) {
  using rc = protocol::reason_code;
  if (seq < x().acks_sent || seq - x().acks_sent >= x().pending_acks.size()) return;
  x().pending_acks[seq - x().acks_sent].state = outcome;
  std::size_t done = 0;
  bool refused_v311 = false;
  for (; done < x().pending_acks.size() && x().pending_acks[done].state != pending_ack_waiting; ++done) {
    const auto& a = x().pending_acks[done];
    if (state_ != state::active || !session_) continue;
    bool v5 = version_ == protocol::version::v5;
    if (a.state == pending_ack_refused) {
      loop_->stats().messages_dropped.add();
      if (!v5) {
        // MQTT 3.1.1 has no failure code, and its clients resend only after
        // reconnecting: close (no ack) so that this one does.
        refused_v311 = true;
        continue;
      }
    }
    auto code = a.state == pending_ack_accepted ? rc::success
                : a.state == pending_ack_refused   ? rc::unspecified_error
                : v5                               ? rc::not_authorized
                                                   : rc::success;
    if (a.qos == 1) send(protocol::puback_packet{a.packet_id, code, {}});
    if (a.qos == 2) send(protocol::pubrec_packet{a.packet_id, code, {}});
  }
  x().pending_acks.erase(x().pending_acks.begin(),
                      x().pending_acks.begin() + static_cast<std::ptrdiff_t>(done));
  x().acks_sent += done;
  if (refused_v311)
    close(rc::unspecified_error, "a publish was not accepted by its channel server", false);
}

void connection::on_puback(const protocol::puback_packet& p) {
  session_->on_puback(p.packet_id);
}

void connection::on_pubrec(const protocol::pubrec_packet& p) {
  bool failed = protocol::is_error(p.reason);
  bool known = session_->on_pubrec(p.packet_id, failed);
  if (failed) return;
  protocol::pubrel_packet rel{p.packet_id, protocol::reason_code::success, {}};
  if (!known && version_ == protocol::version::v5)
    rel.reason = protocol::reason_code::packet_identifier_not_found;
  send(rel);
}

void connection::on_pubrel(const protocol::pubrel_packet& p) {
  bool known = session_->end_incoming_qos2(p.packet_id);
  protocol::pubcomp_packet comp{p.packet_id, protocol::reason_code::success, {}};
  if (!known && version_ == protocol::version::v5)
    comp.reason = protocol::reason_code::packet_identifier_not_found;
  send(comp);
}

void connection::on_pubcomp(const protocol::pubcomp_packet& p) {
  session_->on_pubcomp(p.packet_id);
}

}  // namespace pummelo::broker
