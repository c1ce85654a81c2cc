// One event loop per core. Each loop runs on its own thread and owns the
// connections and sessions pinned to it, so their state needs no locks; other
// loops reach them only by posting work to this loop.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pummelo/channel/topic_tree.hpp"
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
    for (auto& [id, s] : sessions_by_id_) f(*s);
  }

  // Connections running on this loop, kept for shutdown.
  void add_connection(const std::shared_ptr<connection>& c) { connections_.insert(c); }
  void remove_connection(const std::shared_ptr<connection>& c) { connections_.erase(c); }
  /// Closes every connection (v5: DISCONNECT 0x8B) and stops the loop.
  void shut_down();

  /// Scratch buffer for socket reads: connections share it, so an idle
  /// connection holds no read buffer of its own.
  std::vector<std::uint8_t>& read_buffer() noexcept { return read_buffer_; }

  // Session ids carry their loop in the low byte so anyone can route to them.
  static unsigned loop_of(channel::session_id id) noexcept { return static_cast<unsigned>(id & 0xFF); }

 private:
  server& owner_;
  unsigned index_;
  asio::io_context context_{1};  // one thread per context: lets Asio skip locking
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  loop_stats stats_;
  std::uint64_t next_session_seq_ = 1;
  std::unordered_map<std::string, std::unique_ptr<session>> sessions_by_client_;
  std::unordered_map<channel::session_id, session*> sessions_by_id_;
  std::unordered_set<std::shared_ptr<connection>> connections_;
  std::vector<std::uint8_t> read_buffer_;
};

}  // namespace pummelo::broker
