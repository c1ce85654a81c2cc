// The streaming part of the RPC codec: header, limits, buffering.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

#include "pummelo/protocol/rpc_frame.hpp"

namespace pummelo::protocol::rpc {

namespace {

using status_t = frame_decoder::result::status;

std::uint32_t load_u32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::uint64_t load_u64(const std::uint8_t* p) noexcept {
  return (std::uint64_t{load_u32(p)} << 32) | load_u32(p + 4);
}

bool is_heartbeat(std::uint8_t t) noexcept {
  return t == static_cast<std::uint8_t>(frame_type::heartbeat) ||
         t == static_cast<std::uint8_t>(frame_type::heartbeat_ack);
}

}  // namespace

frame_decoder::frame_decoder(std::uint32_t max_frame_size) noexcept
    : max_frame_size_(max_frame_size) {}

frame_decoder::result frame_decoder::fail(rpc_errc e, std::size_t consumed) {
  error_ = e;
  header_len_ = 0;
  std::vector<std::uint8_t>().swap(body_);  // a dead link keeps no buffer
  ready_.reset();
  return {status_t::error, consumed, e};
}

// Runs on every partial header, so that a bad length or type is reported as
// soon as its bytes arrive rather than after the whole header.
rpc_errc frame_decoder::check_header_prefix() const noexcept {
  if (header_len_ < 4) return rpc_errc::ok;
  const std::uint32_t length = load_u32(header_);
  if (length < min_frame_length) return rpc_errc::frame_too_short;
  if (length > max_frame_size_) return rpc_errc::frame_too_large;
  if (header_len_ < 5) return rpc_errc::ok;
  const std::uint8_t type = header_[4];
  if (!known_frame_type(type)) return rpc_errc::unknown_frame_type;
  if (is_heartbeat(type) && length != min_frame_length) return rpc_errc::malformed_body;
  return rpc_errc::ok;
}

frame_decoder::result frame_decoder::feed(std::span<const std::uint8_t> bytes) {
  if (failed()) return {status_t::error, 0, error_};
  assert(!ready_ && "take() the previous frame before feeding more");
  std::size_t pos = 0;

  if (header_len_ < frame_header_size) {
    // Copy up to the end of the length field first, then up to the end of the
    // header, so the checks see the length before the type byte is consumed.
    for (const std::size_t stop : {std::size_t{5}, frame_header_size}) {
      if (header_len_ >= stop) continue;
      const std::size_t n = std::min(stop - header_len_, bytes.size() - pos);
      if (n != 0) std::memcpy(header_ + header_len_, bytes.data() + pos, n);
      header_len_ += n;
      pos += n;
      if (const rpc_errc e = check_header_prefix(); e != rpc_errc::ok) return fail(e, pos);
    }
    if (header_len_ < frame_header_size) return {status_t::need_more, pos, rpc_errc::ok};
    body_size_ = load_u32(header_) - min_frame_length;
    body_.reserve(body_size_);  // within max_frame_size: checked above
  }

  const std::size_t n = std::min<std::size_t>(body_size_ - body_.size(), bytes.size() - pos);
  const auto chunk = bytes.subspan(pos, n);
  body_.insert(body_.end(), chunk.begin(), chunk.end());
  pos += n;
  if (body_.size() < body_size_) return {status_t::need_more, pos, rpc_errc::ok};
  return complete(pos);
}

frame_decoder::result frame_decoder::complete(std::size_t consumed) {
  frame f;
  f.type = static_cast<frame_type>(header_[4]);
  f.request_id = load_u64(header_ + 5);
  f.body = std::move(body_);
  body_ = {};  // moved-from: make it empty for the next frame
  header_len_ = 0;
  body_size_ = 0;
  ready_ = std::move(f);
  return {status_t::frame_ready, consumed, rpc_errc::ok};
}

frame frame_decoder::take() {
  assert(ready_ && "take() without a frame_ready");
  frame f = std::move(*ready_);
  ready_.reset();
  return f;
}

}  // namespace pummelo::protocol::rpc
