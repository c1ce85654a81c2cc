#include "failure_throttle.hpp"

#include <algorithm>

namespace pummelo::broker::auth {

std::chrono::milliseconds failure_throttle::failed(std::string_view address, clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = by_address_.find(std::string(address));
  if (it != by_address_.end() && now - it->second.last > s_.window) {
    oldest_first_.erase(it->second.age);
    by_address_.erase(it);
    it = by_address_.end();
  }
  if (it == by_address_.end()) {
    if (by_address_.size() >= s_.max_addresses) {
      // Full: forget the address that failed longest ago.
      by_address_.erase(oldest_first_.front());
      oldest_first_.pop_front();
    }
    it = by_address_.emplace(std::string(address), entry{}).first;
    it->second.age = oldest_first_.insert(oldest_first_.end(), it->first);
  } else {
    oldest_first_.splice(oldest_first_.end(), oldest_first_, it->second.age);
  }
  tracked_.store(by_address_.size(), std::memory_order_relaxed);
  auto& e = it->second;
  e.last = now;
  ++e.failures;
  if (e.failures <= s_.failures_before_delay) return std::chrono::milliseconds{0};
  // 1st failure past the threshold waits first_delay, the next twice that...
  const std::uint32_t doublings = std::min<std::uint32_t>(e.failures - s_.failures_before_delay - 1, 30);
  const auto delay = s_.first_delay * (std::int64_t{1} << doublings);
  return std::min(delay, s_.max_delay);
}

void failure_throttle::succeeded(std::string_view address) {
  std::lock_guard lock(mutex_);
  auto it = by_address_.find(std::string(address));
  if (it == by_address_.end()) return;
  oldest_first_.erase(it->second.age);
  by_address_.erase(it);
  tracked_.store(by_address_.size(), std::memory_order_relaxed);
}

std::size_t failure_throttle::tracked() const {
  std::lock_guard lock(mutex_);
  return by_address_.size();
}

}  // namespace pummelo::broker::auth
