// One encoding per form, shared by subscribers; QoS > 0 chunks differ only in
// their patched packet id. Checked by decoding the bytes back.
#include <doctest/doctest.h>

#include <memory>

#include "publish_encoding.hpp"
#include "pummelo/protocol/decoder.hpp"

using namespace pummelo::broker;
namespace proto = pummelo::protocol;

namespace {

byte_buffer flatten(const out_chunk& c) {
  byte_buffer b = c.owned;
  if (c.shared)
    b.insert(b.end(), c.shared->begin() + static_cast<std::ptrdiff_t>(c.shared_offset),
             c.shared->begin() + static_cast<std::ptrdiff_t>(c.shared_offset + c.shared_length));
  return b;
}

proto::publish_packet decode(const byte_buffer& b, proto::version v) {
  proto::decoder d(proto::decoder::role::client, {}, v);
  auto r = d.feed(b);
  REQUIRE(r.status == proto::decode_status::packet_ready);
  CHECK(r.consumed == b.size());
  auto p = d.take();
  REQUIRE(std::holds_alternative<proto::publish_packet>(p));
  return std::get<proto::publish_packet>(p);
}

message_ptr sample(std::string payload = "hello") {
  auto m = std::make_shared<message>();
  m->payload = std::move(payload);
  m->topic = "a/b";
  m->qos = 2;
  m->props.user_properties.emplace_back("k", "v");
  m->props.content_type = "text/plain";
  return m;
}

}  // namespace

TEST_CASE("QoS 1 chunks share the payload and carry their own packet id") {
  auto m = sample();
  publish_cache cache(clock::now());
  publish_form f;
  f.version = proto::version::v3_1_1;
  f.qos = 1;
  const auto& e1 = cache.get(m, f);
  const auto& e2 = cache.get(m, f);
  CHECK(&e1 == &e2);  // encoded once
  auto c1 = make_publish_chunk(e1, 1, 7);
  auto c2 = make_publish_chunk(e1, 1, 65535);
  CHECK(c1.shared == c2.shared);  // the payload bytes are shared, not copied
  auto p1 = decode(flatten(c1), proto::version::v3_1_1);
  auto p2 = decode(flatten(c2), proto::version::v3_1_1);
  CHECK(p1.packet_id == 7);
  CHECK(p2.packet_id == 65535);
  CHECK(p1.topic == "a/b");
  CHECK(p1.payload == "hello");
  CHECK(p1.qos == 1);
  CHECK_FALSE(p1.retain);
}

TEST_CASE("QoS 0 chunk is the whole shared encoding") {
  auto m = sample();
  publish_cache cache(clock::now());
  publish_form f;
  f.version = proto::version::v5;
  f.retain = true;
  auto c = make_publish_chunk(cache.get(m, f), 0, 0);
  CHECK(c.owned.empty());
  auto p = decode(flatten(c), proto::version::v5);
  CHECK(p.qos == 0);
  CHECK(p.retain);
  CHECK(p.props.content_type == "text/plain");
  REQUIRE(p.props.user_properties.size() == 1);
  CHECK(p.props.user_properties[0].first == "k");
}

TEST_CASE("v3 forms drop properties; v5 forms keep them and the expiry counts down") {
  auto m = sample();
  auto now = clock::now();
  std::const_pointer_cast<message>(m)->expires_at = now + std::chrono::milliseconds(2500);
  publish_cache cache(now);
  publish_form f3;
  f3.version = proto::version::v3_1_1;
  auto p3 = decode(flatten(make_publish_chunk(cache.get(m, f3), 0, 0)), proto::version::v3_1_1);
  CHECK(p3.props.empty());
  publish_form f5;
  f5.version = proto::version::v5;
  auto p5 = decode(flatten(make_publish_chunk(cache.get(m, f5), 0, 0)), proto::version::v5);
  CHECK(p5.props.message_expiry_interval == 3u);  // 2.5 s left, rounded up
}

TEST_CASE("subscription identifiers make a per-subscriber encoding") {
  auto m = sample();
  publish_cache cache(clock::now());
  std::vector<std::uint32_t> ids{5, 9};
  publish_form f;
  f.version = proto::version::v5;
  f.qos = 1;
  f.subscription_ids = &ids;
  auto p = decode(flatten(make_publish_chunk(cache.get(m, f), 1, 3)), proto::version::v5);
  CHECK(p.props.subscription_identifiers == ids);
  publish_form plain = f;
  plain.subscription_ids = nullptr;
  auto q = decode(flatten(make_publish_chunk(cache.get(m, plain), 1, 4)), proto::version::v5);
  CHECK(q.props.subscription_identifiers.empty());
}

TEST_CASE("the cache starts over for another message") {
  publish_cache cache(clock::now());
  publish_form f;
  auto a = sample("first");
  auto b = sample("second");
  auto pa = decode(flatten(make_publish_chunk(cache.get(a, f), 0, 0)), proto::version::v3_1_1);
  auto pb = decode(flatten(make_publish_chunk(cache.get(b, f), 0, 0)), proto::version::v3_1_1);
  CHECK(pa.payload == "first");
  CHECK(pb.payload == "second");
}
