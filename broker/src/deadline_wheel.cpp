#include "deadline_wheel.hpp"

namespace pummelo::broker {

deadline_wheel::deadline_wheel(clock::time_point start) : start_(start), heads_(slot_count) {
  for (auto& h : heads_) h.prev_ = h.next_ = &h;
}

std::uint32_t deadline_wheel::tick_of(clock::time_point t) const noexcept {
  if (t <= start_) return 0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - start_).count();
  auto ticks = static_cast<std::uint64_t>(ms) / static_cast<std::uint64_t>(tick.count());
  return ticks < max_tick ? static_cast<std::uint32_t>(ticks) : max_tick;
}

void deadline_wheel::schedule(entry& e, clock::time_point due) noexcept {
  if (e.scheduled()) unlink(e);
  // Round up: a deadline inside tick k fires when tick k + 1 is reached.
  std::uint32_t t = tick_of(due) + 1;
  e.due_tick_ = t > current_tick_ ? t : current_tick_ + 1;
  link(e);
}

void deadline_wheel::cancel(entry& e) noexcept {
  if (e.scheduled()) unlink(e);
}

void deadline_wheel::link(entry& e) noexcept {
  entry& head = heads_[e.due_tick_ % slot_count];
  e.prev_ = &head;
  e.next_ = head.next_;
  head.next_->prev_ = &e;
  head.next_ = &e;
  ++size_;
}

void deadline_wheel::unlink(entry& e) noexcept {
  e.prev_->next_ = e.next_;
  e.next_->prev_ = e.prev_;
  e.prev_ = e.next_ = nullptr;
  --size_;
}

}  // namespace pummelo::broker
