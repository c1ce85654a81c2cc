// RPC encoders: round trips of every body kind, frames built in place and
// merged into one buffer, and the size checks.
#include <stdexcept>

#include "rpc_test_support.hpp"

namespace pummelo::protocol::test::rpc_test {
namespace {

using rpc::frame_type;
using rpc::status;

void check_bytes(const bytes& got, const bytes& want) {
  CHECK(hex(got) == hex(want));
}

TEST_CASE("hello, request and response round trips") {
  const std::vector<rpc::hello> hellos = {{1, "a"},
                                          {0, "frontend-01"},
                                          {0xFFFF, "ch\xC3\xA4nnel-\xE2\x82\xAC"},
                                          {1, std::string(65535, 'x')}};
  for (const auto& h : hellos) {
    for (const frame_type t : {frame_type::hello, frame_type::hello_ack}) {
      bytes out;
      rpc::encode_hello(out, t, 3, h);
      const rpc::frame f = decode_one(out);
      CHECK(f.type == t);
      rpc::hello back;
      REQUIRE(rpc::parse_hello(f, back) == rpc::rpc_errc::ok);
      CHECK(back == h);
    }
  }
  const bytes big(100000, 0x5A);
  const bytes small = str_bytes("abc");
  const bytes none;
  for (const std::uint16_t method : {0, 1, 0x8000, 0xFFFF}) {
    for (const bytes* payload : {&big, &small, &none}) {
      bytes out;
      rpc::encode_request(out, method * 1000003ull, method, *payload);
      const rpc::frame f = decode_one(out);
      CHECK(f.request_id == method * 1000003ull);
      rpc::request q;
      REQUIRE(rpc::parse_request(f, q) == rpc::rpc_errc::ok);
      CHECK(q == rpc::request{method, *payload});
    }
  }
  for (std::uint8_t st = 0; st <= 4; ++st) {
    bytes out;
    rpc::encode_response(out, st, static_cast<status>(st), big);
    rpc::response s;
    REQUIRE(rpc::parse_response(decode_one(out), s) == rpc::rpc_errc::ok);
    CHECK(s == rpc::response{static_cast<status>(st), big});
  }
}

TEST_CASE("frames built in place equal the ones built from a payload") {
  const std::vector<std::string> uids = {"u1", "u22"};
  bytes payload;
  rpc::body_writer(payload).string("room/1").string_list(uids);
  bytes want;
  rpc::encode_request(want, 5, 12, payload);
  rpc::encode_response(want, 5, status::overloaded, payload);

  bytes out = {0xEE};  // bytes already queued stay untouched
  const std::size_t start = rpc::begin_request(out, 5, 12);
  rpc::body_writer(out).string("room/1").string_list(uids);
  rpc::finish_frame(out, start);
  const std::size_t second = rpc::begin_response(out, 5, status::overloaded);
  rpc::body_writer(out).bytes(payload);
  rpc::finish_frame(out, second);
  CHECK(start == 1);
  check_bytes(out, cat({{0xEE}, want}));
}

TEST_CASE("oversized fields throw and append nothing") {
  bytes out = {0x01};
  CHECK_THROWS_AS(rpc::encode_hello(out, frame_type::hello, 1, {1, std::string(65536, 'x')}),
                  std::length_error);
  CHECK(out == bytes{0x01});
}

TEST_CASE("several frames merge into one write and decode in order") {
  bytes out;
  rpc::encode_hello(out, frame_type::hello, 0, {rpc::protocol_version, "fe-1"});
  rpc::encode_request(out, 1, 7, str_bytes("payload"));
  rpc::encode_error(out, 1, status::unknown_method, "no method 7");
  rpc::encode_heartbeat(out, false, 2);
  rpc::encode_heartbeat(out, true, 2);
  rpc::frame_decoder d(64);
  const auto got = feed_all(d, out, {});
  REQUIRE(got.size() == 5);
  rpc::hello h;
  REQUIRE(rpc::parse_hello(got[0], h) == rpc::rpc_errc::ok);
  CHECK(h.server_id == "fe-1");
  rpc::request q;
  REQUIRE(rpc::parse_request(got[1], q) == rpc::rpc_errc::ok);
  CHECK(q == rpc::request{7, str_bytes("payload")});
  rpc::response s;
  REQUIRE(rpc::parse_response(got[2], s) == rpc::rpc_errc::ok);
  CHECK(s.st == status::unknown_method);
  CHECK(s.message() == "no method 7");
  CHECK(got[3] == rpc::frame{frame_type::heartbeat, 2, {}});
  CHECK(got[4] == rpc::frame{frame_type::heartbeat_ack, 2, {}});
}

TEST_CASE("a decoded frame relays unchanged through encode_frame") {
  bytes in;
  rpc::encode_request(in, 99, 3, str_bytes("relay me"));
  const rpc::frame f = decode_one(in);
  bytes out;
  rpc::encode_frame(out, f.type, f.request_id, f.body);
  check_bytes(out, in);
}

}  // namespace
}  // namespace pummelo::protocol::test::rpc_test
