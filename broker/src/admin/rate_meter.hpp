// Messages in and out per second, for the admin API's status: the server's
// counters sampled once a second on loop 0 (the rate over the last second,
// not since the start).
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>

namespace pummelo::broker {
class server;
}

namespace pummelo::broker::admin {

class rate_meter {
 public:
  rate_meter(server& srv, asio::io_context& loop0);
  void start();
  void stop();

  // Loop 0 only.
  double messages_in_per_s() const noexcept { return in_per_s_; }
  double messages_out_per_s() const noexcept { return out_per_s_; }

 private:
  void arm();  // the next sample in a second
  void sample();

  server& srv_;
  asio::steady_timer timer_;
  std::uint64_t last_in_ = 0, last_out_ = 0;
  asio::steady_timer::clock_type::time_point last_at_;
  double in_per_s_ = 0, out_per_s_ = 0;
};

}  // namespace pummelo::broker::admin
