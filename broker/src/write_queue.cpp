#include "write_queue.hpp"

namespace pummelo::broker {

namespace {
// Appends [offset, end) of a byte range; returns the offset left for the next.
inline std::size_t add_part(iovec* out, std::size_t& n, std::size_t max, const std::uint8_t* data,
                            std::size_t size, std::size_t skip) noexcept {
  if (skip >= size) return skip - size;
  if (n < max) out[n++] = iovec{const_cast<std::uint8_t*>(data + skip), size - skip};
  return 0;
}
}  // namespace

void write_queue::push(out_chunk chunk) {
  if (chunk.size() == 0) return;
  if (!b_) b_ = std::make_unique<body>();
  b_->bytes += chunk.size();
  if (chunk.buffered_push) ++b_->buffered_pushes;
  b_->chunks.push_back(std::move(chunk));
}

std::size_t write_queue::gather(iovec* out, std::size_t max) const noexcept {
  if (!b_) return 0;
  std::size_t n = 0;
  std::size_t skip = b_->head_offset;
  for (std::size_t i = b_->head; i < b_->chunks.size() && n < max; ++i) {
    const auto& c = b_->chunks[i];
    skip = add_part(out, n, max, c.owned.data(), c.owned.size(), skip);
    if (c.shared) skip = add_part(out, n, max, c.shared->data() + c.shared_offset, c.shared_length, skip);
  }
  return n;
}

void write_queue::consume(std::size_t n) noexcept {
  if (!b_) return;
  auto& b = *b_;
  b.bytes -= n;
  n += b.head_offset;
  while (b.head < b.chunks.size() && n >= b.chunks[b.head].size()) {
    n -= b.chunks[b.head].size();
    if (b.chunks[b.head].buffered_push) --b.buffered_pushes;
    b.chunks[b.head] = out_chunk{};  // release shared bytes now
    ++b.head;
  }
  b.head_offset = n;
  if (b.head == b.chunks.size()) {
    b_.reset();
  } else if (b.head >= 64 && b.head * 2 >= b.chunks.size()) {
    b.chunks.erase(b.chunks.begin(), b.chunks.begin() + static_cast<std::ptrdiff_t>(b.head));
    b.head = 0;
  }
}

}  // namespace pummelo::broker
