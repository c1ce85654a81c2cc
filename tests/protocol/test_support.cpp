#include "test_support.hpp"

#include <cstdio>

namespace pummelo::protocol {

std::ostream& operator<<(std::ostream& os, errc e) { return os << to_string(e); }

std::ostream& operator<<(std::ostream& os, reason_code rc) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(rc));
  return os << buf << " (" << to_string(rc) << ")";
}

std::ostream& operator<<(std::ostream& os, packet_type t) { return os << to_string(t); }

std::ostream& operator<<(std::ostream& os, version v) {
  return os << "level " << static_cast<unsigned>(v);
}

std::ostream& operator<<(std::ostream& os, const packet& p) {
  return os << to_string(type_of(p)) << " packet";
}

}  // namespace pummelo::protocol

namespace pummelo::protocol::test {

std::vector<vector_case>& registry() {
  static std::vector<vector_case> cases;
  return cases;
}

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

bytes repeat(std::uint8_t b, std::size_t n) { return bytes(n, b); }

bytes str_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

bytes u16(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

bytes str(std::string_view s) { return cat({u16(static_cast<std::uint16_t>(s.size())), str_bytes(s)}); }

static bytes varint(std::size_t n) {
  bytes out(4);
  out.resize(write_varint(static_cast<std::uint32_t>(n), out.data()));
  return out;
}

bytes frame(std::uint8_t first, const bytes& body) {
  return cat({{first}, varint(body.size()), body});
}

bytes props(const bytes& p) { return cat({varint(p.size()), p}); }

std::string hex(const bytes& b) {
  std::string out;
  char buf[4];
  for (const std::uint8_t x : b) {
    std::snprintf(buf, sizeof buf, "%02x ", x);
    out += buf;
  }
  return out;
}

bytes connect_bytes(version v) {
  connect_packet c;
  c.protocol_version = v;
  c.client_id = "primer";
  return encode_bytes(c, v);
}

decoder ready_decoder(version v, from sender, packet_type type,
                      const limits& lim) {
  if (sender == from::server) return decoder(decoder::role::client, lim, v);
  decoder d(decoder::role::server, lim);
  if (type != packet_type::connect) {
    const bytes c = connect_bytes(v);
    const decode_result r = d.feed(c);
    REQUIRE(r.status == decode_status::packet_ready);
    REQUIRE(r.consumed == c.size());
    REQUIRE(std::holds_alternative<connect_packet>(d.take()));
    REQUIRE(d.protocol_version() == v);
  }
  return d;
}

packet decode_one(const bytes& b, version v, from sender, const limits& lim) {
  decoder d = ready_decoder(v, sender == from::either ? from::server : sender,
                            type_in(b), lim);
  const decode_result r = d.feed(b);
  INFO("bytes: ", hex(b));
  INFO("error: ", to_string(r.error));
  REQUIRE(r.status == decode_status::packet_ready);
  CHECK(r.consumed == b.size());
  CHECK(d.buffered() == 0);
  return d.take();
}

errc decode_error(const bytes& b, version v, from sender, const limits& lim) {
  const from s = sender == from::either ? from::server : sender;
  const packet_type type = b.empty() ? packet_type::connect : type_in(b);
  errc whole = errc::ok;
  {
    decoder d = ready_decoder(v, s, type, lim);
    const decode_result r = d.feed(b);
    if (r.status == decode_status::error) whole = r.error;
    if (r.status == decode_status::packet_ready) CHECK(r.consumed == b.size());
    if (r.status == decode_status::need_more) FAIL("incomplete test input");
  }
  errc split = errc::ok;
  {
    decoder d = ready_decoder(v, s, type, lim);
    for (std::size_t i = 0; i < b.size(); ++i) {
      const decode_result r = d.feed(std::span(b).subspan(i, 1));
      if (r.status == decode_status::error) {
        split = r.error;
        break;
      }
    }
  }
  INFO("bytes: ", hex(b));
  CHECK(whole == split);
  return whole;
}

bytes encode_bytes(const packet& p, version v) {
  bytes out{0xEE};  // encode_append must keep what is already there
  encode_append(p, v, out);
  REQUIRE(out.front() == 0xEE);
  out.erase(out.begin());
  CHECK(out.size() == encoded_size(p, v));
  bytes exact(out.size());
  CHECK(encode(p, v, exact) == out.size());
  CHECK(hex(exact) == hex(out));
  return out;
}

packet round_trip(const bytes& b, version v, from sender) {
  packet p = decode_one(b, v, sender);
  CHECK(hex(encode_bytes(p, v)) == hex(b));
  return p;
}

void check_packet_round_trip(const packet& p, version v, from sender) {
  const bytes b = encode_bytes(p, v);
  const packet back = decode_one(b, v, sender);
  INFO("bytes: ", hex(b));
  CHECK(back == p);
}

}  // namespace pummelo::protocol::test
