// One row per RPC framing or body rule: input bytes, the decoder's limit, and
// the rpc_errc expected, fed whole, byte by byte and split at every offset.
#include "rpc_test_support.hpp"

namespace pummelo::protocol::test::rpc_test {
namespace {

using rpc::rpc_errc;

bytes hello_body(const bytes& magic, std::uint16_t version, const bytes& id) {
  return cat({magic, u16(version), id});
}
bytes hello_frame(const bytes& body) {
  return frame_of(0x01, 1, body);
}
bytes pmlo() {
  return str_bytes("PMLO");
}
// A request whose length field is exactly `length`.
bytes request_of_length(std::uint32_t length) {
  return frame_of(0x03, 1, cat({u16(1), repeat(0x00, length - 11)}));
}

struct row {
  const char* name;
  bytes input;
  std::uint32_t max;
  rpc_errc expected;
};

const std::vector<row>& rows() {
  using enum rpc_errc;
  constexpr std::uint32_t big = 1u << 20;
  static const std::vector<row> table = {
      // Length field.
      {"length 0", be32(0), big, frame_too_short},
      {"length 8", cat({be32(8), {0x05}, repeat(0, 7)}), big, frame_too_short},
      {"length max - 1", request_of_length(39), 40, ok},
      {"length max", request_of_length(40), 40, ok},
      {"length max + 1", request_of_length(41), 40, frame_too_large},
      {"length 2^32 - 1", cat({be32(0xFFFFFFFF), {0x03}}), big, frame_too_large},
      {"max below the minimum length", frame_of(0x05, 1, {}), 8, frame_too_large},
      // Type byte.
      {"type 0", frame_of(0x00, 1, {}), big, unknown_frame_type},
      {"type 7", frame_of(0x07, 1, {}), big, unknown_frame_type},
      {"type 255", frame_of(0xFF, 1, {0x00}), big, unknown_frame_type},
      {"bad type after a good frame", cat({frame_of(0x05, 1, {}), frame_of(0x09, 2, {})}), big,
       unknown_frame_type},
      // Heartbeats.
      {"heartbeat with a body", frame_of(0x05, 1, {0x00}), big, malformed_body},
      {"heartbeat_ack with a body", frame_of(0x06, 1, repeat(0, 100)), big, malformed_body},
      // hello / hello_ack.
      {"hello without a body", hello_frame({}), big, malformed_body},
      {"hello with half the magic", hello_frame(str_bytes("PM")), big, malformed_body},
      {"hello with a short wrong magic", hello_frame(str_bytes("PX")), big, bad_magic},
      {"hello magic PMLX", hello_frame(hello_body(str_bytes("PMLX"), 1, str("fe"))), big,
       bad_magic},
      {"hello magic in lower case", hello_frame(hello_body(str_bytes("pmlo"), 1, str("fe"))), big,
       bad_magic},
      {"hello_ack with a bad magic", frame_of(0x02, 1, hello_body(str_bytes("MQTT"), 1, str("fe"))),
       big, bad_magic},
      {"hello with only the magic", hello_frame(pmlo()), big, malformed_body},
      {"hello with half a version", hello_frame(cat({pmlo(), {0x00}})), big, malformed_body},
      {"hello without an id length", hello_frame(cat({pmlo(), u16(1)})), big, malformed_body},
      {"hello with half an id length", hello_frame(cat({pmlo(), u16(1), {0x00}})), big,
       malformed_body},
      {"hello with a truncated id", hello_frame(hello_body(pmlo(), 1, {0x00, 0x05, 'f', 'e'})), big,
       malformed_body},
      {"hello with an empty id", hello_frame(hello_body(pmlo(), 1, str(""))), big,
       invalid_server_id},
      {"hello id overlong UTF-8", hello_frame(hello_body(pmlo(), 1, {0x00, 0x02, 0xC0, 0x80})), big,
       invalid_server_id},
      {"hello id with U+0000", hello_frame(hello_body(pmlo(), 1, {0x00, 0x02, 'a', 0x00})), big,
       invalid_server_id},
      {"hello id byte 0xFF", hello_frame(hello_body(pmlo(), 1, {0x00, 0x01, 0xFF})), big,
       invalid_server_id},
      {"hello v1 with trailing bytes", hello_frame(cat({hello_body(pmlo(), 1, str("fe")), {0x00}})),
       big, malformed_body},
      {"hello v2 with trailing bytes",
       hello_frame(cat({hello_body(pmlo(), 2, str("fe")), {0x00, 0x01}})), big, ok},
      // request.
      {"request without a body", frame_of(0x03, 1, {}), big, malformed_body},
      {"request with half a method", frame_of(0x03, 1, {0x01}), big, malformed_body},
      {"request with a method only", frame_of(0x03, 1, {0x00, 0x01}), big, ok},
      // response.
      {"response without a body", frame_of(0x04, 1, {}), big, malformed_body},
      {"response status 5", frame_of(0x04, 1, {0x05, 'x'}), big, unknown_status},
      {"response status 255", frame_of(0x04, 1, {0xFF}), big, unknown_status},
      {"response status 4", frame_of(0x04, 1, {0x04}), big, ok},
  };
  return table;
}

TEST_CASE("invalid RPC inputs give their rpc_errc in every chunking") {
  for (const row& r : rows()) {
    INFO(std::string(r.name), ": ", hex(r.input));
    CHECK(decode_error(r.input, r.max) == r.expected);
  }
}

TEST_CASE("limits and types are checked before the rest of the frame arrives") {
  rpc::frame_decoder d(1u << 20);
  // Only the length field: rejected without waiting for (or buffering) more.
  const auto r = d.feed(be32(0xFFFFFFFF));
  CHECK(r.st == status_t::error);
  CHECK(r.error == rpc_errc::frame_too_large);
  CHECK(r.consumed == 4);
  CHECK(d.buffered() == 0);

  rpc::frame_decoder t(1u << 20);
  const auto u = t.feed(cat({be32(9), {0x2A}}));
  CHECK(u.st == status_t::error);
  CHECK(u.error == rpc_errc::unknown_frame_type);
  CHECK(u.consumed == 5);
}

TEST_CASE("the decoder stays failed after an error") {
  const bytes heartbeat = frame_of(0x05, 1, {});
  for (const row& r : rows()) {
    if (r.expected == rpc_errc::ok) continue;
    INFO(std::string(r.name));
    rpc::frame_decoder d(r.max);
    std::span<const std::uint8_t> in(r.input);
    rpc_errc got = rpc_errc::ok;
    while (!in.empty()) {
      const auto res = d.feed(in);
      in = in.subspan(res.consumed);
      if (res.st == status_t::error) {
        got = res.error;
        break;
      }
      if (res.st == status_t::frame_ready) d.take();
    }
    if (got == rpc_errc::ok) continue;  // a body error: the framing was fine
    CHECK(d.failed());
    for (int i = 0; i < 2; ++i) {
      const auto again = d.feed(heartbeat);
      CHECK(again.st == status_t::error);
      CHECK(again.error == got);
      CHECK(again.consumed == 0);
      CHECK(d.buffered() == 0);
    }
    CHECK(d.feed({}).error == got);
  }
}

TEST_CASE("a body error leaves the decoder running") {
  // Bodies are the parsers' business: the stream itself is still in sync.
  const bytes stream = cat({frame_of(0x04, 1, {0x09}), frame_of(0x05, 2, {})});
  rpc::frame_decoder d(64);
  const auto got = feed_all(d, stream, {});
  REQUIRE(got.size() == 2);
  rpc::response s;
  CHECK(rpc::parse_response(got[0], s) == rpc_errc::unknown_status);
  CHECK(got[1].type == rpc::frame_type::heartbeat);
  CHECK_FALSE(d.failed());
}

TEST_CASE("parsers reject frames of another type") {
  const rpc::frame hb{rpc::frame_type::heartbeat, 1, {}};
  const rpc::frame req = decode_one(frame_of(0x03, 1, {0x00, 0x01}));
  rpc::hello h;
  rpc::request q;
  rpc::response s;
  CHECK(rpc::parse_hello(hb, h) == rpc_errc::unexpected_frame_type);
  CHECK(rpc::parse_hello(req, h) == rpc_errc::unexpected_frame_type);
  CHECK(rpc::parse_request(hb, q) == rpc_errc::unexpected_frame_type);
  CHECK(rpc::parse_response(req, s) == rpc_errc::unexpected_frame_type);
  CHECK(rpc::parse_request(req, q) == rpc_errc::ok);
}

TEST_CASE("a hello of another version still yields its version and id") {
  const bytes in = hello_frame(cat({hello_body(pmlo(), 7, str("chan-9")), {0xAB, 0xCD}}));
  rpc::hello h;
  REQUIRE(rpc::parse_hello(decode_one(in), h) == rpc_errc::ok);
  CHECK(h.version == 7);
  CHECK(h.server_id == "chan-9");
}

}  // namespace
}  // namespace pummelo::protocol::test::rpc_test
