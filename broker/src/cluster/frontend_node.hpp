// The frontend role: this process's MQTT sessions as the channel servers
// see them. It reports membership changes (first session of a member in a
// channel, first session of a uid, a client id's session) to the channel
// servers holding them, hands each publish to the owner of its topic, and
// carries out what channel servers ask: deliver a message to the local
// subscribers, push to or kick local uids, end a session taken over
// elsewhere.
//
// Membership changes are reported under one mutex, so that the reports for
// one key reach a channel server in the order they happened; after a
// channel server restarts (a new link), the whole state is sent again.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "channel_registry.hpp"
#include "cluster/ports.hpp"
#include "cluster/sync_barrier.hpp"
#include "cluster/topology.hpp"

namespace pummelo::broker {
class server;
class session;
}

namespace pummelo::broker::cluster {

struct frontend_stats {
  std::atomic<std::uint64_t> publishes_refused{0};  // owner down or overloaded
};

class frontend_node {
 public:
  frontend_node(server& srv, const topology& t);

  /// Where channel server `i` is reached; set once before use. Not owned.
  void set_channel_port(node_index i, channel_port* p) { ports_.at(i) = p; }

  // Membership, from any loop thread. `b` (may be null) waits for the
  // channel servers to confirm a new membership.
  void join(const std::string& filter, const std::string& member, sync_barrier* b);
  void leave(const std::string& filter, const std::string& member);
  void bind_uid(const std::string& uid, channel::session_id s, sync_barrier* b = nullptr);
  void unbind_uid(const std::string& uid, channel::session_id s);
  /// Session `s` holds its client id here now: a session with that id on
  /// another frontend is taken over. Only reported with several frontends;
  /// sets s.claim_stamp (0 when there is a single frontend). From the
  /// session's loop thread.
  void claim(session& s);
  /// `s` ends: its claim is withdrawn unless a newer session of the same
  /// client id here has claimed since. Before `s` is freed.
  void release(session& s);

  /// Channel server `cs` has a new link: under the membership mutex, hands
  /// `restart` every op it should hold (after a reset), so that no change is
  /// reported before or lost between the snapshot and later ones.
  void resync(node_index cs, const std::function<void(std::vector<sync_op>)>& restart);

  /// A client's (or will's, or push reply's) message: to the owner of its
  /// topic. $SYS stays on this server. `done` (may be empty) gets whether
  /// the owner accepted it.
  void publish(const message_ptr& m, done_fn done);
  /// $push requests: uids grouped by the channel server owning each;
  /// broadcast through the owner of the topic.
  void push(push_mode mode, const message_ptr& m, std::vector<std::string> uids, push_done done);

  // Requests from channel servers.
  void deliver(const message_ptr& m, std::uint8_t flags);
  void deliver_uids(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                    push_done done);
  void takeover(const std::string& client_id, std::uint64_t stamp);

  channel_registry& registry() noexcept { return registry_; }
  const topology& topo() const noexcept { return topo_; }
  const frontend_stats& stats() const noexcept { return stats_; }
  void count_refused_publish() noexcept {
    stats_.publishes_refused.fetch_add(1, std::memory_order_relaxed);
  }
  /// Channel servers this frontend has a live link (or in-process path) to.
  std::size_t channel_servers_up() const;

 private:
  void emit(node_index cs, sync_op op, sync_barrier* b);
  void store_and_route(const message_ptr& m, std::uint8_t flags);
  static void count_frame();

  server& srv_;
  const topology& topo_;
  std::vector<channel_port*> ports_;
  std::mutex mutex_;  // orders membership reports (see file comment)
  channel_registry registry_;
  // The sessions holding a claim (with several frontends only), at most one
  // per client id, which is also the key: the session has the id and the
  // stamp, so an entry is a pointer and its hash (~40 B a session, against
  // ~105 B for an id -> stamp map that copied the id).
  struct by_client_id {
    // Not noexcept: libstdc++ then keeps each node's hash, so a lookup or
    // rehash under the mutex does not re-read other loops' sessions' ids.
    std::size_t operator()(const session* s) const;
    bool operator()(const session* a, const session* b) const noexcept;
  };
  std::unordered_set<session*, by_client_id, by_client_id> claimed_;
  std::uint64_t next_stamp_ = 1;
  frontend_stats stats_;
};

}  // namespace pummelo::broker::cluster
