// The broker: event loops, listeners, and the state shared by all loops (the
// subscription tree and the retained store). Publishes are routed with one
// hand-off per destination loop, not one per subscriber.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <shared_mutex>
#include <string>
#include <vector>

#include "auth/failure_throttle.hpp"
#include "channel_registry.hpp"
#include "cluster/ports.hpp"
#include "config.hpp"
#include "event_loop.hpp"
#include "message.hpp"
#include "pummelo/channel/topic_tree.hpp"
#include "pummelo/protocol/limits.hpp"
#include "retained_store.hpp"
#include "stats.hpp"
#include "token_bucket.hpp"

namespace pummelo::broker {

namespace admin {
class admin_service;
}

class session;
class sys_publisher;
namespace cluster {
class services;
class sync_barrier;
}  // namespace cluster
namespace tls {
class server_context;
}  // namespace tls

class server {
 public:
  explicit server(config cfg);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds every listener (throws std::runtime_error naming the address on
  /// failure), starts the loops, and blocks until SIGTERM or SIGINT; then
  /// disconnects everyone and returns.
  void run();

  const config& cfg() const noexcept { return config_; }
  const protocol::limits& codec_limits() const noexcept { return codec_limits_; }
  unsigned loop_count() const noexcept { return static_cast<unsigned>(loops_.size()); }
  event_loop& loop(unsigned i) noexcept { return *loops_[i]; }
  /// The loop that owns sessions of this client id.
  event_loop& loop_for_client(const std::string& client_id) noexcept;

  /// Hands `m` to the channel server owning its topic (in this process by
  /// default), which sends it to every frontend with matching subscribers
  /// and, when retained, to every frontend to store. Any loop thread.
  /// `done` (may be empty) is told whether the channel server accepted it.
  void publish(const message_ptr& m, cluster::done_fn done = {});

  /// Delivers `m` to every matching subscription here, from any loop thread.
  void route(const message_ptr& m);

  /// Subscribes `s` in the topic tree and, when new, joins the filter's
  /// channel. Thread-safe. Returns true when the subscription is new. `b`
  /// (may be null) waits for the channel servers to confirm the membership.
  bool subscribe(const std::string& filter, session& s, const channel::subscription_options& o,
                 cluster::sync_barrier* b = nullptr);
  /// The reverse; returns false when there was no such subscription.
  bool unsubscribe(const std::string& filter, session& s);

  /// Sets the session's uid and member name and binds it in the directory
  /// (rebinding channel memberships when a resumed session changes uid).
  void bind_session(session& s, const std::string& uid, cluster::sync_barrier* b = nullptr);
  void unbind_session(session& s);

  /// This frontend's channel memberships and sessions by uid.
  channel_registry& channels() noexcept;
  cluster::services& cluster() noexcept { return *cluster_; }
  /// This process's index among the cluster's frontends (0 standalone).
  std::uint16_t frontend_index() const noexcept;

  /// Slots for $push requests being carried out (limits.max_push_jobs).
  bool try_reserve_push_job() noexcept;
  void release_push_job() noexcept { push_jobs_.fetch_sub(1, std::memory_order_relaxed); }
  std::size_t subscription_count() const;

  retained_store& retained() noexcept { return retained_; }
  /// The admin API (pummeloctl); null until run().
  admin::admin_service* admin() noexcept { return admin_.get(); }

  /// Connection slots under limits.max_connections.
  bool try_reserve_connection() noexcept;
  void release_connection() noexcept;
  /// Connections per source address, under limits.max_connections_per_address
  /// (always true when it is 0). Any thread.
  bool try_reserve_address(int fd, const std::string& address);
  void release_address(int fd);  // before the descriptor is closed
  /// New CONNECTs are being shed: a loop is running late (overload.*).
  bool overloaded() const noexcept;
  std::uint32_t connection_count() const noexcept { return connections_.load(); }
  /// Sessions with a live connection (CONNECT accepted), for $SYS.
  void add_online(int delta) noexcept { online_.fetch_add(delta, std::memory_order_relaxed); }
  std::int64_t online_count() const noexcept { return online_.load(std::memory_order_relaxed); }

  stats_totals totals() const;
  std::size_t session_count() const noexcept { return sessions_.load(std::memory_order_relaxed); }
  /// Session slots under limits.max_sessions.
  bool try_reserve_session() noexcept;
  void release_session() noexcept { sessions_.fetch_sub(1, std::memory_order_relaxed); }
  clock::time_point started_at() const noexcept { return started_at_; }

  /// Failed logins per source address (auth.failures_before_delay...).
  auth::failure_throttle& login_failures() noexcept { return login_failures_; }
  /// Reads the password file and ACL again (SIGHUP). On success every loop
  /// switches to them and ends the subscriptions they no longer allow;
  /// sessions stay connected. On failure the rules in force stay, and the
  /// error is logged. Returns whether the new rules were taken.
  bool reload_auth();

 private:
  void open_listeners();
  void accept_next(std::size_t listener);   // waits until the listener is readable
  void accept_ready(std::size_t listener);  // accepts what is pending
  void shut_down();
  void watch_reload_signal();  // SIGHUP: reload_auth()

  config config_;
  protocol::limits codec_limits_;
  // Declared before the loops: connections still alive while the loops are
  // torn down release their slots here.
  std::atomic<std::uint32_t> connections_{0};
  std::atomic<std::size_t> sessions_{0};
  std::atomic<std::uint32_t> push_jobs_{0};
  std::atomic<std::int64_t> online_{0};
  clock::time_point started_at_;
  // One per listener, null for plain TCP. Before the loops: their
  // connections' TLS sessions come from these.
  std::vector<std::unique_ptr<tls::server_context>> tls_contexts_;
  std::vector<std::unique_ptr<event_loop>> loops_;
  std::vector<asio::ip::tcp::acceptor> acceptors_;
  unsigned next_accept_loop_ = 0;
  mutable std::shared_mutex subscriptions_mutex_;
  channel::topic_tree subscriptions_;
  retained_store retained_;
  std::vector<std::unique_ptr<asio::steady_timer>> accept_backoff_;  // one per listener
  std::optional<token_bucket> connect_bucket_;  // limits.connect_rate; loop 0 (the listeners') only
  std::mutex addresses_mutex_;
  std::unordered_map<std::string, std::uint32_t> connections_per_address_;
  std::unordered_map<int, std::string> address_of_fd_;  // who holds each count
  std::unique_ptr<sys_publisher> sys_;
  std::unique_ptr<admin::admin_service> admin_;  // from run() on
  std::unique_ptr<asio::signal_set> signals_;
  std::unique_ptr<asio::signal_set> reload_signals_;
  auth::failure_throttle login_failures_;
  // After the loops: its links live on loop 0 and go first.
  std::unique_ptr<cluster::services> cluster_;
};

}  // namespace pummelo::broker
