// Names of packet types, reason codes and errors, and the mappings between
// decoding errors, MQTT 5 reason codes and MQTT 3.x CONNACK return codes.
#include "pummelo/protocol/error.hpp"
#include "pummelo/protocol/reason_code.hpp"
#include "pummelo/protocol/types.hpp"

namespace pummelo::protocol {

std::string_view to_string(packet_type t) noexcept {
  switch (t) {
    case packet_type::connect: return "CONNECT";
    case packet_type::connack: return "CONNACK";
    case packet_type::publish: return "PUBLISH";
    case packet_type::puback: return "PUBACK";
    case packet_type::pubrec: return "PUBREC";
    case packet_type::pubrel: return "PUBREL";
    case packet_type::pubcomp: return "PUBCOMP";
    case packet_type::subscribe: return "SUBSCRIBE";
    case packet_type::suback: return "SUBACK";
    case packet_type::unsubscribe: return "UNSUBSCRIBE";
    case packet_type::unsuback: return "UNSUBACK";
    case packet_type::pingreq: return "PINGREQ";
    case packet_type::pingresp: return "PINGRESP";
    case packet_type::disconnect: return "DISCONNECT";
    case packet_type::auth: return "AUTH";
  }
  return "RESERVED";
}

std::string_view to_string(reason_code rc) noexcept {
  using enum reason_code;
  switch (rc) {
    case success: return "success";
    case granted_qos_1: return "granted QoS 1";
    case granted_qos_2: return "granted QoS 2";
    case disconnect_with_will_message: return "disconnect with will message";
    case no_matching_subscribers: return "no matching subscribers";
    case no_subscription_existed: return "no subscription existed";
    case continue_authentication: return "continue authentication";
    case re_authenticate: return "re-authenticate";
    case unspecified_error: return "unspecified error";
    case malformed_packet: return "malformed packet";
    case protocol_error: return "protocol error";
    case implementation_specific_error: return "implementation specific error";
    case unsupported_protocol_version: return "unsupported protocol version";
    case client_identifier_not_valid: return "client identifier not valid";
    case bad_user_name_or_password: return "bad user name or password";
    case not_authorized: return "not authorized";
    case server_unavailable: return "server unavailable";
    case server_busy: return "server busy";
    case banned: return "banned";
    case server_shutting_down: return "server shutting down";
    case bad_authentication_method: return "bad authentication method";
    case keep_alive_timeout: return "keep alive timeout";
    case session_taken_over: return "session taken over";
    case topic_filter_invalid: return "topic filter invalid";
    case topic_name_invalid: return "topic name invalid";
    case packet_identifier_in_use: return "packet identifier in use";
    case packet_identifier_not_found: return "packet identifier not found";
    case receive_maximum_exceeded: return "receive maximum exceeded";
    case topic_alias_invalid: return "topic alias invalid";
    case packet_too_large: return "packet too large";
    case message_rate_too_high: return "message rate too high";
    case quota_exceeded: return "quota exceeded";
    case administrative_action: return "administrative action";
    case payload_format_invalid: return "payload format invalid";
    case retain_not_supported: return "retain not supported";
    case qos_not_supported: return "QoS not supported";
    case use_another_server: return "use another server";
    case server_moved: return "server moved";
    case shared_subscriptions_not_supported:
      return "shared subscriptions not supported";
    case connection_rate_exceeded: return "connection rate exceeded";
    case maximum_connect_time: return "maximum connect time";
    case subscription_identifiers_not_supported:
      return "subscription identifiers not supported";
    case wildcard_subscriptions_not_supported:
      return "wildcard subscriptions not supported";
  }
  return "unknown reason code";
}

connack_v3 to_connack_v3(reason_code rc) noexcept {
  const auto value = static_cast<std::uint8_t>(rc);
  // 0..5 pass through unchanged: a 3.x CONNACK decoded into `reason` holds
  // the raw return code, and must encode back to the same byte.
  if (value <= 5) return static_cast<connack_v3>(value);
  switch (rc) {
    case reason_code::unsupported_protocol_version:
      return connack_v3::unacceptable_protocol_version;
    case reason_code::client_identifier_not_valid:
      return connack_v3::identifier_rejected;
    case reason_code::bad_user_name_or_password:
      return connack_v3::bad_user_name_or_password;
    case reason_code::not_authorized:
    case reason_code::banned:
    case reason_code::bad_authentication_method:
      return connack_v3::not_authorized;
    default:
      // server_unavailable, server_busy and every other failure: 3.x has no
      // closer code than "server unavailable".
      return connack_v3::server_unavailable;
  }
}

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::malformed_packet: return "malformed packet";
    case errc::malformed_remaining_length: return "malformed remaining length";
    case errc::reserved_packet_type: return "reserved packet type";
    case errc::invalid_fixed_header_flags: return "invalid fixed header flags";
    case errc::packet_too_large: return "packet too large";
    case errc::invalid_utf8: return "invalid UTF-8 string";
    case errc::invalid_topic_name: return "invalid topic name";
    case errc::invalid_topic_filter: return "invalid topic filter";
    case errc::invalid_packet_id: return "invalid packet identifier";
    case errc::invalid_qos: return "invalid QoS";
    case errc::invalid_property: return "invalid property";
    case errc::duplicate_property: return "duplicate property";
    case errc::protocol_error: return "protocol error";
    case errc::unsupported_protocol_version:
      return "unsupported protocol version";
    case errc::invalid_protocol_name: return "invalid protocol name";
    case errc::invalid_connect_flags: return "invalid CONNECT flags";
    case errc::client_identifier_not_valid: return "client identifier not valid";
    case errc::expected_connect: return "expected CONNECT";
    case errc::limit_exceeded: return "limit exceeded";
  }
  return "unknown error";
}

reason_code to_reason_code(errc e) noexcept {
  switch (e) {
    case errc::ok:
      return reason_code::success;
    // The spec calls these Malformed Packet by name: bad lengths and
    // encodings (1.5, 2.1.4), invalid fixed-header flags (2.1.3), QoS 3
    // (3.3.1.2), the CONNECT reserved flag and Will QoS 3 (3.1.2.3, 3.1.2.6).
    case errc::malformed_packet:
    case errc::malformed_remaining_length:
    case errc::invalid_utf8:
    case errc::invalid_fixed_header_flags:
    case errc::invalid_qos:
    case errc::invalid_connect_flags:
      return reason_code::malformed_packet;
    case errc::reserved_packet_type:
    case errc::invalid_packet_id:
    case errc::invalid_property:
    case errc::duplicate_property:
    case errc::protocol_error:
    case errc::invalid_protocol_name:
    case errc::expected_connect:
      return reason_code::protocol_error;
    case errc::packet_too_large:
      return reason_code::packet_too_large;
    case errc::invalid_topic_name:
      return reason_code::topic_name_invalid;
    case errc::invalid_topic_filter:
      return reason_code::topic_filter_invalid;
    case errc::unsupported_protocol_version:
      return reason_code::unsupported_protocol_version;
    case errc::client_identifier_not_valid:
      return reason_code::client_identifier_not_valid;
    case errc::limit_exceeded:
      // A configured limit of ours (property bytes, user properties,
      // subscriptions per packet), not a rule of the protocol.
      return reason_code::implementation_specific_error;
  }
  return reason_code::unspecified_error;
}

}  // namespace pummelo::protocol
