// Slows down password guessing: failed logins are counted per source
// address, and past a threshold each further refusal to that address waits,
// twice as long each time up to a cap. Shared by every loop (a mutex; it is
// touched only when a client sends credentials). Bounded: at most
// max_addresses are tracked, the stalest forgotten first.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pummelo::broker::auth {

class failure_throttle {
 public:
  using clock = std::chrono::steady_clock;
  struct settings {
    std::uint32_t failures_before_delay = 3;
    std::chrono::milliseconds first_delay{100};
    std::chrono::milliseconds max_delay{5000};
    std::chrono::seconds window{600};  // a failure older than this is forgotten
    std::size_t max_addresses = 65536;
  };

  explicit failure_throttle(settings s) : s_(s) {}

  /// Records a failed login from `address`; returns how long to wait before
  /// telling the client (zero below the threshold).
  std::chrono::milliseconds failed(std::string_view address, clock::time_point now = clock::now());
  /// A successful login clears the address's record.
  void succeeded(std::string_view address);
  std::size_t tracked() const;
  /// No address has recent failures: a successful login then need not even
  /// find out its address (the common case in a reconnect storm).
  bool none_tracked() const noexcept { return tracked_.load(std::memory_order_relaxed) == 0; }

 private:
  struct entry {
    std::uint32_t failures = 0;
    clock::time_point last;
    std::list<std::string>::iterator age;  // position in oldest_first_
  };
  settings s_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> by_address_;
  std::list<std::string> oldest_first_;  // by last failure
  std::atomic<std::size_t> tracked_{0};   // by_address_.size(), readable without the lock
};

}  // namespace pummelo::broker::auth
