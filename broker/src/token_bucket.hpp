// A token bucket: `rate` tokens a second, holding at most `burst`. Used to
// admit new connections and a connection's PUBLISHes at a steady pace. Not
// thread-safe: each user owns one on one thread.
#pragma once

#include <algorithm>
#include <chrono>

namespace pummelo::broker {

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  token_bucket(double rate_per_s, double burst, clock::time_point now = clock::now())
      : rate_(rate_per_s), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

  /// Takes a token and returns zero, or takes none and returns how long
  /// until one is there.
  clock::duration take(clock::time_point now = clock::now()) {
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return clock::duration::zero();
    }
    const auto wait = std::chrono::duration<double>((1.0 - tokens_) / rate_);
    return std::max(clock::duration(1), std::chrono::duration_cast<clock::duration>(wait));
  }

 private:
  void refill(clock::time_point now) {
    if (now <= last_) return;
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
  }

  double rate_, burst_, tokens_;
  clock::time_point last_;
};

}  // namespace pummelo::broker
