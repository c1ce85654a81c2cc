// One event loop per core. Each loop runs on its own thread and owns the
// connections and sessions pinned to it, so their state needs no locks; other
// loops reach them only by posting work to this loop.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/rules.hpp"
#include "deadline_wheel.hpp"
#include "delivery.hpp"
#include "pummelo/channel/topic_tree.hpp"
#include "socket_poller.hpp"
#include "stats.hpp"

namespace pummelo::broker {

class server;
class session;
class connection;

class event_loop {
 public:
  event_loop(server& owner, unsigned index);
  ~event_loop();
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  void start();  // runs the io_context on a new thread
  void join();

  server& owner() noexcept { return owner_; }
  unsigned index() const noexcept { return index_; }
  asio::io_context& context() noexcept { return context_; }
  loop_stats& stats() noexcept { return stats_; }
  const loop_stats& stats() const noexcept { return stats_; }

  /// The loop whose thread is running the caller, or null off-loop.
  static event_loop* current() noexcept;

  // Sessions pinned to this loop. Only call from this loop's thread.
  session* find_session(const std::string& client_id);
  session* find_session(channel::session_id id);
  /// Creates a session. The caller has reserved its slot with
  /// server::try_reserve_session(); destroy_session() releases it.
  session& create_session(const std::string& client_id);
  /// Removes its subscriptions from the topic tree and frees it.
  void destroy_session(session& s);
  /// Calls f(session&) for every session on this loop. f must not create or
  /// destroy sessions.
  template <class F>
  void for_each_session(F&& f) {
    for (auto* s : slots_)
      if (s) f(*s);
  }

  // Connections running on this loop. A removed connection is freed only
  // after the current handler returns: the socket poller's batch or the
  // end-of-turn flush may still name it.
  void add_connection(const std::shared_ptr<connection>& c) { connections_.insert(c); }
  void remove_connection(const std::shared_ptr<connection>& c);

  /// Client sockets of this loop (see socket_poller.hpp).
  socket_poller& poller() noexcept { return poller_; }
  /// Connection deadlines of this loop (see deadline_wheel.hpp).
  deadline_wheel& deadlines() noexcept { return deadlines_; }
  /// The password file and ACL in force, this loop's copy (server swaps it
  /// on SIGHUP by posting set_auth()). Loop thread only.
  const auth::rules& auth() const noexcept { return auth_; }
  /// Switches to `r`, then ends the subscriptions its ACL no longer allows.
  void set_auth(auth::rules r);
  /// Counts an ACL denial. True when it should be logged: at most one line
  /// a second per loop (a client retrying a forbidden topic must not flood
  /// the log); `unlogged` is then the denials not logged since the last one.
  bool count_denial(std::uint64_t& unlogged);
  /// Whether this loop is running late (overload.max_loop_lag_ms): its
  /// deadline tick is overdue by more than that now, or was within the last
  /// overload.shed_for_ms. Any thread.
  bool lagging(clock::time_point now) const noexcept;
  /// Fan-outs to this loop's sessions (see delivery.hpp). Loop thread only.
  delivery_queue& deliveries() noexcept { return deliveries_; }
  /// Runs `f` on this loop, from any thread. Tasks posted while earlier ones
  /// wait run in one batch: one wake-up for a burst (e.g. connections moving
  /// here after CONNECT) instead of one each.
  void post_batched(std::function<void()> f);

  /// Flushes `c` at the end of this loop turn, so that everything queued for
  /// it during the turn leaves in one write. One posted task serves every
  /// connection, however many a fan-out touched.
  void request_flush(connection& c);
  /// Closes every connection (v5: DISCONNECT 0x8B) and stops the loop.
  void shut_down();

  /// Scratch buffer for socket reads: connections share it, so an idle
  /// connection holds no read buffer of its own.
  std::vector<std::uint8_t>& read_buffer() noexcept { return read_buffer_; }

  // A session id is (generation << 32) | (slot << 8) | loop: anyone can route
  // to the loop, the loop finds the session by slot, and the generation (a
  // counter per loop) tells a reused slot from the session an old id named.
  static unsigned loop_of(channel::session_id id) noexcept { return static_cast<unsigned>(id & 0xFF); }
  static constexpr std::size_t max_slots = std::size_t{1} << 24;

 private:
  server& owner_;
  unsigned index_;
  asio::io_context context_{1};  // one thread per context: lets Asio skip locking
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  loop_stats stats_;
  // Before the sessions and connections: destroyed after them, since a
  // connection's destructor leaves the poller and the wheel.
  socket_poller poller_{context_};
  deadline_wheel deadlines_;
  asio::steady_timer deadline_timer_{context_};
  delivery_queue deliveries_{*this};
  auth::rules auth_;
  std::chrono::steady_clock::time_point last_denial_log_{};
  std::uint64_t unlogged_denials_ = 0;
  std::uint64_t next_session_seq_ = 1;
  // Owns the sessions; looked up by client id without a second copy of it
  // (the hash and equality read the session's own id).
  struct client_id_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
    // Not noexcept on purpose: libstdc++ then caches each hash in its node
    // (free: the node rounds up to the same allocation), so a lookup need
    // not re-hash the neighbours it walks past.
    std::size_t operator()(const std::unique_ptr<session>& s) const;
  };
  struct client_id_equal {
    using is_transparent = void;
    bool operator()(const std::unique_ptr<session>& a, const std::unique_ptr<session>& b) const noexcept {
      return a == b;
    }
    bool operator()(std::string_view id, const std::unique_ptr<session>& s) const noexcept;
    bool operator()(const std::unique_ptr<session>& s, std::string_view id) const noexcept {
      return (*this)(id, s);
    }
  };
  std::unordered_set<std::unique_ptr<session>, client_id_hash, client_id_equal> sessions_;
  std::vector<session*> slots_;               // by slot; null when free
  std::vector<std::uint32_t> free_slots_;
  std::unordered_set<std::shared_ptr<connection>> connections_;
  std::vector<std::uint8_t> read_buffer_;
  // The end-of-turn flush (end_turn). A round takes flush_list_ as it is and
  // writes it, max_writes_per_turn connections a turn; what asks for a flush
  // meanwhile waits in flush_list_ for the next round. A connection is freed
  // only once no list can name it: retired ones wait in retired_ until a
  // round starts, then in retiring_ until that round is written.
  std::vector<connection*> flush_list_;
  std::vector<connection*> flushing_;  // this round's
  std::size_t flushed_ = 0;            // of flushing_
  std::vector<std::shared_ptr<connection>> retired_;
  std::vector<std::shared_ptr<connection>> retiring_;
  unsigned flush_holds_ = 0;  // turns this round has waited for fan-out slices
  bool end_turn_posted_ = false;
  std::mutex inbox_mutex_;
  std::vector<std::function<void()>> inbox_;

  static constexpr std::chrono::seconds trim_interval{30};  // see tick_deadlines()
  std::chrono::steady_clock::time_point last_trim_ = std::chrono::steady_clock::now();
  // Lag of the deadline tick (overload detection), in clock ticks since the epoch.
  std::atomic<clock::rep> last_tick_{0};
  std::atomic<clock::rep> lagging_until_{0};
  void post_end_turn();
  void end_turn();
  bool hold_flush();  // whether this turn's flush should wait for the fan-out
  void tick_deadlines();
};

}  // namespace pummelo::broker
