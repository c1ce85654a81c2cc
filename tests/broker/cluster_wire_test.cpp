// cluster/wire: the payloads of the cluster's RPC methods. Every field of a
// message survives a round trip, and malformed input of any kind (truncated
// anywhere, trailing bytes, out-of-range values, hostile counts) is refused
// without a crash or a huge allocation.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cluster/wire.hpp"

using namespace pummelo::broker;
using namespace pummelo::broker::cluster;
using pummelo::protocol::rpc::body_reader;
using pummelo::protocol::rpc::body_writer;
using pummelo::protocol::rpc::rpc_errc;

namespace {

using bytes = std::vector<std::uint8_t>;

message full_message() {
  message m;
  m.topic = "news/sport";
  m.payload = std::string("he\0llo\0", 7);
  m.qos = 2;
  m.retain = true;
  m.props.payload_format_indicator = 1;
  m.props.content_type = "text/plain";
  m.props.response_topic = "reply/to/me";
  m.props.correlation_data = std::string("\x00\xff\x01\x80", 4);
  m.props.user_properties = {{"k1", "v1"}, {"a", ""}, {"k1", "second"}, {"", std::string("\0x", 2)}};
  m.expires_at = clock::now() + std::chrono::seconds(30);
  m.origin = 0x0102030405060708ull;
  m.origin_frontend = 0xBEEF;
  return m;
}

bytes encode(const message& m) {
  bytes out;
  body_writer w(out);
  write_message(w, m);
  return out;
}

std::shared_ptr<message> decode(std::span<const std::uint8_t> b, bool expect_end = true) {
  body_reader r(b);
  auto m = read_message(r);
  if (m && expect_end) CHECK(r.finish() == rpc_errc::ok);
  return m;
}

// The fixed part of a message before its optional fields.
void write_head(body_writer& w, std::string_view topic, std::uint8_t qos, std::uint8_t flags) {
  w.string(topic).blob({}).u8(qos).u8(flags).u16(0).u64(0);
}

}  // namespace

TEST_CASE("wire: a message with every field survives a round trip") {
  auto m = full_message();
  auto before = clock::now();
  auto b = encode(m);
  auto got = decode(b);
  REQUIRE(got);
  CHECK(got->topic == m.topic);
  CHECK(got->payload == m.payload);
  CHECK(got->payload.size() == 7);
  CHECK(got->qos == 2);
  CHECK(got->retain);
  CHECK(got->props.payload_format_indicator == std::optional<std::uint8_t>(1));
  CHECK(got->props.content_type == m.props.content_type);
  CHECK(got->props.response_topic == m.props.response_topic);
  REQUIRE(got->props.correlation_data.has_value());
  CHECK(*got->props.correlation_data == std::string("\x00\xff\x01\x80", 4));
  REQUIRE(got->props.user_properties.size() == 4);
  CHECK(got->props.user_properties == m.props.user_properties);  // order kept, duplicates kept
  CHECK(got->origin == 0x0102030405060708ull);
  CHECK(got->origin_frontend == 0xBEEF);
  // The expiry travels as the time left, rounded up.
  CHECK(got->props.message_expiry_interval == std::optional<std::uint32_t>(30));
  REQUIRE(got->expires_at.has_value());
  CHECK(*got->expires_at >= before + std::chrono::seconds(29));
  CHECK(*got->expires_at <= clock::now() + std::chrono::seconds(31));
  CHECK_FALSE(got->expired(clock::now()));
}

TEST_CASE("wire: a bare message keeps its optional fields absent") {
  message m;
  m.topic = "t";
  m.qos = 0;
  auto got = decode(encode(m));
  REQUIRE(got);
  CHECK(got->topic == "t");
  CHECK(got->payload.empty());
  CHECK(got->qos == 0);
  CHECK_FALSE(got->retain);
  CHECK_FALSE(got->props.payload_format_indicator.has_value());
  CHECK_FALSE(got->props.message_expiry_interval.has_value());
  CHECK_FALSE(got->props.content_type.has_value());
  CHECK_FALSE(got->props.response_topic.has_value());
  CHECK_FALSE(got->props.correlation_data.has_value());
  CHECK(got->props.user_properties.empty());
  CHECK_FALSE(got->expires_at.has_value());
  CHECK(got->origin == 0);
  CHECK(got->origin_frontend == 0);
}

TEST_CASE("wire: empty optional strings are present, not absent") {
  message m;
  m.topic = "t";
  m.props.content_type = "";
  m.props.response_topic = "";
  m.props.correlation_data = "";
  m.props.payload_format_indicator = 0;
  auto got = decode(encode(m));
  REQUIRE(got);
  CHECK(got->props.content_type == std::optional<std::string>(""));
  CHECK(got->props.response_topic == std::optional<std::string>(""));
  CHECK(got->props.correlation_data == std::optional<std::string>(""));
  CHECK(got->props.payload_format_indicator == std::optional<std::uint8_t>(0));
}

TEST_CASE("wire: each qos round-trips, qos 3 is refused") {
  for (std::uint8_t q = 0; q <= 2; ++q) {
    message m;
    m.topic = "t";
    m.qos = q;
    auto got = decode(encode(m));
    REQUIRE(got);
    CHECK(got->qos == q);
  }
  for (std::uint8_t q : {3, 4, 255}) {
    message m;
    m.topic = "t";
    m.qos = q;
    CAPTURE(int(q));
    CHECK_FALSE(decode(encode(m), false));
  }
}

TEST_CASE("wire: an already expired message arrives expired") {
  message m;
  m.topic = "t";
  m.expires_at = clock::now() - std::chrono::seconds(1);
  auto got = decode(encode(m));
  REQUIRE(got);
  CHECK(got->props.message_expiry_interval == std::optional<std::uint32_t>(0));
  CHECK(got->expired(clock::now()));
}

TEST_CASE("wire: a message truncated at any length is refused") {
  auto b = encode(full_message());
  REQUIRE(b.size() > 40);
  for (std::size_t n = 0; n < b.size(); ++n) {
    CAPTURE(n);
    body_reader r(std::span<const std::uint8_t>(b.data(), n));
    CHECK_FALSE(read_message(r));
  }
  // The bare one too.
  message bare;
  bare.topic = "x";
  auto b2 = encode(bare);
  for (std::size_t n = 0; n < b2.size(); ++n) {
    CAPTURE(n);
    body_reader r(std::span<const std::uint8_t>(b2.data(), n));
    CHECK_FALSE(read_message(r));
  }
}

TEST_CASE("wire: a message inside a larger body leaves the reader after it") {
  // push = u8 mode | message | string list uids
  bytes out;
  body_writer w(out);
  w.u8(static_cast<std::uint8_t>(push_mode::kick));
  write_message(w, full_message());
  std::vector<std::string> uids{"alice", "bob"};
  w.string_list(uids);
  body_reader r(out);
  CHECK(r.u8() == static_cast<std::uint8_t>(push_mode::kick));
  auto m = read_message(r);
  REQUIRE(m);
  CHECK(m->topic == "news/sport");
  CHECK(r.string_list(10) == uids);
  CHECK(r.finish() == rpc_errc::ok);
}

TEST_CASE("wire: hostile user property counts are refused before allocating") {
  for (std::uint32_t n : {0xFFFFFFFFu, 65536u, 1000u, 1u}) {
    CAPTURE(n);
    bytes out;
    body_writer w(out);
    write_head(w, "t", 0, 0);
    w.u32(n);  // and no properties follow
    body_reader r(out);
    CHECK_FALSE(read_message(r));
  }
}

TEST_CASE("wire: sync ops round-trip in order") {
  std::vector<sync_op> ops{
      {op_kind::reset, "", ""},
      {op_kind::join, "news/#", "alice"},
      {op_kind::leave, "$share/g/a", "bob"},
      {op_kind::bind_uid, "alice", ""},
      {op_kind::unbind_uid, std::string("u\0id", 4), ""},
      {op_kind::claim, "client-1", ""},
      {op_kind::release, "client-1", ""},
      {op_kind::join, "", std::string("\xff\x00", 2)},
  };
  bytes b;
  write_ops(b, ops);
  auto got = read_ops(b);
  REQUIRE(got);
  REQUIRE(got->size() == ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    CAPTURE(i);
    CHECK((*got)[i].kind == ops[i].kind);
    CHECK((*got)[i].key == ops[i].key);
    CHECK((*got)[i].member == ops[i].member);
  }
  // No ops at all is valid too.
  bytes empty;
  write_ops(empty, {});
  auto none = read_ops(empty);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("wire: malformed sync ops are refused") {
  std::vector<sync_op> ops{{op_kind::join, "news", "alice"}, {op_kind::claim, "c1", ""}};
  bytes good;
  write_ops(good, ops);
  REQUIRE(read_ops(good));

  SUBCASE("unknown op kind") {
    for (std::uint8_t kind : {8, 9, 200, 255}) {
      CAPTURE(int(kind));
      bytes b;
      body_writer(b).u32(1).u8(kind).string("a").string("");
      CHECK_FALSE(read_ops(b));
    }
    // The same frame with a known kind is accepted: only the kind is wrong.
    bytes ok;
    body_writer(ok).u32(1).u8(6).string("a").string("");
    CHECK(read_ops(ok));
  }
  SUBCASE("truncated at any length") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      CAPTURE(n);
      CHECK_FALSE(read_ops(std::span<const std::uint8_t>(good.data(), n)));
    }
  }
  SUBCASE("trailing bytes") {
    auto b = good;
    b.push_back(0);
    CHECK_FALSE(read_ops(b));
  }
  SUBCASE("a count larger than the ops sent") {
    auto b = good;
    b[3] = 3;  // big-endian u32 count: 2 -> 3
    CHECK_FALSE(read_ops(b));
  }
  SUBCASE("hostile huge counts") {
    for (std::uint32_t n : {0xFFFFFFFFu, max_ops_per_frame + 1, max_ops_per_frame, 1000u}) {
      CAPTURE(n);
      bytes b;
      body_writer(b).u32(n);
      CHECK_FALSE(read_ops(b));
    }
  }
}

TEST_CASE("wire: push replies round-trip") {
  push_reply r;
  r.sessions = 0x1122334455667788ull;
  r.unreachable_frontends = 3;
  r.failed = {"alice", "", std::string("b\0b", 3)};
  bytes b;
  write_push_reply(b, r);
  auto got = read_push_reply(b);
  REQUIRE(got);
  CHECK(got->ok);
  CHECK(got->sessions == r.sessions);
  CHECK(got->unreachable_frontends == 3);
  CHECK(got->failed == r.failed);

  bytes b0;
  write_push_reply(b0, push_reply{});
  auto zero = read_push_reply(b0);
  REQUIRE(zero);
  CHECK(zero->sessions == 0);
  CHECK(zero->unreachable_frontends == 0);
  CHECK(zero->failed.empty());
}

TEST_CASE("wire: malformed push replies are refused") {
  push_reply r;
  r.sessions = 5;
  r.failed = {"alice", "bob"};
  bytes good;
  write_push_reply(good, r);
  for (std::size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(read_push_reply(std::span<const std::uint8_t>(good.data(), n)));
  }
  auto trailing = good;
  trailing.push_back(7);
  CHECK_FALSE(read_push_reply(trailing));
  for (std::uint32_t n : {0xFFFFFFFFu, max_uids_per_frame + 1, 100u}) {
    CAPTURE(n);
    bytes b;
    body_writer(b).u64(1).u32(0).u32(n);
    CHECK_FALSE(read_push_reply(b));
  }
}
