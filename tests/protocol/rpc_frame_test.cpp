// The RPC frame codec: byte literals of every frame type, encoding back to
// those bytes, round trips, and the decoder under every chunking.
#include <random>

#include "rpc_test_support.hpp"

namespace pummelo::protocol::test::rpc_test {
namespace {

using rpc::frame_type;
using rpc::status;

// ------------------------------------------------------------ the literals

const bytes hello_fe1 = {
    0x00, 0x00, 0x00, 0x15,                          // length: 9 + 12
    0x01,                                            // type: hello
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // request id 7
    'P',  'M',  'L',  'O',                           // magic
    0x00, 0x01,                                      // protocol version 1
    0x00, 0x04, 'f',  'e',  '-',  '1',               // server id "fe-1"
};
const bytes hello_ack_chan2 = {
    0x00, 0x00, 0x00, 0x17,                          // length: 9 + 14
    0x02,                                            // type: hello_ack
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // request id 7 (echoed)
    'P',  'M',  'L',  'O',                           // magic
    0x00, 0x01,                                      // protocol version 1
    0x00, 0x06, 'c',  'h',  'a',  'n',  '-',  '2',   // server id "chan-2"
};
const bytes request_abc = {
    0x00, 0x00, 0x00, 0x0E,                          // length: 9 + 5
    0x03,                                            // type: request
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // request id
    0x01, 0x02,                                      // method 0x0102
    'a',  'b',  'c',                                 // payload
};
const bytes request_empty = {
    0x00, 0x00, 0x00, 0x0B,                          // length: 9 + 2
    0x03,                                            // type: request
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  // request id 2^64 - 1
    0xFF, 0xFF,                                      // method 0xFFFF, no payload
};
const bytes response_ok = {
    0x00, 0x00, 0x00, 0x0C,                          // length: 9 + 3
    0x04,                                            // type: response
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // request id
    0x00,                                            // status ok
    0xCA, 0xFE,                                      // payload
};
const bytes response_error = {
    0x00, 0x00, 0x00, 0x0E,                          // length: 9 + 5
    0x04,                                            // type: response
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,  // request id 9
    0x01,                                            // status error
    'b',  'o',  'o',  'm',                           // message "boom"
};
const bytes response_timeout = {
    0x00, 0x00, 0x00, 0x0A,                          // length: 9 + 1
    0x04,                                            // type: response
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,  // request id 256
    0x04,                                            // status timeout, no payload
};
const bytes heartbeat_42 = {
    0x00, 0x00, 0x00, 0x09,                          // length: 9, empty body
    0x05,                                            // type: heartbeat
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,  // sequence 42
};
const bytes heartbeat_ack_42 = {
    0x00, 0x00, 0x00, 0x09,                          // length: 9, empty body
    0x06,                                            // type: heartbeat_ack
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,  // sequence 42
};

const std::vector<const bytes*>& all_literals() {
  static const std::vector<const bytes*> all = {
      &hello_fe1,      &hello_ack_chan2,  &request_abc,  &request_empty,   &response_ok,
      &response_error, &response_timeout, &heartbeat_42, &heartbeat_ack_42};
  return all;
}

// Compares as hex so that a mismatch shows the bytes.
void check_bytes(const bytes& got, const bytes& want) {
  CHECK(hex(got) == hex(want));
}

TEST_CASE("hello and hello_ack literals") {
  const rpc::frame f = decode_one(hello_fe1);
  CHECK(f.type == frame_type::hello);
  CHECK(f.request_id == 7);
  CHECK(f.body.size() == 12);
  rpc::hello h;
  REQUIRE(rpc::parse_hello(f, h) == rpc::rpc_errc::ok);
  CHECK(h.version == rpc::protocol_version);
  CHECK(h.server_id == "fe-1");
  bytes out;
  rpc::encode_hello(out, frame_type::hello, 7, {1, "fe-1"});
  check_bytes(out, hello_fe1);

  const rpc::frame a = decode_one(hello_ack_chan2);
  CHECK(a.type == frame_type::hello_ack);
  REQUIRE(rpc::parse_hello(a, h) == rpc::rpc_errc::ok);
  CHECK(h == rpc::hello{1, "chan-2"});
  out.clear();
  rpc::encode_hello(out, frame_type::hello_ack, 7, h);
  check_bytes(out, hello_ack_chan2);
}

TEST_CASE("request literals") {
  rpc::request q;
  const rpc::frame f = decode_one(request_abc);
  CHECK(f.type == frame_type::request);
  CHECK(f.request_id == 0x0102030405060708u);
  REQUIRE(rpc::parse_request(f, q) == rpc::rpc_errc::ok);
  CHECK(q.method == 0x0102);
  CHECK(q.payload == str_bytes("abc"));
  bytes out;
  rpc::encode_request(out, 0x0102030405060708u, 0x0102, str_bytes("abc"));
  check_bytes(out, request_abc);

  const rpc::frame e = decode_one(request_empty);
  CHECK(e.request_id == 0xFFFFFFFFFFFFFFFFu);
  REQUIRE(rpc::parse_request(e, q) == rpc::rpc_errc::ok);
  CHECK(q.method == 0xFFFF);
  CHECK(q.payload.empty());
  out.clear();
  rpc::encode_request(out, 0xFFFFFFFFFFFFFFFFu, 0xFFFF, {});
  check_bytes(out, request_empty);
}

TEST_CASE("response literals") {
  rpc::response s;
  REQUIRE(rpc::parse_response(decode_one(response_ok), s) == rpc::rpc_errc::ok);
  CHECK(s.st == status::ok);
  CHECK(s.payload == bytes{0xCA, 0xFE});
  bytes out;
  rpc::encode_response(out, 0x0102030405060708u, status::ok, bytes{0xCA, 0xFE});
  check_bytes(out, response_ok);

  const rpc::frame e = decode_one(response_error);
  CHECK(e.request_id == 9);
  REQUIRE(rpc::parse_response(e, s) == rpc::rpc_errc::ok);
  CHECK(s.st == status::error);
  CHECK(s.message() == "boom");
  out.clear();
  rpc::encode_error(out, 9, status::error, "boom");
  check_bytes(out, response_error);

  REQUIRE(rpc::parse_response(decode_one(response_timeout), s) == rpc::rpc_errc::ok);
  CHECK(s.st == status::timeout);
  CHECK(s.payload.empty());
  out.clear();
  rpc::encode_response(out, 256, status::timeout, {});
  check_bytes(out, response_timeout);
}

TEST_CASE("heartbeat literals") {
  const rpc::frame h = decode_one(heartbeat_42);
  CHECK(h == rpc::frame{frame_type::heartbeat, 42, {}});
  const rpc::frame a = decode_one(heartbeat_ack_42);
  CHECK(a == rpc::frame{frame_type::heartbeat_ack, 42, {}});
  bytes out;
  rpc::encode_heartbeat(out, false, 42);
  check_bytes(out, heartbeat_42);
  out.clear();
  rpc::encode_heartbeat(out, true, 42);
  check_bytes(out, heartbeat_ack_42);
}

TEST_CASE("names of the enums") {
  CHECK(rpc::to_string(frame_type::heartbeat_ack) == "heartbeat_ack");
  CHECK(rpc::to_string(static_cast<frame_type>(0)) == "unknown");
  CHECK(rpc::to_string(status::unknown_method) == "unknown_method");
  CHECK(rpc::to_string(static_cast<status>(9)) == "unknown");
  CHECK(rpc::to_string(rpc::rpc_errc::too_many_elements) == "too_many_elements");
  CHECK(rpc::to_string(static_cast<rpc::rpc_errc>(200)) == "unknown");
}

// ------------------------------------------------------------ streaming

TEST_CASE("every literal decodes the same split at any offset and byte by byte") {
  for (const bytes* b : all_literals()) {
    INFO(hex(*b));
    const rpc::frame whole = decode_one(*b);
    for (std::size_t cut = 1; cut < b->size(); ++cut) {
      CAPTURE(cut);
      rpc::frame_decoder d(1024);
      const auto first = d.feed(std::span(*b).first(cut));
      REQUIRE(first.st == status_t::need_more);
      CHECK(first.consumed == cut);
      CHECK(d.buffered() == cut);
      const auto rest = d.feed(std::span(*b).subspan(cut));
      REQUIRE(rest.st == status_t::frame_ready);
      CHECK(rest.consumed == b->size() - cut);
      CHECK(d.take() == whole);
      CHECK(d.buffered() == 0);
    }
    rpc::frame_decoder d(1024);
    const auto got = feed_all(d, *b, every_offset(b->size()));
    REQUIRE(got.size() == 1);
    CHECK(got[0] == whole);
  }
}

TEST_CASE("several frames in one chunk, byte by byte and in random chunks") {
  bytes stream;
  std::vector<rpc::frame> want;
  for (const bytes* b : all_literals()) {
    stream.insert(stream.end(), b->begin(), b->end());
    want.push_back(decode_one(*b));
  }
  // One chunk: each feed() stops at the end of one frame.
  rpc::frame_decoder d(1024);
  std::span<const std::uint8_t> rest(stream);
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto r = d.feed(rest);
    REQUIRE(r.st == status_t::frame_ready);
    CHECK(r.consumed == all_literals()[i]->size());
    CHECK(d.take() == want[i]);
    rest = rest.subspan(r.consumed);
  }
  CHECK(rest.empty());
  CHECK(d.feed(rest).st == status_t::need_more);

  rpc::frame_decoder bytewise(1024);
  CHECK(feed_all(bytewise, stream, every_offset(stream.size())) == want);

  std::mt19937 rng(20240611);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = 0;;) {
      at += std::uniform_int_distribution<std::size_t>(1, 30)(rng);
      if (at >= stream.size()) break;
      cuts.push_back(at);
    }
    rpc::frame_decoder r(1024);
    CHECK(feed_all(r, stream, cuts) == want);
    CHECK(r.buffered() == 0);
  }
}

TEST_CASE("a partial next frame stays buffered") {
  const bytes stream = cat({request_abc, bytes(heartbeat_42.begin(), heartbeat_42.begin() + 6)});
  rpc::frame_decoder d(1024);
  const auto first = d.feed(stream);
  REQUIRE(first.st == status_t::frame_ready);
  CHECK(first.consumed == request_abc.size());
  CHECK(d.buffered() == 0);
  CHECK(d.take() == decode_one(request_abc));
  const auto second = d.feed(std::span(stream).subspan(first.consumed));
  CHECK(second.st == status_t::need_more);
  CHECK(second.consumed == 6);
  CHECK(d.buffered() == 6);
  const auto third = d.feed(std::span(heartbeat_42).subspan(6));
  REQUIRE(third.st == status_t::frame_ready);
  CHECK(d.take() == decode_one(heartbeat_42));
  CHECK(d.buffered() == 0);
  CHECK_FALSE(d.failed());
}

TEST_CASE("a large body arrives in pieces") {
  bytes out;
  const bytes payload(70000, 0x42);
  rpc::encode_request(out, 1, 2, payload);
  rpc::frame_decoder d(70011);  // exactly the length field: 9 + 2 + 70000
  const std::vector<std::size_t> cuts = {3, 13, 14, 1000, 65536, out.size() - 1};
  const auto got = feed_all(d, out, cuts);
  REQUIRE(got.size() == 1);
  rpc::request q;
  REQUIRE(rpc::parse_request(got[0], q) == rpc::rpc_errc::ok);
  CHECK(q.payload == payload);
}

}  // namespace
}  // namespace pummelo::protocol::test::rpc_test
