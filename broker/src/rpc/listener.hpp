// Accepts internal RPC links on one TCP port. Every accepted link shares the
// listener's options and request handler; the listener owns the links until
// they close.
//
// Threading: like link, everything runs on the io_context given to the
// constructor; call members only from that loop's thread.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "rpc/link.hpp"

namespace pummelo::broker::rpc {

class listener {
 public:
  listener(asio::io_context& io, link_options opts, request_handler handler);
  /// Closes the acceptor and every link (their pending calls get error).
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  /// Binds address:port (port 0 picks a free one; SO_REUSEADDR is set so a
  /// restarted server can take its port back at once) and starts accepting.
  /// Throws std::system_error when the address cannot be bound.
  void listen(const std::string& address, std::uint16_t port);
  /// Called for each accepted link before it starts (to keep a handle, set
  /// an established handler...). Must not replace the closed handler.
  void set_link_handler(std::function<void(const std::shared_ptr<link>&)> h) {
    link_handler_ = std::move(h);
  }
  /// Called when an accepted link closes (after its pending calls failed).
  void set_closed_handler(std::function<void(link&)> h) { closed_handler_ = std::move(h); }
  /// Stops accepting and closes every link. Idempotent.
  void stop();

  std::uint16_t port() const noexcept { return port_; }
  std::size_t link_count() const noexcept { return links_.size(); }

 private:
  void accept_next();

  asio::io_context& io_;
  link_options opts_;
  request_handler handler_;
  std::function<void(const std::shared_ptr<link>&)> link_handler_;
  std::function<void(link&)> closed_handler_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  asio::steady_timer retry_timer_;  // accept errors (EMFILE) retry after a pause
  std::unordered_map<link*, std::shared_ptr<link>> links_;
  // Handlers check it before touching `this`: an accept completion may be
  // queued after the listener is gone.
  std::shared_ptr<listener*> alive_;
};

}  // namespace pummelo::broker::rpc
