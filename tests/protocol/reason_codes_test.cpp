// errc -> reason code, reason code -> 3.x CONNACK code, and names.
#include <set>

#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

TEST_CASE("to_reason_code") {
  using enum errc;
  const std::pair<errc, reason_code> cases[] = {
      {ok, reason_code::success},
      {malformed_packet, reason_code::malformed_packet},
      {malformed_remaining_length, reason_code::malformed_packet},
      {invalid_utf8, reason_code::malformed_packet},
      // The spec names these Malformed Packet (2.1.3, 3.3.1.2, 3.1.2.3).
      {invalid_fixed_header_flags, reason_code::malformed_packet},
      {invalid_qos, reason_code::malformed_packet},
      {invalid_connect_flags, reason_code::malformed_packet},
      {reserved_packet_type, reason_code::protocol_error},
      {invalid_packet_id, reason_code::protocol_error},
      {invalid_property, reason_code::protocol_error},
      {duplicate_property, reason_code::protocol_error},
      {protocol_error, reason_code::protocol_error},
      {invalid_protocol_name, reason_code::protocol_error},
      {expected_connect, reason_code::protocol_error},
      {packet_too_large, reason_code::packet_too_large},
      {invalid_topic_name, reason_code::topic_name_invalid},
      {invalid_topic_filter, reason_code::topic_filter_invalid},
      {unsupported_protocol_version, reason_code::unsupported_protocol_version},
      {client_identifier_not_valid, reason_code::client_identifier_not_valid},
      {limit_exceeded, reason_code::implementation_specific_error},
  };
  for (const auto& c : cases) {
    const errc e = c.first;
    const reason_code rc = c.second;
    CAPTURE(e);
    CHECK(to_reason_code(e) == rc);
    if (e != ok) CHECK(is_error(to_reason_code(e)));
  }
}

TEST_CASE("to_connack_v3") {
  CHECK(to_connack_v3(reason_code::success) == connack_v3::accepted);
  CHECK(to_connack_v3(reason_code::unsupported_protocol_version) ==
        connack_v3::unacceptable_protocol_version);
  CHECK(to_connack_v3(reason_code::client_identifier_not_valid) ==
        connack_v3::identifier_rejected);
  CHECK(to_connack_v3(reason_code::server_unavailable) == connack_v3::server_unavailable);
  CHECK(to_connack_v3(reason_code::server_busy) == connack_v3::server_unavailable);
  CHECK(to_connack_v3(reason_code::bad_user_name_or_password) ==
        connack_v3::bad_user_name_or_password);
  CHECK(to_connack_v3(reason_code::not_authorized) == connack_v3::not_authorized);
  CHECK(to_connack_v3(reason_code::banned) == connack_v3::not_authorized);
  CHECK(to_connack_v3(reason_code::bad_authentication_method) == connack_v3::not_authorized);
  // Any other failure: "server unavailable" is the closest 3.x has.
  CHECK(to_connack_v3(reason_code::unspecified_error) == connack_v3::server_unavailable);
  CHECK(to_connack_v3(reason_code::malformed_packet) == connack_v3::server_unavailable);
  CHECK(to_connack_v3(reason_code::quota_exceeded) == connack_v3::server_unavailable);
  // Raw 3.x codes, as a 3.x CONNACK decodes them, map to themselves.
  for (std::uint8_t raw = 0; raw <= 5; ++raw) {
    CHECK(static_cast<int>(to_connack_v3(static_cast<reason_code>(raw))) == raw);
  }
}

TEST_CASE("names are distinct and non-empty") {
  std::set<std::string_view> errs;
  for (int e = 0; e <= static_cast<int>(errc::limit_exceeded); ++e) {
    const auto name = to_string(static_cast<errc>(e));
    CHECK_FALSE(name.empty());
    errs.insert(name);
  }
  CHECK(errs.size() == static_cast<std::size_t>(errc::limit_exceeded) + 1);

  std::set<std::string_view> types;
  for (int t = 1; t <= 15; ++t) types.insert(to_string(static_cast<packet_type>(t)));
  CHECK(types.size() == 15);
  CHECK(to_string(packet_type::unsubscribe) == "UNSUBSCRIBE");

  CHECK(to_string(reason_code::packet_too_large) == "packet too large");
  CHECK(to_string(reason_code::success) != to_string(reason_code::unspecified_error));
  CHECK(to_string(static_cast<reason_code>(0x7F)) == "unknown reason code");
}

}  // namespace
}  // namespace pummelo::protocol::test
