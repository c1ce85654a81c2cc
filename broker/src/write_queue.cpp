#include "write_queue.hpp"

namespace pummelo::broker {

std::size_t write_queue::gather(std::vector<asio::const_buffer>& out,
                                std::size_t max_chunks) const {
  std::size_t n = 0;
  for (const auto& c : chunks_) {
    if (n == max_chunks) break;
    if (!c.owned.empty()) out.emplace_back(c.owned.data(), c.owned.size());
    if (c.shared && c.shared_length > 0)
      out.emplace_back(c.shared->data() + c.shared_offset, c.shared_length);
    ++n;
  }
  return n;
}

void write_queue::consume(std::size_t chunks) noexcept {
  for (std::size_t i = 0; i < chunks && !chunks_.empty(); ++i) {
    bytes_ -= chunks_.front().size();
    if (chunks_.front().buffered_push) --buffered_pushes_;
    chunks_.pop_front();
  }
}

}  // namespace pummelo::broker
