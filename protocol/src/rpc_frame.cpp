// RPC frames: names, encoders and body parsers. The streaming decoder is in
// rpc_frame_decoder.cpp.
#include "pummelo/protocol/rpc_frame.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <stdexcept>

#include "pummelo/protocol/utf8.hpp"

namespace pummelo::protocol::rpc {

namespace {

// Largest body whose length field (body + 9) still fits in a u32.
constexpr std::size_t max_body_size = std::numeric_limits<std::uint32_t>::max() - min_frame_length;

void check_body_size(std::size_t n) {
  if (n > max_body_size) throw std::length_error("rpc frame: body over 2^32-10 bytes");
}

}  // namespace

std::string_view to_string(rpc_errc e) noexcept {
  switch (e) {
    case rpc_errc::ok: return "ok";
    case rpc_errc::frame_too_short: return "frame_too_short";
    case rpc_errc::frame_too_large: return "frame_too_large";
    case rpc_errc::unknown_frame_type: return "unknown_frame_type";
    case rpc_errc::malformed_body: return "malformed_body";
    case rpc_errc::bad_magic: return "bad_magic";
    case rpc_errc::invalid_server_id: return "invalid_server_id";
    case rpc_errc::unknown_status: return "unknown_status";
    case rpc_errc::unexpected_frame_type: return "unexpected_frame_type";
    case rpc_errc::too_many_elements: return "too_many_elements";
  }
  return "unknown";
}

std::string_view to_string(frame_type t) noexcept {
  switch (t) {
    case frame_type::hello: return "hello";
    case frame_type::hello_ack: return "hello_ack";
    case frame_type::request: return "request";
    case frame_type::response: return "response";
    case frame_type::heartbeat: return "heartbeat";
    case frame_type::heartbeat_ack: return "heartbeat_ack";
  }
  return "unknown";
}

std::string_view to_string(status s) noexcept {
  switch (s) {
    case status::ok: return "ok";
    case status::error: return "error";
    case status::overloaded: return "overloaded";
    case status::unknown_method: return "unknown_method";
    case status::timeout: return "timeout";
  }
  return "unknown";
}

bool known_frame_type(std::uint8_t t) noexcept {
  return t >= static_cast<std::uint8_t>(frame_type::hello) &&
         t <= static_cast<std::uint8_t>(frame_type::heartbeat_ack);
}

bool known_status(std::uint8_t s) noexcept {
  return s <= static_cast<std::uint8_t>(status::timeout);
}

// ---------------------------------------------------------------- encoding

std::size_t begin_frame(std::vector<std::uint8_t>& out, frame_type t, std::uint64_t id) {
  const std::size_t start = out.size();
  body_writer(out).u32(0).u8(static_cast<std::uint8_t>(t)).u64(id);
  return start;
}

std::size_t begin_request(std::vector<std::uint8_t>& out, std::uint64_t id, std::uint16_t method) {
  const std::size_t start = begin_frame(out, frame_type::request, id);
  body_writer(out).u16(method);
  return start;
}

std::size_t begin_response(std::vector<std::uint8_t>& out, std::uint64_t id, status st) {
  const std::size_t start = begin_frame(out, frame_type::response, id);
  body_writer(out).u8(static_cast<std::uint8_t>(st));
  return start;
}

void finish_frame(std::vector<std::uint8_t>& out, std::size_t start) {
  assert(start + frame_header_size <= out.size());
  const std::size_t length = out.size() - start - 4;
  if (length > std::numeric_limits<std::uint32_t>::max()) {
    out.resize(start);
    throw std::length_error("rpc frame: body over 2^32-10 bytes");
  }
  for (std::size_t i = 0; i < 4; ++i) {
    out[start + i] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
  }
}

void encode_frame(std::vector<std::uint8_t>& out, frame_type t, std::uint64_t id,
                  std::span<const std::uint8_t> body) {
  check_body_size(body.size());  // before appending anything
  const std::size_t start = begin_frame(out, t, id);
  body_writer(out).bytes(body);
  finish_frame(out, start);
}

void encode_hello(std::vector<std::uint8_t>& out, frame_type t, std::uint64_t id, const hello& h) {
  assert(t == frame_type::hello || t == frame_type::hello_ack);
  if (h.server_id.size() > std::numeric_limits<std::uint16_t>::max()) {
    throw std::length_error("rpc hello: server id over 65535 bytes");
  }
  const std::size_t start = begin_frame(out, t, id);
  body_writer w(out);
  w.bytes(hello_magic).u16(h.version).u16(static_cast<std::uint16_t>(h.server_id.size()));
  w.bytes({reinterpret_cast<const std::uint8_t*>(h.server_id.data()), h.server_id.size()});
  finish_frame(out, start);
}

void encode_request(std::vector<std::uint8_t>& out, std::uint64_t id, std::uint16_t method,
                    std::span<const std::uint8_t> payload) {
  check_body_size(payload.size() + 2);
  const std::size_t start = begin_request(out, id, method);
  body_writer(out).bytes(payload);
  finish_frame(out, start);
}

void encode_response(std::vector<std::uint8_t>& out, std::uint64_t id, status st,
                     std::span<const std::uint8_t> payload) {
  check_body_size(payload.size() + 1);
  const std::size_t start = begin_response(out, id, st);
  body_writer(out).bytes(payload);
  finish_frame(out, start);
}

void encode_error(std::vector<std::uint8_t>& out, std::uint64_t id, status st,
                  std::string_view message) {
  encode_response(out, id, st,
                  {reinterpret_cast<const std::uint8_t*>(message.data()), message.size()});
}

void encode_heartbeat(std::vector<std::uint8_t>& out, bool ack, std::uint64_t seq) {
  const std::size_t start =
      begin_frame(out, ack ? frame_type::heartbeat_ack : frame_type::heartbeat, seq);
  finish_frame(out, start);
}

// ----------------------------------------------------------------- parsing

rpc_errc parse_hello(const frame& f, hello& out) {
  if (f.type != frame_type::hello && f.type != frame_type::hello_ack) {
    return rpc_errc::unexpected_frame_type;
  }
  // A mismatch within a short body is still a foreign peer, not a truncation.
  const std::size_t n = std::min(f.body.size(), std::size(hello_magic));
  if (!std::equal(f.body.begin(), f.body.begin() + static_cast<std::ptrdiff_t>(n),
                  std::begin(hello_magic))) {
    return rpc_errc::bad_magic;
  }
  body_reader r(f.body);
  r.bytes(std::size(hello_magic));
  const std::uint16_t version = r.u16();
  const auto id = r.bytes(r.u16());
  if (r.failed()) return rpc_errc::malformed_body;
  const std::string_view id_text(reinterpret_cast<const char*>(id.data()), id.size());
  if (id_text.empty() || !valid_mqtt_utf8(id_text)) return rpc_errc::invalid_server_id;
  if (version == protocol_version && !r.at_end()) return rpc_errc::malformed_body;
  out.version = version;
  out.server_id.assign(id_text);
  return rpc_errc::ok;
}

rpc_errc parse_request(const frame& f, request& out) {
  if (f.type != frame_type::request) return rpc_errc::unexpected_frame_type;
  body_reader r(f.body);
  const std::uint16_t method = r.u16();
  if (r.failed()) return rpc_errc::malformed_body;
  const auto payload = r.rest();
  out.method = method;
  out.payload.assign(payload.begin(), payload.end());
  return rpc_errc::ok;
}

rpc_errc parse_response(const frame& f, response& out) {
  if (f.type != frame_type::response) return rpc_errc::unexpected_frame_type;
  body_reader r(f.body);
  const std::uint8_t st = r.u8();
  if (r.failed()) return rpc_errc::malformed_body;
  if (!known_status(st)) return rpc_errc::unknown_status;
  const auto payload = r.rest();
  out.st = static_cast<status>(st);
  out.payload.assign(payload.begin(), payload.end());
  return rpc_errc::ok;
}

}  // namespace pummelo::protocol::rpc
