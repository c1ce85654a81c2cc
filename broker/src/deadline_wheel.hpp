// Deadlines of many connections (CONNECT timeout, keep-alive, close linger)
// in a hashed timing wheel driven by one timer per event loop. An Asio timer
// per connection would cost every idle device a timer object and a queued
// wait; a wheel entry is two pointers and a tick number.
//
// Deadlines are rounded up to the next tick (tick_ms), so they fire up to one
// tick late and never early. Entries are intrusive: the owner derives from
// deadline_wheel::entry and must cancel() it before it is destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace pummelo::broker {

class deadline_wheel {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds tick{100};

  class entry {
   public:
    entry() = default;
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;
    bool scheduled() const noexcept { return prev_ != nullptr; }

   private:
    friend class deadline_wheel;
    entry* prev_ = nullptr;  // non-null while linked
    entry* next_ = nullptr;
    std::uint32_t due_tick_ = 0;  // 100 ms ticks: 13 years from the wheel's start
  };

  explicit deadline_wheel(clock::time_point start = clock::now());
  deadline_wheel(const deadline_wheel&) = delete;
  deadline_wheel& operator=(const deadline_wheel&) = delete;

  /// (Re)schedules `e` to fire at `due` (or at the next advance if past).
  void schedule(entry& e, clock::time_point due) noexcept;
  void cancel(entry& e) noexcept;
  std::size_t size() const noexcept { return size_; }

  /// Fires every entry due by `now`, each once, unlinked before fire(e) is
  /// called: fire may schedule it again, or cancel/schedule others.
  template <class F>
  void advance(clock::time_point now, F&& fire);

 private:
  static constexpr std::size_t slot_count = 1024;  // 102.4 s per revolution
  static constexpr std::uint32_t max_tick = 0xFFFFFF00u;  // ~13 years: beyond, never
  std::uint32_t tick_of(clock::time_point t) const noexcept;  // saturates
  void link(entry& e) noexcept;
  void unlink(entry& e) noexcept;

  clock::time_point start_;
  std::uint32_t current_tick_ = 0;  // every tick up to this one has fired
  std::vector<entry> heads_;        // sentinel of each slot's circular list
  std::size_t size_ = 0;
};

template <class F>
void deadline_wheel::advance(clock::time_point now, F&& fire) {
  const std::uint32_t target = tick_of(now);
  entry due;  // entries that fire now, moved out of their slots first
  due.prev_ = due.next_ = &due;
  while (current_tick_ < target) {
    ++current_tick_;
    entry& head = heads_[current_tick_ % slot_count];
    for (entry* e = head.next_; e != &head;) {
      entry* next = e->next_;
      if (e->due_tick_ <= current_tick_) {  // else: a later revolution's
        e->prev_->next_ = next;
        next->prev_ = e->prev_;
        e->prev_ = &due;
        e->next_ = due.next_;
        due.next_->prev_ = e;
        due.next_ = e;
      }
      e = next;
    }
  }
  // fire() may schedule or cancel any entry, including ones still in `due`.
  while (due.next_ != &due) {
    entry* e = due.next_;
    unlink(*e);
    fire(*e);
  }
}

}  // namespace pummelo::broker
