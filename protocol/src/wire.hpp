// Internal: bounds-checked reading and unchecked writing of MQTT data types
// (spec 1.5). Not installed; used by the decoder and the encoder only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "pummelo/protocol/error.hpp"
#include "pummelo/protocol/utf8.hpp"

// Returns the errc of `expr` from the enclosing function unless it is ok.
#define PUMMELO_TRY(expr)                                          \
  do {                                                             \
    if (const ::pummelo::protocol::errc try_e_ = (expr);           \
        try_e_ != ::pummelo::protocol::errc::ok) {                 \
      return try_e_;                                               \
    }                                                              \
  } while (false)

namespace pummelo::protocol::detail {

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> bytes) noexcept
      : pos_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  std::size_t remaining() const noexcept {
    return static_cast<std::size_t>(end_ - pos_);
  }
  bool empty() const noexcept { return pos_ == end_; }

  errc u8(std::uint8_t& out) noexcept {
    if (remaining() < 1) return errc::malformed_packet;
    out = *pos_++;
    return errc::ok;
  }

  errc u16(std::uint16_t& out) noexcept {
    if (remaining() < 2) return errc::malformed_packet;
    out = static_cast<std::uint16_t>((pos_[0] << 8) | pos_[1]);
    pos_ += 2;
    return errc::ok;
  }

  errc u32(std::uint32_t& out) noexcept {
    if (remaining() < 4) return errc::malformed_packet;
    out = (std::uint32_t{pos_[0]} << 24) | (std::uint32_t{pos_[1]} << 16) |
          (std::uint32_t{pos_[2]} << 8) | std::uint32_t{pos_[3]};
    pos_ += 4;
    return errc::ok;
  }

  /// Variable Byte Integer of at most 4 bytes. Non-minimal encodings (e.g.
  /// 0x80 0x00) are accepted, as most implementations do.
  errc varint(std::uint32_t& out) noexcept {
    std::uint32_t value = 0;
    for (unsigned i = 0; i < 4; ++i) {
      std::uint8_t b = 0;
      PUMMELO_TRY(u8(b));
      value |= std::uint32_t{b & 0x7Fu} << (7 * i);
      if ((b & 0x80) == 0) {
        out = value;
        return errc::ok;
      }
    }
    return errc::malformed_packet;
  }

  /// Binary Data: two-byte length, then that many bytes. Not validated.
  errc binary(std::string& out) {
    std::uint16_t len = 0;
    PUMMELO_TRY(u16(len));
    return bytes(len, out);
  }

  /// UTF-8 Encoded String: Binary Data that must be well-formed MQTT UTF-8.
  errc utf8(std::string& out) {
    PUMMELO_TRY(binary(out));
    return valid_mqtt_utf8(out) ? errc::ok : errc::invalid_utf8;
  }

  /// The next `n` bytes, without copying them.
  errc view(std::size_t n, std::string_view& out) noexcept {
    if (remaining() < n) return errc::malformed_packet;
    out = std::string_view(reinterpret_cast<const char*>(pos_), n);
    pos_ += n;
    return errc::ok;
  }

  errc bytes(std::size_t n, std::string& out) {
    if (remaining() < n) return errc::malformed_packet;
    out.assign(reinterpret_cast<const char*>(pos_), n);
    pos_ += n;
    return errc::ok;
  }

  /// Everything left (a PUBLISH payload).
  void rest(std::string& out) {
    out.assign(reinterpret_cast<const char*>(pos_), remaining());
    pos_ = end_;
  }

  /// Splits off the next `n` bytes as a reader of their own.
  errc sub(std::size_t n, reader& out) noexcept {
    if (remaining() < n) return errc::malformed_packet;
    out = reader(std::span<const std::uint8_t>(pos_, n));
    pos_ += n;
    return errc::ok;
  }

  /// Expected content fully read: leftover bytes make the packet malformed.
  errc finish() const noexcept {
    return empty() ? errc::ok : errc::malformed_packet;
  }

 private:
  const std::uint8_t* pos_;
  const std::uint8_t* end_;
};

/// Writes into a buffer already sized by the encoder's size computation.
class writer {
 public:
  explicit writer(std::uint8_t* out) noexcept : pos_(out) {}

  std::uint8_t* position() const noexcept { return pos_; }

  void u8(std::uint8_t v) noexcept { *pos_++ = v; }
  void u16(std::uint16_t v) noexcept {
    pos_[0] = static_cast<std::uint8_t>(v >> 8);
    pos_[1] = static_cast<std::uint8_t>(v);
    pos_ += 2;
  }
  void u32(std::uint32_t v) noexcept {
    pos_[0] = static_cast<std::uint8_t>(v >> 24);
    pos_[1] = static_cast<std::uint8_t>(v >> 16);
    pos_[2] = static_cast<std::uint8_t>(v >> 8);
    pos_[3] = static_cast<std::uint8_t>(v);
    pos_ += 4;
  }
  /// Variable Byte Integer, minimal form. Precondition: v fits in 4 bytes.
  void varint(std::uint32_t v) noexcept {
    do {
      auto b = static_cast<std::uint8_t>(v & 0x7F);
      v >>= 7;
      if (v != 0) b |= 0x80;
      *pos_++ = b;
    } while (v != 0);
  }
  void raw(std::string_view s) noexcept {
    if (!s.empty()) std::memcpy(pos_, s.data(), s.size());
    pos_ += s.size();
  }
  /// Two-byte length then the bytes (UTF-8 strings and Binary Data alike).
  void str(std::string_view s) noexcept {
    u16(static_cast<std::uint16_t>(s.size()));
    raw(s);
  }

 private:
  std::uint8_t* pos_;
};

/// Bytes of the minimal Variable Byte Integer encoding of `v`.
constexpr std::size_t varint_len(std::uint32_t v) noexcept {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : 4;
}

/// Encoded size of a UTF-8 string or Binary Data field.
constexpr std::size_t str_size(std::string_view s) noexcept {
  return 2 + s.size();
}

}  // namespace pummelo::protocol::detail
