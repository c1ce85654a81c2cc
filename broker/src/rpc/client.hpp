// Keeps one internal RPC link to host:port alive: connects, and after any
// failure or close reconnects with exponential backoff (initial_backoff
// doubling up to max_backoff, back to initial_backoff after a successful
// handshake).
//
// Calls while disconnected: the client always holds a "current" link, which
// while waiting or connecting holds calls in its bounded pre-handshake queue
// (link_options::max_queued_requests / max_queued_bytes). So a call made
// while disconnected
//   - is sent once the next connection completes its handshake;
//   - gets status::overloaded at once if that queue is full;
//   - gets status::timeout at its deadline, which keeps running meanwhile;
//   - gets status::error if that connection attempt fails or the client
//     stops. Callers learn that the peer is down within one attempt instead
//     of waiting through every retry.
//
// Threading: everything runs on the io_context given to the constructor; call
// members only from that loop's thread.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "rpc/link.hpp"

namespace pummelo::broker::rpc {

struct client_options {
  link_options link;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

class client {
 public:
  client(asio::io_context& io, std::string host, std::uint16_t port, client_options opts);
  /// stop()s.
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Handler for requests the peer sends us; applies from the next link on.
  void set_request_handler(request_handler h) { handler_ = std::move(h); }
  /// Told true after each handshake and false when an established link
  /// closes; runs on the loop. Set before start().
  void set_state_handler(std::function<void(bool up)> h) { state_handler_ = std::move(h); }
  /// Starts connecting. Idempotent.
  void start();
  /// Closes the current link (its pending calls get error) and stops
  /// reconnecting. Later calls fail with error. Idempotent.
  void stop();

  /// link::call() on the current link; see the file comment for calls made
  /// while disconnected.
  bool call(std::uint16_t method, std::span<const std::uint8_t> payload,
            std::chrono::milliseconds timeout, call_callback cb);

  bool connected() const noexcept { return link_ && link_->established(); }
  /// Handshakes completed so far (1 after the first connection).
  std::uint64_t connections() const noexcept { return connections_; }
  /// The delay before the next attempt after a failure.
  std::chrono::milliseconds current_backoff() const noexcept { return backoff_; }
  /// Why the last link closed ("connect failed: Connection refused", ...);
  /// "" while none has.
  const std::string& last_close_reason() const noexcept { return last_close_reason_; }
  /// The current link, for its stats; null before start().
  const std::shared_ptr<link>& current_link() const noexcept { return link_; }

 private:
  std::shared_ptr<link> make_link();
  void on_link_closed();

  asio::io_context& io_;
  std::string host_;
  std::uint16_t port_;
  client_options opts_;
  request_handler handler_;
  std::function<void(bool)> state_handler_;
  std::string last_close_reason_;
  asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_;
  std::shared_ptr<link> link_;
  bool running_ = false;
  std::uint64_t connections_ = 0;
  std::shared_ptr<client*> alive_;  // see listener::alive_
};

}  // namespace pummelo::broker::rpc
