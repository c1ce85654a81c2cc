#include "admin/rate_meter.hpp"

#include <chrono>

#include "server.hpp"

namespace pummelo::broker::admin {

rate_meter::rate_meter(server& srv, asio::io_context& loop0) : srv_(srv), timer_(loop0) {}

void rate_meter::start() {
  auto t = srv_.totals();
  last_in_ = t.messages_received;
  last_out_ = t.messages_sent;
  last_at_ = asio::steady_timer::clock_type::now();
  arm();
}

void rate_meter::arm() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) sample();
  });
}

void rate_meter::stop() { timer_.cancel(); }

void rate_meter::sample() {
  auto now = asio::steady_timer::clock_type::now();
  auto t = srv_.totals();
  const double s = std::chrono::duration<double>(now - last_at_).count();
  if (s > 0) {
    in_per_s_ = static_cast<double>(t.messages_received - last_in_) / s;
    out_per_s_ = static_cast<double>(t.messages_sent - last_out_) / s;
  }
  last_in_ = t.messages_received;
  last_out_ = t.messages_sent;
  last_at_ = now;
  arm();
}

}  // namespace pummelo::broker::admin
