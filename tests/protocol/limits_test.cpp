// Configured limits, each at limit - 1, limit and limit + 1.
#include "test_support.hpp"
#include "pummelo/protocol/topic.hpp"

namespace pummelo::protocol::test {
namespace {

// Remaining length for a packet of `total` bytes: total - 1 - its own size.
std::size_t body_for_total(std::size_t total) {
  for (std::size_t len_bytes = 1; len_bytes <= 4; ++len_bytes) {
    const std::size_t body = total - 1 - len_bytes;
    if (varint_size(static_cast<std::uint32_t>(body)) == len_bytes) return body;
  }
  FAIL("no remaining length fits");
  return 0;
}

// A 3.1.1 QoS 0 PUBLISH to "t" of exactly `total` bytes.
bytes publish_of_size(std::size_t total) {
  const bytes b = frame(0x30, cat({str("t"), repeat('p', body_for_total(total) - 3)}));
  REQUIRE(b.size() == total);
  return b;
}

// A 3.1.1 CONNECT of exactly `total` bytes, padded with the password.
bytes connect_of_size(std::size_t total) {
  const std::size_t body = body_for_total(total);
  const std::size_t fixed = 10 + 3 + 3 + 2;  // header, id "c", user "u", pw length
  const bytes b = frame(0x10, cat({str("MQTT"), {0x04, 0xC2, 0x00, 0x00}, str("c"), str("u"),
                                   u16(static_cast<std::uint16_t>(body - fixed)),
                                   repeat(0xFF, body - fixed)}));
  REQUIRE(b.size() == total);
  return b;
}

TEST_CASE("max_packet_size") {
  limits lim;
  lim.max_packet_size = 100;
  CHECK(decode_error(publish_of_size(99), version::v3_1_1, from::server, lim) == errc::ok);
  CHECK(decode_error(publish_of_size(100), version::v3_1_1, from::server, lim) == errc::ok);
  CHECK(decode_error(publish_of_size(101), version::v3_1_1, from::server, lim) ==
        errc::packet_too_large);

  const std::size_t def = limits{}.max_packet_size;
  CHECK(decode_error(publish_of_size(def - 1), version::v3_1_1, from::client) == errc::ok);
  CHECK(decode_error(publish_of_size(def), version::v3_1_1, from::client) == errc::ok);
  CHECK(decode_error(publish_of_size(def + 1), version::v3_1_1, from::client) ==
        errc::packet_too_large);
}

TEST_CASE("max_packet_size is judged from the fixed header, before buffering") {
  const bytes big = publish_of_size(limits{}.max_packet_size + 1);
  decoder d(decoder::role::client);
  const decode_result r = d.feed(std::span(big).first(4));  // type + 3 length bytes
  CHECK(r.status == decode_status::error);
  CHECK(r.error == errc::packet_too_large);
  CHECK(r.consumed == 4);
  CHECK(d.buffered() == 0);
}

TEST_CASE("set_max_packet_size changes the limit for later packets") {
  decoder d(decoder::role::client);
  d.set_max_packet_size(10);
  CHECK(d.current_limits().max_packet_size == 10);
  CHECK(d.feed(publish_of_size(10)).status == decode_status::packet_ready);
  const decode_result r = d.feed(publish_of_size(11));
  CHECK(r.error == errc::packet_too_large);
}

TEST_CASE("max_connect_packet_size holds the first packet of a server decoder") {
  const std::size_t lim = limits{}.max_connect_packet_size;
  CHECK(decode_error(connect_of_size(lim - 1), version::v3_1_1, from::client) == errc::ok);
  CHECK(decode_error(connect_of_size(lim), version::v3_1_1, from::client) == errc::ok);
  CHECK(decode_error(connect_of_size(lim + 1), version::v3_1_1, from::client) ==
        errc::packet_too_large);

  // After CONNECT, max_packet_size applies instead.
  decoder d(decoder::role::server);
  REQUIRE(d.feed(connect_bytes(version::v3_1_1)).status == decode_status::packet_ready);
  const bytes big = publish_of_size(lim + 1);
  const decode_result r = d.feed(big);
  CHECK(r.status == decode_status::packet_ready);
  CHECK(r.consumed == big.size());

  // A smaller max_packet_size also binds CONNECT.
  limits small;
  small.max_packet_size = 200;
  CHECK(decode_error(connect_of_size(200), version::v3_1_1, from::client, small) == errc::ok);
  CHECK(decode_error(connect_of_size(201), version::v3_1_1, from::client, small) ==
        errc::packet_too_large);
  limits tight;
  tight.max_connect_packet_size = 50;
  CHECK(decode_error(connect_of_size(50), version::v3_1_1, from::client, tight) == errc::ok);
  CHECK(decode_error(connect_of_size(51), version::v3_1_1, from::client, tight) ==
        errc::packet_too_large);
}

bytes publish_with_user_properties(std::size_t n) {
  bytes ps;
  for (std::size_t i = 0; i < n; ++i) ps = cat({ps, {0x26}, str("k"), str("v")});
  return frame(0x30, cat({str("t"), props(ps)}));
}

TEST_CASE("max_user_properties") {
  const std::size_t lim = limits{}.max_user_properties;
  CHECK(decode_error(publish_with_user_properties(lim - 1), version::v5, from::client) ==
        errc::ok);
  CHECK(decode_error(publish_with_user_properties(lim), version::v5, from::client) == errc::ok);
  CHECK(decode_error(publish_with_user_properties(lim + 1), version::v5, from::client) ==
        errc::limit_exceeded);
  limits two;
  two.max_user_properties = 2;
  CHECK(decode_error(publish_with_user_properties(2), version::v5, from::client, two) == errc::ok);
  CHECK(decode_error(publish_with_user_properties(3), version::v5, from::client, two) ==
        errc::limit_exceeded);
}

bytes subscribe_with(std::size_t n, version v) {
  bytes body = u16(1);
  if (v == version::v5) body = cat({body, props({})});
  for (std::size_t i = 0; i < n; ++i) body = cat({body, str("a/" + std::to_string(i)), {0x01}});
  return frame(0x82, body);
}

bytes unsubscribe_with(std::size_t n) {
  bytes body = u16(1);
  for (std::size_t i = 0; i < n; ++i) body = cat({body, str("a/" + std::to_string(i))});
  return frame(0xA2, body);
}

TEST_CASE("max_subscriptions_per_packet") {
  const std::size_t lim = limits{}.max_subscriptions_per_packet;
  for (const version v : {version::v3_1_1, version::v5}) {
    CHECK(decode_error(subscribe_with(lim - 1, v), v, from::client) == errc::ok);
    CHECK(decode_error(subscribe_with(lim, v), v, from::client) == errc::ok);
    CHECK(decode_error(subscribe_with(lim + 1, v), v, from::client) == errc::limit_exceeded);
  }
  CHECK(decode_error(unsubscribe_with(lim - 1), version::v3_1_1, from::client) == errc::ok);
  CHECK(decode_error(unsubscribe_with(lim), version::v3_1_1, from::client) == errc::ok);
  CHECK(decode_error(unsubscribe_with(lim + 1), version::v3_1_1, from::client) ==
        errc::limit_exceeded);
}

TEST_CASE("max_topic_length") {
  limits lim;
  lim.max_topic_length = 10;
  const auto pub = [](std::size_t n) { return frame(0x30, str(std::string(n, 't'))); };
  CHECK(decode_error(pub(9), version::v3_1_1, from::client, lim) == errc::ok);
  CHECK(decode_error(pub(10), version::v3_1_1, from::client, lim) == errc::ok);
  CHECK(decode_error(pub(11), version::v3_1_1, from::client, lim) == errc::invalid_topic_name);

  const auto sub = [](std::size_t n) {
    return frame(0x82, cat({u16(1), str(std::string(n, 'f')), {0x00}}));
  };
  CHECK(decode_error(sub(9), version::v3_1_1, from::client, lim) == errc::ok);
  CHECK(decode_error(sub(10), version::v3_1_1, from::client, lim) == errc::ok);
  CHECK(decode_error(sub(11), version::v3_1_1, from::client, lim) == errc::invalid_topic_filter);

  // The default is the spec's maximum: a 65535-byte name fits, more cannot.
  CHECK(decode_error(pub(65534), version::v3_1_1, from::client) == errc::ok);
  CHECK(decode_error(pub(65535), version::v3_1_1, from::client) == errc::ok);
  CHECK(validate_topic_name(std::string(65536, 't')) == errc::invalid_topic_name);
  CHECK(validate_topic_filter(std::string(65536, 't')) == errc::invalid_topic_filter);
}

TEST_CASE("max_topic_levels") {
  limits lim;
  lim.max_topic_levels = 3;
  CHECK(validate_topic_name("a/b", lim) == errc::ok);
  CHECK(validate_topic_name("a/b/c", lim) == errc::ok);
  CHECK(validate_topic_name("a/b/c/d", lim) == errc::invalid_topic_name);
  CHECK(validate_topic_filter("a/+", lim) == errc::ok);
  CHECK(validate_topic_filter("a/+/#", lim) == errc::ok);
  CHECK(validate_topic_filter("a/+/c/#", lim) == errc::invalid_topic_filter);
  CHECK(validate_topic_filter("$share/g/a/b/c", lim) == errc::ok);  // group not counted
  CHECK(decode_error(frame(0x30, str("a/b/c/d")), version::v3_1_1, from::client, lim) ==
        errc::invalid_topic_name);
}

bytes publish_with_properties_of(std::size_t section) {
  // One correlation data property: id, two length bytes, data.
  const std::size_t data = section - 3;
  return frame(0x30, cat({str("t"), props(cat({{0x09}, u16(static_cast<std::uint16_t>(data)),
                                                repeat(0xAB, data)}))}));
}

TEST_CASE("max_properties_size") {
  const std::size_t lim = limits{}.max_properties_size;
  CHECK(decode_error(publish_with_properties_of(lim - 1), version::v5, from::client) == errc::ok);
  CHECK(decode_error(publish_with_properties_of(lim), version::v5, from::client) == errc::ok);
  CHECK(decode_error(publish_with_properties_of(lim + 1), version::v5, from::client) ==
        errc::limit_exceeded);
}

}  // namespace
}  // namespace pummelo::protocol::test
