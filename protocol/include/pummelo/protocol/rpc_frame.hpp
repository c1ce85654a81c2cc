// Sans-I/O codec of the internal RPC link between pummelo servers (frontends
// and channel servers). Bytes in, frames out; frames in, bytes out. No Asio.
//
// Wire format, all integers big-endian:
//   frame    = u32 length (bytes after this field, >= 9) | u8 type | u64 id | body
//   hello    = "PMLO" | u16 version | u16 id length | server id (UTF-8)
//   hello_ack: the same layout, describing the answering server
//   request  = u16 method | payload (rest of the body)
//   response = u8 status | payload (rest; a UTF-8 message for errors)
//   heartbeat, heartbeat_ack: empty body; the id carries a sequence number
//
// Decoding usage:
//   rpc::frame_decoder d(max_frame_size);
//   while (!bytes.empty()) {
//     auto r = d.feed(bytes);
//     bytes = bytes.subspan(r.consumed);
//     if (r.st == rpc::frame_decoder::result::status::frame_ready) handle(d.take());
//     else if (r.st == rpc::frame_decoder::result::status::error) { close(r.error); break; }
//   }
//
// Encoders append to a caller-owned vector, so several frames can be merged
// into one write. Payloads are built with body_writer (rpc_body.hpp) either in
// a vector of their own or, without a copy, in place between begin_frame() and
// finish_frame().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pummelo/protocol/rpc_body.hpp"  // IWYU pragma: export
#include "pummelo/protocol/rpc_errc.hpp"  // IWYU pragma: export

namespace pummelo::protocol::rpc {

inline constexpr std::uint16_t protocol_version = 1;
inline constexpr std::uint8_t hello_magic[4] = {'P', 'M', 'L', 'O'};
/// Smallest valid length field: type (1) + request id (8), empty body.
inline constexpr std::uint32_t min_frame_length = 9;
/// Bytes before the body: length (4) + type (1) + request id (8).
inline constexpr std::size_t frame_header_size = 13;

enum class frame_type : std::uint8_t {
  hello = 1,
  hello_ack = 2,
  request = 3,
  response = 4,
  heartbeat = 5,
  heartbeat_ack = 6,
};

/// Outcome of a request, first byte of a response body.
enum class status : std::uint8_t {
  ok = 0,
  error = 1,           // the handler failed; the payload is a UTF-8 message
  overloaded = 2,      // the server sheds load; the caller may retry later
  unknown_method = 3,  // no handler for the request's method
  timeout = 4,         // the handler did not finish in time
};

std::string_view to_string(frame_type t) noexcept;  // "unknown" outside the enum
std::string_view to_string(status s) noexcept;      // "unknown" outside the enum
/// True for the values the wire format defines.
bool known_frame_type(std::uint8_t t) noexcept;
bool known_status(std::uint8_t s) noexcept;

/// One decoded frame: the header fields and the raw body.
struct frame {
  frame_type type = frame_type::heartbeat;
  std::uint64_t request_id = 0;
  std::vector<std::uint8_t> body;

  bool operator==(const frame&) const = default;
};

/// Body of hello and hello_ack.
struct hello {
  std::uint16_t version = protocol_version;
  std::string server_id;

  bool operator==(const hello&) const = default;
};

struct request {
  std::uint16_t method = 0;
  std::vector<std::uint8_t> payload;

  bool operator==(const request&) const = default;
};

struct response {
  status st = status::ok;
  std::vector<std::uint8_t> payload;

  /// The payload as text (the error message of a non-ok response).
  std::string_view message() const noexcept {
    return {reinterpret_cast<const char*>(payload.data()), payload.size()};
  }
  bool operator==(const response&) const = default;
};

// ---------------------------------------------------------------- decoding

/// Incremental frame decoder. Accepts any chunking of the stream; feed()
/// stops at the end of the first complete frame, so a chunk holding several
/// frames takes several calls. The length prefix is checked against
/// max_frame_size before any body buffer is allocated, and the type byte is
/// checked as soon as it arrives. Bodies are not parsed here (see parse_*),
/// except that heartbeats must have an empty body.
///
/// After an error the decoder stays failed: every later feed() reports the
/// same error and consumes nothing; the link must be closed.
/// Not thread-safe: one decoder per link.
class frame_decoder {
 public:
  struct result {
    enum class status : std::uint8_t { need_more, frame_ready, error };
    status st = status::need_more;
    std::size_t consumed = 0;       // bytes of the input used by this call
    rpc_errc error = rpc_errc::ok;  // set when st == error
  };

  /// `max_frame_size` bounds the length field (the bytes after it): frames
  /// with a larger length are rejected with rpc_errc::frame_too_large. A
  /// value below min_frame_length therefore rejects every frame.
  explicit frame_decoder(std::uint32_t max_frame_size) noexcept;

  /// Consumes bytes up to the end of one frame (or all of `bytes` if no frame
  /// ends in them). need_more is returned only once `bytes` is used up.
  /// Precondition: a frame reported by the previous call was take()n.
  result feed(std::span<const std::uint8_t> bytes);

  /// Moves out the frame completed by the last feed().
  /// Precondition: the last feed() returned frame_ready.
  frame take();

  /// Bytes held for an incomplete frame (0 between frames).
  std::size_t buffered() const noexcept { return header_len_ + body_.size(); }
  bool failed() const noexcept { return error_ != rpc_errc::ok; }
  std::uint32_t max_frame_size() const noexcept { return max_frame_size_; }

 private:
  result fail(rpc_errc e, std::size_t consumed);
  rpc_errc check_header_prefix() const noexcept;  // on the bytes read so far
  result complete(std::size_t consumed);

  std::uint32_t max_frame_size_;
  rpc_errc error_ = rpc_errc::ok;  // reported again after a failure
  std::uint8_t header_[frame_header_size] = {};
  std::size_t header_len_ = 0;  // bytes of header_ filled
  std::uint32_t body_size_ = 0;
  std::vector<std::uint8_t> body_;  // reserved to body_size_ once checked
  std::optional<frame> ready_;
};

/// Parses a hello or hello_ack body. Checks the magic, and that the server id
/// is non-empty well-formed UTF-8. The version is not compared with ours:
/// that is the caller's decision. For our own version the body must end after
/// the id; a different version may append fields, which are ignored so that
/// the mismatch can still be reported with the peer's id.
rpc_errc parse_hello(const frame& f, hello& out);
/// Parses a request body. The payload may be empty.
rpc_errc parse_request(const frame& f, request& out);
/// Parses a response body; a status byte outside the enum is unknown_status.
rpc_errc parse_response(const frame& f, response& out);
// All three return unexpected_frame_type for a frame of another type, and
// leave `out` unspecified on error.

// ---------------------------------------------------------------- encoding
// Every encoder appends exactly one frame to `out` and leaves the bytes
// already there untouched. They throw std::length_error when a field does not
// fit its length prefix (a frame body over 2^32 - 10 bytes, a server id over
// 65535 bytes); nothing is appended then.

/// Precondition: t is frame_type::hello or frame_type::hello_ack.
void encode_hello(std::vector<std::uint8_t>& out, frame_type t, std::uint64_t id, const hello& h);
void encode_request(std::vector<std::uint8_t>& out, std::uint64_t id, std::uint16_t method,
                    std::span<const std::uint8_t> payload);
void encode_response(std::vector<std::uint8_t>& out, std::uint64_t id, status st,
                     std::span<const std::uint8_t> payload);
/// A response whose payload is the text `message` (for non-ok statuses).
void encode_error(std::vector<std::uint8_t>& out, std::uint64_t id, status st,
                  std::string_view message);
/// heartbeat, or heartbeat_ack when `ack`; `seq` travels as the request id.
void encode_heartbeat(std::vector<std::uint8_t>& out, bool ack, std::uint64_t seq);
/// Any frame from its parts, body unchecked (relaying, tests).
void encode_frame(std::vector<std::uint8_t>& out, frame_type t, std::uint64_t id,
                  std::span<const std::uint8_t> body);

/// In-place construction: begin_frame() appends a header with a placeholder
/// length and returns its offset; append the body to `out` (e.g. with a
/// body_writer), then finish_frame() patches the length. Nothing else may
/// remove bytes from `out` in between.
std::size_t begin_frame(std::vector<std::uint8_t>& out, frame_type t, std::uint64_t id);
/// begin_frame() for a request, with the method already written.
std::size_t begin_request(std::vector<std::uint8_t>& out, std::uint64_t id, std::uint16_t method);
/// begin_frame() for a response, with the status already written.
std::size_t begin_response(std::vector<std::uint8_t>& out, std::uint64_t id, status st);
/// Precondition: `start` came from begin_* on `out`. Throws std::length_error
/// (and truncates `out` back to `start`) if the body is too large.
void finish_frame(std::vector<std::uint8_t>& out, std::size_t start);

}  // namespace pummelo::protocol::rpc
