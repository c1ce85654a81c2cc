// Incremental, sans-I/O MQTT decoder: bytes in, packets out.
//
// Usage:
//   decoder d(decoder::role::server, lim);
//   while (!bytes.empty()) {
//     packet p;
//     auto r = d.feed(bytes, p);
//     bytes = bytes.subspan(r.consumed);
//     if (r.status == decode_status::packet_ready) handle(std::move(p));
//     else if (r.status == decode_status::error) { close(r.error); break; }
//   }
//
// feed() stops at the end of the first complete packet, so a chunk holding
// several packets takes several calls. Bytes of an incomplete packet are
// copied into an internal buffer, sized from the remaining length only after
// that length has been checked against the limits. A packet wholly inside the
// chunk is parsed in place without that copy.
//
// After an error the decoder stays in the error state; the connection must be
// closed. Not thread-safe: one decoder per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pummelo/protocol/error.hpp"
#include "pummelo/protocol/limits.hpp"
#include "pummelo/protocol/packets.hpp"

namespace pummelo::protocol {

enum class decode_status : std::uint8_t { need_more, packet_ready, error };

struct decode_result {
  decode_status status = decode_status::need_more;
  std::size_t consumed = 0;  // bytes of the input used by this call
  errc error = errc::ok;     // set when status == error
};

class decoder {
 public:
  /// server: decodes what clients send. The first packet must be CONNECT
  ///   (any other type is errc::expected_connect, detected from the first
  ///   byte); CONNECT's protocol level then sets the version for the rest.
  ///   The first packet is also held to limits::max_connect_packet_size.
  /// client: decodes what servers send, in the version given to set_version.
  enum class role : std::uint8_t { server, client };

  explicit decoder(role r, const limits& lim = {}, version v = version::v3_1_1);

  /// Consumes bytes up to the end of one packet; a completed packet is stored
  /// in `out`. See the file comment. The decoder itself holds no packet, so
  /// an idle connection's decoder stays small.
  decode_result feed(std::span<const std::uint8_t> bytes, packet& out);

  /// The same, keeping the packet for take(): simpler for tests and tools.
  /// Its packet storage is allocated on first use.
  decode_result feed(std::span<const std::uint8_t> bytes);
  /// Moves out the packet completed by the last feed(bytes). Precondition:
  /// that feed() returned packet_ready.
  packet take();

  version protocol_version() const noexcept { return version_; }
  void set_version(version v) noexcept { version_ = v; }

  /// Lowers or raises the packet size limit (e.g. after CONNECT negotiated it).
  void set_max_packet_size(std::uint32_t n) noexcept { limits_.max_packet_size = n; }
  const limits& current_limits() const noexcept { return limits_; }

  /// Bytes held for an incomplete packet (0 while idle): lets callers keep no
  /// large buffers for idle connections.
  std::size_t buffered() const noexcept { return partial_size_; }

 private:
  decode_result fail(errc e, std::size_t consumed);
  decode_result complete(std::span<const std::uint8_t> body, std::size_t consumed, packet& out);
  errc check_first_byte(std::uint8_t first) const noexcept;
  errc check_size() const noexcept;
  bool awaiting_connect() const noexcept {
    return role_ == role::server && !connect_seen_;
  }

  void release_partial() noexcept {
    partial_.reset();
    partial_size_ = 0;
  }
  std::span<const std::uint8_t> partial() const noexcept { return {partial_.get(), partial_size_}; }

  // Ordered to pack: every connection holds a decoder.
  limits limits_;
  // Body bytes of an incomplete packet, sized remaining_length_ once that
  // length passed the limits; null while idle.
  std::unique_ptr<std::uint8_t[]> partial_;
  std::unique_ptr<packet> ready_;  // only for feed(bytes) + take()
  std::uint32_t partial_size_ = 0;
  // Fixed header being read across chunks.
  std::uint32_t remaining_length_ = 0;
  role role_;
  version version_;
  errc error_ = errc::ok;  // reported again by every feed() after a failure
  std::uint8_t header_byte_ = 0;
  std::uint8_t length_bytes_ = 0;
  bool connect_seen_ = false;
  bool failed_ = false;
  bool have_header_byte_ = false;
  bool length_done_ = false;
};

/// Parses one packet body. Exposed for tests and for the fuzzer; feed() uses it.
/// `first_byte` is the fixed header's first byte; `body` is exactly the
/// remaining-length bytes. On success stores the packet in `out`.
errc decode_packet(std::uint8_t first_byte, std::span<const std::uint8_t> body,
                   version v, const limits& lim, packet& out);

}  // namespace pummelo::protocol
