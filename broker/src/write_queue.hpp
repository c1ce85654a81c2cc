// A connection's bounded queue of outgoing bytes, written with one gathered
// write (writev) per batch. Shared chunks let many connections send the same
// encoded PUBLISH without copying it. An empty queue holds no memory: idle
// connections are most connections.
#pragma once

#include <sys/uio.h>

#include <cstdint>
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
  void push(out_chunk chunk);
  /// Bytes not written yet.
  std::size_t bytes() const noexcept { return b_ ? b_->bytes : 0; }
  /// Chunks marked buffered_push not fully written yet.
  std::size_t buffered_pushes() const noexcept { return b_ ? b_->buffered_pushes : 0; }
  bool empty() const noexcept { return !b_; }

  /// Fills up to `max` iovecs with the unwritten bytes from the front;
  /// returns how many it filled.
  std::size_t gather(iovec* out, std::size_t max) const noexcept;

  /// Drops `n` bytes from the front after they were written.
  void consume(std::size_t n) noexcept;

  void clear() noexcept { b_.reset(); }

 private:
  // Allocated while something is queued: an idle connection holds a null
  // pointer only.
  struct body {
    std::vector<out_chunk> chunks;
    std::size_t head = 0;         // first chunk not fully written
    std::size_t head_offset = 0;  // bytes of chunks[head] already written
    std::size_t bytes = 0;
    std::size_t buffered_pushes = 0;
  };
  std::unique_ptr<body> b_;
};

}  // namespace pummelo::broker
