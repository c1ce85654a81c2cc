// MQTT 5 properties: which packet allows which (spec table 2-4), and round
// trips of every packet type with every allowed property set.
#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

using enum property_id;

constexpr property_id all_ids[] = {
    payload_format_indicator, message_expiry_interval, content_type, response_topic,
    correlation_data, subscription_identifier, session_expiry_interval,
    assigned_client_identifier, server_keep_alive, authentication_method, authentication_data,
    request_problem_information, will_delay_interval, request_response_information,
    response_information, server_reference, reason_string, receive_maximum,
    topic_alias_maximum, topic_alias, maximum_qos, retain_available, user_property,
    maximum_packet_size, wildcard_subscription_available, subscription_identifier_available,
    shared_subscription_available,
};

// Every property `ctx` allows, set to a value that differs from defaults and
// exercises the encodings (multi-byte varints, binary with NUL and 0xFF,
// non-ASCII strings, repeated user properties).
properties full_properties(property_context ctx) {
  properties p;
  const auto allowed = [ctx](property_id id) { return property_allowed(id, ctx); };
  if (allowed(payload_format_indicator)) p.payload_format_indicator = 1;
  if (allowed(message_expiry_interval)) p.message_expiry_interval = 0xFFFFFFFF;
  if (allowed(content_type)) p.content_type = "application/json; charset=\xC3\xBC";
  if (allowed(response_topic)) p.response_topic = "reply/\xE2\x82\xAC";
  if (allowed(correlation_data)) p.correlation_data = std::string("\x00\xFF\x10", 3);
  if (allowed(subscription_identifier)) {
    p.subscription_identifiers = {max_variable_byte_integer};
    if (ctx == property_context::publish) p.subscription_identifiers.push_back(1);
  }
  if (allowed(session_expiry_interval)) p.session_expiry_interval = 86400;
  if (allowed(assigned_client_identifier)) p.assigned_client_identifier = "auto-1";
  if (allowed(server_keep_alive)) p.server_keep_alive = 0xFFFF;
  if (allowed(authentication_method)) p.authentication_method = "SCRAM-SHA-1";
  if (allowed(authentication_data)) p.authentication_data = std::string("\x00\x01", 2);
  if (allowed(request_problem_information)) p.request_problem_information = 0;
  if (allowed(will_delay_interval)) p.will_delay_interval = 30;
  if (allowed(request_response_information)) p.request_response_information = 1;
  if (allowed(response_information)) p.response_information = "resp/";
  if (allowed(server_reference)) p.server_reference = "other:1883";
  if (allowed(reason_string)) p.reason_string = "because";
  if (allowed(receive_maximum)) p.receive_maximum = 65535;
  if (allowed(topic_alias_maximum)) p.topic_alias_maximum = 0;
  if (allowed(topic_alias)) p.topic_alias = 1;
  if (allowed(maximum_qos)) p.maximum_qos = 0;
  if (allowed(retain_available)) p.retain_available = 1;
  p.user_properties = {{"k", "v"}, {"k", "v"}, {"", ""}, {"\xF0\x9F\x98\x80", "x"}};
  if (allowed(maximum_packet_size)) p.maximum_packet_size = 268435460;
  if (allowed(wildcard_subscription_available)) p.wildcard_subscription_available = 0;
  if (allowed(subscription_identifier_available)) p.subscription_identifier_available = 1;
  if (allowed(shared_subscription_available)) p.shared_subscription_available = 1;
  return p;
}

TEST_CASE("property_allowed follows table 2-4") {
  using enum property_context;
  // Spot checks across the table, both ways.
  CHECK(property_allowed(payload_format_indicator, publish));
  CHECK(property_allowed(payload_format_indicator, will));
  CHECK_FALSE(property_allowed(payload_format_indicator, connect));
  CHECK(property_allowed(subscription_identifier, subscribe));
  CHECK_FALSE(property_allowed(subscription_identifier, unsubscribe));
  CHECK(property_allowed(session_expiry_interval, disconnect));
  CHECK_FALSE(property_allowed(session_expiry_interval, will));
  CHECK(property_allowed(will_delay_interval, will));
  CHECK_FALSE(property_allowed(will_delay_interval, connect));
  CHECK(property_allowed(reason_string, puback));
  CHECK(property_allowed(reason_string, auth));
  CHECK_FALSE(property_allowed(reason_string, publish));
  CHECK_FALSE(property_allowed(reason_string, connect));
  CHECK(property_allowed(server_reference, disconnect));
  CHECK_FALSE(property_allowed(server_reference, auth));
  CHECK(property_allowed(authentication_method, auth));
  CHECK_FALSE(property_allowed(authentication_method, disconnect));
  CHECK(property_allowed(topic_alias, publish));
  CHECK_FALSE(property_allowed(topic_alias, will));
  CHECK(property_allowed(maximum_packet_size, connect));
  CHECK_FALSE(property_allowed(maximum_qos, connect));
  CHECK_FALSE(property_allowed(static_cast<property_id>(0x00), publish));
  CHECK_FALSE(property_allowed(static_cast<property_id>(0x2B), connack));

  // Counts per context, from the table.
  const std::pair<property_context, int> counts[] = {
      {connect, 9}, {will, 7}, {connack, 17}, {publish, 8}, {puback, 2}, {subscribe, 2},
      {suback, 2}, {unsubscribe, 1}, {unsuback, 2}, {disconnect, 4}, {auth, 4},
  };
  for (const auto& c : counts) {
    const property_context ctx = c.first;
    const int n = c.second;
    int allowed = 0;
    for (const property_id id : all_ids) allowed += property_allowed(id, ctx) ? 1 : 0;
    CAPTURE(static_cast<int>(ctx));
    CHECK(allowed == n);
  }
  // user_property is allowed everywhere.
  for (const auto& c : counts) CHECK(property_allowed(user_property, c.first));
}

TEST_CASE("properties::empty") {
  properties p;
  CHECK(p.empty());
  p.user_properties.push_back({"a", "b"});
  CHECK_FALSE(p.empty());
  p = {};
  p.topic_alias = 3;
  CHECK_FALSE(p.empty());
}

TEST_CASE("every packet type round trips with every allowed property") {
  using enum property_context;
  const auto v = version::v5;

  connect_packet c;
  c.protocol_version = v;
  c.client_id = "full";
  c.clean_start = false;
  c.keep_alive = 65535;
  c.props = full_properties(connect);
  c.will = will_message{"will/topic", std::string("\x00\x01", 2), 1, true, full_properties(will)};
  c.username = "u";
  c.password = "";
  check_packet_round_trip(c, v, from::client);

  connack_packet ca;
  ca.session_present = true;
  ca.props = full_properties(connack);
  check_packet_round_trip(ca, v, from::server);

  publish_packet p;
  p.qos = 2;
  p.dup = true;
  p.retain = true;
  p.packet_id = 65535;
  p.topic = "a/b";
  p.props = full_properties(publish);
  p.payload = std::string(200, '\0');
  check_packet_round_trip(p, v, from::server);

  puback_packet a1{1, reason_code::no_matching_subscribers, full_properties(puback)};
  pubrec_packet a2{2, reason_code::success, full_properties(puback)};
  pubrel_packet a3{3, reason_code::packet_identifier_not_found, full_properties(puback)};
  pubcomp_packet a4{4, reason_code::success, full_properties(puback)};
  check_packet_round_trip(a1, v, from::client);
  check_packet_round_trip(a2, v, from::server);
  check_packet_round_trip(a3, v, from::client);
  check_packet_round_trip(a4, v, from::server);

  subscribe_packet s;
  s.packet_id = 7;
  s.props = full_properties(subscribe);
  s.entries = {{"a/#", 2, true, true, 2}, {"$share/g/+/x", 1, false, false, 1}};
  check_packet_round_trip(s, v, from::client);

  suback_packet sa{7, full_properties(suback), {reason_code::granted_qos_2, reason_code::banned}};
  check_packet_round_trip(sa, v, from::server);

  unsubscribe_packet u{8, full_properties(unsubscribe), {"a/#", "$share/g/x"}};
  check_packet_round_trip(u, v, from::client);

  unsuback_packet ua{8, full_properties(unsuback),
                     {reason_code::success, reason_code::no_subscription_existed}};
  check_packet_round_trip(ua, v, from::server);

  check_packet_round_trip(
      disconnect_packet{reason_code::server_moved, full_properties(disconnect)}, v, from::server);
  check_packet_round_trip(
      auth_packet{reason_code::continue_authentication, full_properties(auth)}, v, from::client);
}

TEST_CASE("empty strings and zero values survive a round trip") {
  properties p;
  p.content_type = "";
  p.correlation_data = "";
  p.message_expiry_interval = 0;
  p.payload_format_indicator = 0;
  publish_packet pub{false, 0, false, "t", 0, p, ""};
  check_packet_round_trip(pub, version::v5, from::client);
}

TEST_CASE("user properties keep their order and duplicates") {
  publish_packet pub;
  pub.topic = "t";
  pub.props.user_properties = {{"b", "1"}, {"a", "2"}, {"b", "1"}};
  const bytes b = encode_bytes(pub, version::v5);
  const auto back = std::get<publish_packet>(decode_one(b, version::v5, from::client));
  CHECK(back.props.user_properties == pub.props.user_properties);
}

}  // namespace
}  // namespace pummelo::protocol::test
