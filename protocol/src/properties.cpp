#include "pummelo/protocol/properties.hpp"

#include <cassert>
#include <string_view>

#include "property_codec.hpp"
#include "pummelo/protocol/topic.hpp"

namespace pummelo::protocol {

bool property_allowed(property_id id, property_context ctx) noexcept {
  using enum property_context;
  const auto in = [ctx](std::initializer_list<property_context> allowed) {
    for (const property_context c : allowed) {
      if (c == ctx) return true;
    }
    return false;
  };
  // Spec table 2-4 (section 2.2.2.2). PUBACK stands for all four acks.
  switch (id) {
    case property_id::payload_format_indicator:
    case property_id::message_expiry_interval:
    case property_id::content_type:
    case property_id::response_topic:
    case property_id::correlation_data:
      return in({publish, will});
    case property_id::subscription_identifier:
      return in({publish, subscribe});
    case property_id::session_expiry_interval:
      return in({connect, connack, disconnect});
    case property_id::assigned_client_identifier:
    case property_id::server_keep_alive:
    case property_id::response_information:
    case property_id::maximum_qos:
    case property_id::retain_available:
    case property_id::wildcard_subscription_available:
    case property_id::subscription_identifier_available:
    case property_id::shared_subscription_available:
      return in({connack});
    case property_id::authentication_method:
    case property_id::authentication_data:
      return in({connect, connack, auth});
    case property_id::request_problem_information:
    case property_id::request_response_information:
      return in({connect});
    case property_id::will_delay_interval:
      return in({will});
    case property_id::server_reference:
      return in({connack, disconnect});
    case property_id::reason_string:
      return in({connack, puback, suback, unsuback, disconnect, auth});
    case property_id::receive_maximum:
    case property_id::topic_alias_maximum:
    case property_id::maximum_packet_size:
      return in({connect, connack});
    case property_id::topic_alias:
      return in({publish});
    case property_id::user_property:
      return true;
  }
  return false;  // an id the spec does not define
}

bool properties::empty() const noexcept { return *this == properties{}; }

namespace detail {

namespace {

// Each reader checks for a duplicate first: that needs only the id.

errc read_byte(reader& r, std::optional<std::uint8_t>& f) {
  if (f) return errc::duplicate_property;
  std::uint8_t v = 0;
  PUMMELO_TRY(r.u8(v));
  f = v;
  return errc::ok;
}

// Properties whose only valid values are 0 and 1 ("It is a Protocol Error to
// include ... a value other than 0 or 1").
errc read_flag(reader& r, std::optional<std::uint8_t>& f) {
  PUMMELO_TRY(read_byte(r, f));
  return *f <= 1 ? errc::ok : errc::invalid_property;
}

// `nonzero`: receive maximum, topic alias and maximum packet size may not be 0.
errc read_u16(reader& r, std::optional<std::uint16_t>& f, bool nonzero = false) {
  if (f) return errc::duplicate_property;
  std::uint16_t v = 0;
  PUMMELO_TRY(r.u16(v));
  if (nonzero && v == 0) return errc::invalid_property;
  f = v;
  return errc::ok;
}

errc read_u32(reader& r, std::optional<std::uint32_t>& f, bool nonzero = false) {
  if (f) return errc::duplicate_property;
  std::uint32_t v = 0;
  PUMMELO_TRY(r.u32(v));
  if (nonzero && v == 0) return errc::invalid_property;
  f = v;
  return errc::ok;
}

errc read_utf8(reader& r, std::optional<std::string>& f) {
  if (f) return errc::duplicate_property;
  return r.utf8(f.emplace());
}

errc read_binary(reader& r, std::optional<std::string>& f) {
  if (f) return errc::duplicate_property;
  return r.binary(f.emplace());
}

errc read_property(reader& r, property_id id, property_context ctx,
                   const limits& lim, properties& p) {
  using enum property_id;
  switch (id) {
    case payload_format_indicator: return read_flag(r, p.payload_format_indicator);
    case message_expiry_interval: return read_u32(r, p.message_expiry_interval);
    case content_type: return read_utf8(r, p.content_type);
    case response_topic:
      PUMMELO_TRY(read_utf8(r, p.response_topic));
      // "The Response Topic MUST NOT contain wildcard characters" (3.3.2.3.5).
      return validate_topic_name(*p.response_topic, lim) == errc::ok
                 ? errc::ok
                 : errc::invalid_property;
    case correlation_data: return read_binary(r, p.correlation_data);
    case subscription_identifier: {
      // Several in a PUBLISH (one per matching subscription), one in SUBSCRIBE.
      if (ctx != property_context::publish && !p.subscription_identifiers.empty()) {
        return errc::duplicate_property;
      }
      std::uint32_t v = 0;
      PUMMELO_TRY(r.varint(v));
      if (v == 0) return errc::invalid_property;
      p.subscription_identifiers.push_back(v);
      return errc::ok;
    }
    case session_expiry_interval: return read_u32(r, p.session_expiry_interval);
    case assigned_client_identifier:
      return read_utf8(r, p.assigned_client_identifier);
    case server_keep_alive: return read_u16(r, p.server_keep_alive);
    case authentication_method: return read_utf8(r, p.authentication_method);
    case authentication_data: return read_binary(r, p.authentication_data);
    case request_problem_information:
      return read_flag(r, p.request_problem_information);
    case will_delay_interval: return read_u32(r, p.will_delay_interval);
    case request_response_information:
      return read_flag(r, p.request_response_information);
    case response_information: return read_utf8(r, p.response_information);
    case server_reference: return read_utf8(r, p.server_reference);
    case reason_string: return read_utf8(r, p.reason_string);
    case receive_maximum: return read_u16(r, p.receive_maximum, true);
    case topic_alias_maximum: return read_u16(r, p.topic_alias_maximum);
    case topic_alias: return read_u16(r, p.topic_alias, true);
    case maximum_qos: return read_flag(r, p.maximum_qos);
    case retain_available: return read_flag(r, p.retain_available);
    case user_property: {
      if (p.user_properties.size() >= lim.max_user_properties) {
        return errc::limit_exceeded;
      }
      auto& kv = p.user_properties.emplace_back();
      PUMMELO_TRY(r.utf8(kv.first));
      return r.utf8(kv.second);
    }
    case maximum_packet_size: return read_u32(r, p.maximum_packet_size, true);
    case wildcard_subscription_available:
      return read_flag(r, p.wildcard_subscription_available);
    case subscription_identifier_available:
      return read_flag(r, p.subscription_identifier_available);
    case shared_subscription_available:
      return read_flag(r, p.shared_subscription_available);
  }
  return errc::invalid_property;
}

struct varint_value {
  std::uint32_t value;
};

// Calls f(id, value) for every property present, in id order, so that the
// size computation and the writer cannot disagree.
template <class F>
void visit_properties(const properties& p, F&& f) {
  using enum property_id;
  using sv = std::string_view;
  if (p.payload_format_indicator) f(payload_format_indicator, *p.payload_format_indicator);
  if (p.message_expiry_interval) f(message_expiry_interval, *p.message_expiry_interval);
  if (p.content_type) f(content_type, sv(*p.content_type));
  if (p.response_topic) f(response_topic, sv(*p.response_topic));
  if (p.correlation_data) f(correlation_data, sv(*p.correlation_data));
  for (const std::uint32_t id : p.subscription_identifiers) {
    f(subscription_identifier, varint_value{id});
  }
  if (p.session_expiry_interval) f(session_expiry_interval, *p.session_expiry_interval);
  if (p.assigned_client_identifier) {
    f(assigned_client_identifier, sv(*p.assigned_client_identifier));
  }
  if (p.server_keep_alive) f(server_keep_alive, *p.server_keep_alive);
  if (p.authentication_method) f(authentication_method, sv(*p.authentication_method));
  if (p.authentication_data) f(authentication_data, sv(*p.authentication_data));
  if (p.request_problem_information) {
    f(request_problem_information, *p.request_problem_information);
  }
  if (p.will_delay_interval) f(will_delay_interval, *p.will_delay_interval);
  if (p.request_response_information) {
    f(request_response_information, *p.request_response_information);
  }
  if (p.response_information) f(response_information, sv(*p.response_information));
  if (p.server_reference) f(server_reference, sv(*p.server_reference));
  if (p.reason_string) f(reason_string, sv(*p.reason_string));
  if (p.receive_maximum) f(receive_maximum, *p.receive_maximum);
  if (p.topic_alias_maximum) f(topic_alias_maximum, *p.topic_alias_maximum);
  if (p.topic_alias) f(topic_alias, *p.topic_alias);
  if (p.maximum_qos) f(maximum_qos, *p.maximum_qos);
  if (p.retain_available) f(retain_available, *p.retain_available);
  for (const auto& kv : p.user_properties) f(user_property, kv);
  if (p.maximum_packet_size) f(maximum_packet_size, *p.maximum_packet_size);
  if (p.wildcard_subscription_available) {
    f(wildcard_subscription_available, *p.wildcard_subscription_available);
  }
  if (p.subscription_identifier_available) {
    f(subscription_identifier_available, *p.subscription_identifier_available);
  }
  if (p.shared_subscription_available) {
    f(shared_subscription_available, *p.shared_subscription_available);
  }
}

// Every property id is below 0x80, so its Variable Byte Integer is one byte.
struct property_sizer {
  std::size_t total = 0;
  void operator()(property_id, std::uint8_t) noexcept { total += 1 + 1; }
  void operator()(property_id, std::uint16_t) noexcept { total += 1 + 2; }
  void operator()(property_id, std::uint32_t) noexcept { total += 1 + 4; }
  void operator()(property_id, varint_value v) noexcept {
    total += 1 + varint_len(v.value);
  }
  void operator()(property_id, std::string_view s) noexcept {
    total += 1 + str_size(s);
  }
  void operator()(property_id, const user_property& kv) noexcept {
    total += 1 + str_size(kv.first) + str_size(kv.second);
  }
};

struct property_writer {
  writer& w;
  void operator()(property_id id, std::uint8_t v) noexcept { head(id); w.u8(v); }
  void operator()(property_id id, std::uint16_t v) noexcept { head(id); w.u16(v); }
  void operator()(property_id id, std::uint32_t v) noexcept { head(id); w.u32(v); }
  void operator()(property_id id, varint_value v) noexcept {
    head(id);
    w.varint(v.value);
  }
  void operator()(property_id id, std::string_view s) noexcept {
    head(id);
    w.str(s);
  }
  void operator()(property_id id, const user_property& kv) noexcept {
    head(id);
    w.str(kv.first);
    w.str(kv.second);
  }
  void head(property_id id) noexcept { w.u8(static_cast<std::uint8_t>(id)); }
};

std::size_t properties_body_size(const properties& p) noexcept {
  property_sizer sizer;
  visit_properties(p, sizer);
  return sizer.total;
}

}  // namespace

errc decode_properties(reader& r, property_context ctx, const limits& lim,
                       properties& out) {
  std::uint32_t len = 0;
  PUMMELO_TRY(r.varint(len));
  if (len > r.remaining()) return errc::malformed_packet;
  if (len > lim.max_properties_size) return errc::limit_exceeded;
  reader section(std::span<const std::uint8_t>{});
  PUMMELO_TRY(r.sub(len, section));
  while (!section.empty()) {
    // The identifier is a Variable Byte Integer, but every defined id is
    // below 0x80: a first byte with the continuation bit set is unknown.
    std::uint8_t raw_id = 0;
    PUMMELO_TRY(section.u8(raw_id));
    const auto id = static_cast<property_id>(raw_id);
    if (!property_allowed(id, ctx)) return errc::invalid_property;
    PUMMELO_TRY(read_property(section, id, ctx, lim, out));
  }
  return errc::ok;
}

std::size_t properties_size(const properties& p) noexcept {
  const std::size_t body = properties_body_size(p);
  return varint_len(static_cast<std::uint32_t>(body)) + body;
}

void write_properties(writer& w, const properties& p) noexcept {
  const std::size_t body = properties_body_size(p);
  assert(body <= max_variable_byte_integer);
  w.varint(static_cast<std::uint32_t>(body));
  [[maybe_unused]] const std::uint8_t* start = w.position();
  visit_properties(p, property_writer{w});
  assert(static_cast<std::size_t>(w.position() - start) == body);
}

}  // namespace detail

}  // namespace pummelo::protocol
