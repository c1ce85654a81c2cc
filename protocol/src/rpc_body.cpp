// body_writer and body_reader: the field codec of RPC payloads.
#include "pummelo/protocol/rpc_body.hpp"

#include <limits>
#include <stdexcept>

namespace pummelo::protocol::rpc {

namespace {

constexpr std::size_t u32_max = std::numeric_limits<std::uint32_t>::max();

std::uint32_t checked_u32(std::size_t n, const char* what) {
  if (n > u32_max) throw std::length_error(what);
  return static_cast<std::uint32_t>(n);
}

}  // namespace

// ------------------------------------------------------------------ writer

body_writer& body_writer::u8(std::uint8_t v) {
  out_->push_back(v);
  return *this;
}

body_writer& body_writer::u16(std::uint16_t v) {
  out_->push_back(static_cast<std::uint8_t>(v >> 8));
  out_->push_back(static_cast<std::uint8_t>(v));
  return *this;
}

body_writer& body_writer::u32(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out_->push_back(static_cast<std::uint8_t>(v >> shift));
  }
  return *this;
}

body_writer& body_writer::u64(std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out_->push_back(static_cast<std::uint8_t>(v >> shift));
  }
  return *this;
}

body_writer& body_writer::varint(std::uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<std::uint8_t>(v));
  return *this;
}

body_writer& body_writer::string(std::string_view s) {
  return blob({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

body_writer& body_writer::blob(std::span<const std::uint8_t> b) {
  u32(checked_u32(b.size(), "rpc body: field over 2^32-1 bytes"));
  return bytes(b);
}

body_writer& body_writer::bytes(std::span<const std::uint8_t> b) {
  out_->insert(out_->end(), b.begin(), b.end());
  return *this;
}

body_writer& body_writer::string_list(std::span<const std::string> items) {
  u32(checked_u32(items.size(), "rpc body: list over 2^32-1 items"));
  for (const std::string& s : items) string(s);
  return *this;
}

body_writer& body_writer::string_list(std::span<const std::string_view> items) {
  u32(checked_u32(items.size(), "rpc body: list over 2^32-1 items"));
  for (const std::string_view s : items) string(s);
  return *this;
}

// ------------------------------------------------------------------ reader

bool body_reader::take(std::size_t n, const std::uint8_t*& at) noexcept {
  if (failed()) return false;
  if (remaining() < n) {
    fail(rpc_errc::malformed_body);
    return false;
  }
  at = pos_;
  pos_ += n;
  return true;
}

std::uint8_t body_reader::u8() noexcept {
  const std::uint8_t* p = nullptr;
  return take(1, p) ? p[0] : std::uint8_t{0};
}

std::uint16_t body_reader::u16() noexcept {
  const std::uint8_t* p = nullptr;
  if (!take(2, p)) return 0;
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t body_reader::u32() noexcept {
  const std::uint8_t* p = nullptr;
  if (!take(4, p)) return 0;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t body_reader::u64() noexcept {
  const std::uint8_t* p = nullptr;
  if (!take(8, p)) return 0;
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t body_reader::varint() noexcept {
  if (failed()) return 0;
  std::uint64_t v = 0;
  // Scan before consuming so that a failed read consumes nothing.
  for (std::size_t i = 0; i < 10 && i < remaining(); ++i) {
    const std::uint8_t b = pos_[i];
    // The 10th group holds bit 63 only: anything more overflows.
    if (i == 9 && b > 1) break;
    v |= std::uint64_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) == 0) {
      pos_ += i + 1;
      return v;
    }
  }
  fail(rpc_errc::malformed_body);
  return 0;
}

std::string_view body_reader::string_view() noexcept {
  const auto b = blob();
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string body_reader::string() {
  return std::string(string_view());
}

std::span<const std::uint8_t> body_reader::blob() noexcept {
  // Peek at the length so that a too-long field consumes nothing.
  const std::uint8_t* const start = pos_;
  const std::uint32_t n = u32();
  if (failed()) return {};
  if (remaining() < n) {
    pos_ = start;
    fail(rpc_errc::malformed_body);
    return {};
  }
  return bytes(n);
}

std::span<const std::uint8_t> body_reader::bytes(std::size_t n) noexcept {
  const std::uint8_t* p = nullptr;
  if (!take(n, p)) return {};
  return {p, n};
}

std::span<const std::uint8_t> body_reader::rest() noexcept {
  if (failed()) return {};
  return bytes(remaining());
}

std::uint32_t body_reader::count(std::uint32_t max_count, std::size_t min_element_size) noexcept {
  const std::uint8_t* const start = pos_;
  const std::uint32_t n = u32();
  if (failed()) return 0;
  rpc_errc e = rpc_errc::ok;
  if (n > max_count) {
    e = rpc_errc::too_many_elements;
  } else if (min_element_size != 0 && n > remaining() / min_element_size) {
    // Division, not n * size: the product could overflow on 32-bit targets.
    e = rpc_errc::malformed_body;
  }
  if (e != rpc_errc::ok) {
    pos_ = start;
    fail(e);
    return 0;
  }
  return n;
}

std::vector<std::string> body_reader::string_list(std::uint32_t max_count) {
  const std::uint8_t* const start = pos_;
  const std::uint32_t n = count(max_count, 4);  // each string has a u32 length
  std::vector<std::string> out;
  if (failed()) return out;
  out.reserve(n);  // bounded by count(): n * 4 <= bytes left
  for (std::uint32_t i = 0; i < n; ++i) {
    out.push_back(string());
    if (failed()) {
      pos_ = start;  // a failed read consumes nothing, lists included
      return {};
    }
  }
  return out;
}

rpc_errc body_reader::finish() const noexcept {
  if (failed()) return error_;
  return at_end() ? rpc_errc::ok : rpc_errc::malformed_body;
}

}  // namespace pummelo::protocol::rpc
