// Building and reading RPC payloads (a method's topic, message, uid list...).
// All integers big-endian except varint, which is LEB128 (7 bits a byte,
// least significant group first, high bit = more follows).
//   string / blob = u32 length | bytes (strings are not validated as UTF-8)
//   string list   = u32 count | that many strings
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pummelo/protocol/rpc_errc.hpp"

namespace pummelo::protocol::rpc {

/// Appends fields to a caller-owned vector (which may already hold other
/// frames: see begin_frame()). Calls chain: w.u16(1).string("t").
/// Length-prefixed fields over 2^32 - 1 bytes or items throw std::length_error.
class body_writer {
 public:
  explicit body_writer(std::vector<std::uint8_t>& out) noexcept : out_(&out) {}

  body_writer& u8(std::uint8_t v);
  body_writer& u16(std::uint16_t v);
  body_writer& u32(std::uint32_t v);
  body_writer& u64(std::uint64_t v);
  /// Minimal LEB128 form, 1 to 10 bytes.
  body_writer& varint(std::uint64_t v);
  /// u32 length, then the bytes of `s`.
  body_writer& string(std::string_view s);
  /// u32 length, then `b`.
  body_writer& blob(std::span<const std::uint8_t> b);
  /// `b` as is, without a length: for a payload that ends the body.
  body_writer& bytes(std::span<const std::uint8_t> b);
  /// u32 count, then each item as string().
  body_writer& string_list(std::span<const std::string> items);
  body_writer& string_list(std::span<const std::string_view> items);

  std::vector<std::uint8_t>& buffer() const noexcept { return *out_; }

 private:
  std::vector<std::uint8_t>* out_;  // a pointer so writers can be reassigned
};

/// Reads fields from a body it does not own. Every read checks bounds: a read
/// past the end (or any read after a failure) returns a zero/empty value,
/// consumes nothing and leaves the reader failed with the first error. So a
/// caller can read all fields and check once:
///   body_reader r(payload);
///   auto topic = r.string();
///   auto uids = r.string_list(max_uids);
///   if (r.finish() != rpc_errc::ok) reject();
/// Views (string_view, blob, bytes, rest) point into the body: they live as
/// long as it does.
class body_reader {
 public:
  explicit body_reader(std::span<const std::uint8_t> body) noexcept
      : pos_(body.data()), end_(body.data() + body.size()) {}

  std::uint8_t u8() noexcept;
  std::uint16_t u16() noexcept;
  std::uint32_t u32() noexcept;
  std::uint64_t u64() noexcept;
  /// LEB128 of at most 10 bytes whose value fits 64 bits; non-minimal forms
  /// are accepted. Otherwise malformed_body.
  std::uint64_t varint() noexcept;
  /// u32-length-prefixed bytes. The length is checked against the bytes
  /// left before anything is allocated.
  std::string string();
  std::string_view string_view() noexcept;
  std::span<const std::uint8_t> blob() noexcept;
  /// The next `n` bytes, without a length prefix.
  std::span<const std::uint8_t> bytes(std::size_t n) noexcept;
  /// Everything left (a trailing payload); the reader is then at_end().
  std::span<const std::uint8_t> rest() noexcept;

  /// Reads a u32 element count for a list whose elements take at least
  /// `min_element_size` bytes each. Fails with too_many_elements above
  /// `max_count`, and with malformed_body when that many elements cannot fit
  /// in the bytes left. So a hostile count cannot make the caller reserve a
  /// huge vector. Returns 0 on failure.
  std::uint32_t count(std::uint32_t max_count, std::size_t min_element_size) noexcept;
  /// A string list of at most `max_count` strings (see count()).
  std::vector<std::string> string_list(std::uint32_t max_count);

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - pos_); }
  /// No bytes left. A failed reader may still have bytes left: use finish().
  bool at_end() const noexcept { return pos_ == end_; }
  bool failed() const noexcept { return error_ != rpc_errc::ok; }
  rpc_errc error() const noexcept { return error_; }
  /// The first error, else malformed_body if bytes are left, else ok.
  rpc_errc finish() const noexcept;

 private:
  bool take(std::size_t n, const std::uint8_t*& at) noexcept;  // false = failed
  void fail(rpc_errc e) noexcept {
    if (error_ == rpc_errc::ok) error_ = e;
  }

  const std::uint8_t* pos_;
  const std::uint8_t* end_;
  rpc_errc error_ = rpc_errc::ok;
};

}  // namespace pummelo::protocol::rpc
