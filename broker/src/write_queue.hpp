// A connection's bounded queue of outgoing bytes, written with one gathered
// write (writev) per batch. Shared chunks let many connections send the same
// encoded PUBLISH without copying it.
#pragma once

#include <asio/buffer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace pummelo::broker {

using byte_buffer = std::vector<std::uint8_t>;
using shared_bytes = std::shared_ptr<const byte_buffer>;

struct out_chunk {
  byte_buffer owned;     // bytes of this connection only (acks, patched headers)
  shared_bytes shared;   // bytes shared with other connections, may be null
  std::size_t shared_offset = 0;
  std::size_t shared_length = 0;
  bool buffered_push = false;  // a QoS 0 PUBLISH counted by the buffer scheduler

  std::size_t size() const noexcept { return owned.size() + shared_length; }
};

class write_queue {
 public:
  void push(out_chunk chunk) {
    bytes_ += chunk.size();
    if (chunk.buffered_push) ++buffered_pushes_;
    chunks_.push_back(std::move(chunk));
  }
  std::size_t bytes() const noexcept { return bytes_; }
  /// Chunks marked buffered_push still queued (written or not yet).
  std::size_t buffered_pushes() const noexcept { return buffered_pushes_; }
  bool empty() const noexcept { return chunks_.empty(); }

  /// Appends buffers for up to `max_chunks` chunks from the front; returns how
  /// many chunks they cover. The chunks stay queued (and their memory valid)
  /// until consume(): deque push_back never moves existing elements.
  std::size_t gather(std::vector<asio::const_buffer>& out, std::size_t max_chunks) const;

  /// Drops the first `chunks` chunks after they were written.
  void consume(std::size_t chunks) noexcept;

  void clear() noexcept {
    chunks_.clear();
    bytes_ = 0;
    buffered_pushes_ = 0;
  }

 private:
  std::deque<out_chunk> chunks_;
  std::size_t bytes_ = 0;
  std::size_t buffered_pushes_ = 0;
};

}  // namespace pummelo::broker
