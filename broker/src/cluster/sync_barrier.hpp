// Waits for a set of asynchronous confirmations, then runs one action: a
// SUBACK is sent once the channel servers have registered the new channel
// memberships, so a publish on any frontend right after it reaches the new
// subscriber.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "cluster/ports.hpp"

namespace pummelo::broker::cluster {

class sync_barrier : public std::enable_shared_from_this<sync_barrier> {
 public:
  /// One more confirmation to wait for; the returned callback gives it.
  done_fn expect() {
    std::lock_guard lock(mutex_);
    ++pending_;
    return [self = shared_from_this()](bool) { self->arrive(); };
  }

  /// Runs `action` once every expected confirmation arrived (now, inline,
  /// when none is outstanding).
  void arm(std::function<void()> action) {
    {
      std::lock_guard lock(mutex_);
      if (pending_ > 0) {
        action_ = std::move(action);
        return;
      }
    }
    action();
  }

 private:
  void arrive() {
    std::function<void()> run;
    {
      std::lock_guard lock(mutex_);
      if (--pending_ > 0 || !action_) return;
      run = std::move(action_);
      action_ = nullptr;
    }
    run();
  }

  std::mutex mutex_;
  std::size_t pending_ = 0;
  std::function<void()> action_;
};

}  // namespace pummelo::broker::cluster
