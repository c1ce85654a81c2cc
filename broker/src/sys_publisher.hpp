// Publishes broker statistics under $SYS/broker/ every sys.interval_s seconds,
// as retained messages, with Mosquitto's topic names so existing dashboards
// and scripts keep working.
#pragma once

#include <asio/steady_timer.hpp>

namespace pummelo::broker {

class server;
class event_loop;

class sys_publisher {
 public:
  sys_publisher(server& s, event_loop& loop);
  void stop();

 private:
  void schedule();
  void publish_all();

  server& server_;
  event_loop& loop_;
  asio::steady_timer timer_;
};

}  // namespace pummelo::broker
