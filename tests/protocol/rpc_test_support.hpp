// Helpers for the RPC codec tests: printers, frame literals from parts, and
// decoding shortcuts that feed in every chunking and assert along the way.
#pragma once

#include <numeric>
#include <ostream>

#include "pummelo/protocol/rpc_frame.hpp"
#include "test_support.hpp"

namespace pummelo::protocol::rpc {

// Printers: operator<< for INFO/CAPTURE, and toString (found by ADL, and
// preferred to doctest's template that prints enums as numbers) for CHECKs.
inline std::ostream& operator<<(std::ostream& os, rpc_errc e) {
  return os << to_string(e);
}
inline std::ostream& operator<<(std::ostream& os, frame_type t) {
  return os << to_string(t);
}
inline std::ostream& operator<<(std::ostream& os, status s) {
  return os << to_string(s);
}
inline doctest::String toString(rpc_errc e) {
  return std::string(to_string(e)).c_str();
}
inline doctest::String toString(frame_type t) {
  return std::string(to_string(t)).c_str();
}
inline doctest::String toString(status s) {
  return std::string(to_string(s)).c_str();
}

}  // namespace pummelo::protocol::rpc

namespace pummelo::protocol::test::rpc_test {

namespace rpc = pummelo::protocol::rpc;
using status_t = rpc::frame_decoder::result::status;

inline bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

inline bytes be64(std::uint64_t v) {
  return cat({be32(static_cast<std::uint32_t>(v >> 32)), be32(static_cast<std::uint32_t>(v))});
}

/// A frame with a correct length field: type, id, then `body`.
inline bytes frame_of(std::uint8_t type, std::uint64_t id, const bytes& body) {
  return cat({be32(static_cast<std::uint32_t>(9 + body.size())), {type}, be64(id), body});
}

/// Feeds `b` cut before each offset in `cuts`; returns the frames decoded.
/// Fails the test on an error, or on a need_more that left input unread.
inline std::vector<rpc::frame> feed_all(rpc::frame_decoder& d, const bytes& b,
                                        const std::vector<std::size_t>& cuts) {
  std::vector<rpc::frame> out;
  std::size_t start = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(b.size());
  for (const std::size_t end : ends) {
    std::span<const std::uint8_t> chunk(b.data() + start, end - start);
    while (!chunk.empty()) {
      const auto r = d.feed(chunk);
      INFO("error: ", r.error);
      REQUIRE(r.st != status_t::error);
      REQUIRE(r.consumed <= chunk.size());
      chunk = chunk.subspan(r.consumed);
      if (r.st == status_t::frame_ready) {
        out.push_back(d.take());
      } else {
        REQUIRE(chunk.empty());  // need_more only once the chunk is used up
      }
    }
    start = end;
  }
  return out;
}

/// Every offset 1..size-1: feeding byte by byte.
inline std::vector<std::size_t> every_offset(std::size_t size) {
  std::vector<std::size_t> cuts(size > 0 ? size - 1 : 0);
  std::iota(cuts.begin(), cuts.end(), std::size_t{1});
  return cuts;
}

/// Decodes `b`, which must hold exactly one whole frame.
inline rpc::frame decode_one(const bytes& b, std::uint32_t max = 1u << 20) {
  rpc::frame_decoder d(max);
  const auto r = d.feed(b);
  INFO("error: ", r.error);
  REQUIRE(r.st == status_t::frame_ready);
  REQUIRE(r.consumed == b.size());
  CHECK(d.buffered() == 0);
  return d.take();
}

/// The body parse matching the frame's type (heartbeats have none).
inline rpc::rpc_errc parse_any(const rpc::frame& f) {
  switch (f.type) {
    case rpc::frame_type::hello:
    case rpc::frame_type::hello_ack: {
      rpc::hello h;
      return rpc::parse_hello(f, h);
    }
    case rpc::frame_type::request: {
      rpc::request q;
      return rpc::parse_request(f, q);
    }
    case rpc::frame_type::response: {
      rpc::response s;
      return rpc::parse_response(f, s);
    }
    case rpc::frame_type::heartbeat:
    case rpc::frame_type::heartbeat_ack: break;
  }
  return rpc::rpc_errc::ok;
}

/// Decodes the frames in `b` with `cuts` and parses their bodies; returns the
/// first error of the decoder or a parser (ok when all of `b` is valid).
inline rpc::rpc_errc first_error(const bytes& b, std::uint32_t max,
                                 const std::vector<std::size_t>& cuts) {
  rpc::frame_decoder d(max);
  std::size_t start = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(b.size());
  for (const std::size_t end : ends) {
    std::span<const std::uint8_t> chunk(b.data() + start, end - start);
    while (!chunk.empty()) {
      const auto r = d.feed(chunk);
      if (r.st == status_t::error) {
        CHECK(d.failed());
        CHECK(d.buffered() == 0);
        return r.error;
      }
      chunk = chunk.subspan(r.consumed);
      if (r.st == status_t::frame_ready) {
        if (const auto e = parse_any(d.take()); e != rpc::rpc_errc::ok) return e;
      }
    }
    start = end;
  }
  // The inputs are whole frames: ending inside one is a broken test row.
  if (d.buffered() != 0) FAIL_CHECK("input ends inside a frame");
  return rpc::rpc_errc::ok;
}

/// first_error() fed whole, byte by byte and split at every offset: all must
/// agree, and that error is returned.
inline rpc::rpc_errc decode_error(const bytes& b, std::uint32_t max = 1u << 20) {
  const rpc::rpc_errc whole = first_error(b, max, {});
  CHECK(first_error(b, max, every_offset(b.size())) == whole);
  for (std::size_t cut = 1; cut < b.size(); ++cut) {
    CAPTURE(cut);
    CHECK(first_error(b, max, {cut}) == whole);
  }
  return whole;
}

}  // namespace pummelo::protocol::test::rpc_test
