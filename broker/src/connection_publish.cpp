// Inbound PUBLISH (topic aliases, QoS 1/2 handshakes) and the client's
// acknowledgements of our outbound messages.
#include <chrono>
#include <memory>

#include "connection.hpp"
#include "event_loop.hpp"
#include "log.hpp"
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
  std::uint16_t max = server_.cfg().limits.topic_alias_maximum;
  if (alias == 0 || alias > max) {
    close(protocol::reason_code::topic_alias_invalid, "topic alias out of range");
    return false;
  }
  // Sized on first use: clients that never use aliases pay nothing.
  if (topic_aliases_.size() < max) topic_aliases_.resize(max);
  auto& slot = topic_aliases_[alias - 1];
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

void connection::on_publish(protocol::publish_packet&& p) {
  using rc = protocol::reason_code;
  if (!resolve_topic_alias(p)) return;
  if (p.qos == 2) {
    if (session_->has_incoming_qos2(p.packet_id)) {
      // A resent QoS 2 PUBLISH already delivered once: acknowledge only.
      send(protocol::pubrec_packet{p.packet_id, rc::success, {}});
      return;
    }
    // Only new ids count against our receive maximum (a resend is not new).
    if (session_->incoming_qos2_count() >= server_.cfg().limits.max_incoming_qos2) {
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
  if (is_push_topic(p.topic)) {
    // A backend push request: executed, answered, never routed or retained.
    handle_push_request(server_, p.topic, p.payload, p.props, session_->id());
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
    server_.publish(m);
  }
  if (qos == 1) send(protocol::puback_packet{id, rc::success, {}});
  if (qos == 2) send(protocol::pubrec_packet{id, rc::success, {}});
}

void connection::on_puback(const protocol::puback_packet& p) { session_->on_puback(p.packet_id); }

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

void connection::on_pubcomp(const protocol::pubcomp_packet& p) { session_->on_pubcomp(p.packet_id); }

}  // namespace pummelo::broker
