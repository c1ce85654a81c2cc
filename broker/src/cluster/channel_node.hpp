// The channel server role: pomelo's ChannelService for the channels, uids
// and client ids this server owns (see topology), and the fan-out of a
// publish or push as one call per frontend (sendMessageByGroup).
//
// State per channel: its members (uid, frontend) for the admin views and
// counts, and, for routing, a topic tree of filters whose "sessions" are
// frontend indexes: matching a topic yields the frontends to send to, so
// what crosses to a frontend is the message, never the member list.
//
// Thread-safe: a shared mutex, shared while matching a publish. Ports are
// always called with no lock held.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/client_claims.hpp"
#include "cluster/ports.hpp"
#include "cluster/topology.hpp"
#include "pummelo/channel/channel_service.hpp"
#include "pummelo/channel/topic_tree.hpp"
#include "pummelo/channel/uid_directory.hpp"

namespace pummelo::broker::cluster {

struct channel_node_stats {
  std::atomic<std::uint64_t> deliver_calls{0};  // one per frontend per publish
  std::atomic<std::uint64_t> push_calls{0};     // one per frontend per push
  std::atomic<std::uint64_t> frontends_dropped{0};
  // Calls to frontends that failed (link down, overloaded, timed out): the
  // message was accepted but did not reach that frontend.
  std::atomic<std::uint64_t> frontend_calls_failed{0};
};

/// The admin API's views of the channels (pummeloctl channels ...).
struct channel_summary {
  std::string name;
  std::size_t members = 0;    // (uid, frontend) memberships
  std::size_t frontends = 0;  // frontends holding members
};
struct channel_listing {
  std::vector<channel_summary> channels;  // sorted by name, at most the limit
  // Matching channels this server is the first holder of: summed over the
  // channel servers, each channel counts once although a filter with a
  // wildcard is held by every channel server.
  std::size_t total = 0;
};
struct channel_members_on {
  std::string frontend;
  std::size_t members = 0;
  std::vector<std::string> uids;  // sorted, at most the limit
};

class channel_node {
 public:
  explicit channel_node(const topology& t);

  /// Where to reach frontend `i`; set once before use. Not owned.
  void set_frontend(node_index i, frontend_port* p) { ports_.at(i) = p; }

  void apply(node_index frontend, std::span<const sync_op> ops);
  /// Frontend `f` is gone: forget its members, uids and client ids, so
  /// pushes report its uids failed until it registers them again.
  void drop_frontend(node_index f);

  void publish(const message_ptr& m);
  void push(push_mode mode, const message_ptr& m, std::vector<std::string> uids, push_done done);

  std::size_t channel_count() const;
  std::size_t uid_count() const;
  /// Channels whose names start with `prefix`, at most `limit` of them;
  /// those starting with '$' only when `prefix` does.
  channel_listing list_channels(std::string_view prefix, std::size_t limit) const;
  /// The channel's members grouped by frontend (at most `limit` uids listed
  /// per frontend), or nullopt when it has none here.
  std::optional<std::vector<channel_members_on>> channel_members(std::string_view name,
                                                                 std::size_t limit) const;
  const channel_node_stats& stats() const noexcept { return stats_; }
  std::atomic<std::uint64_t>& failure_counter() noexcept { return stats_.frontend_calls_failed; }

 private:
  void join(node_index f, const std::string& filter, const std::string& member);
  void leave(node_index f, const std::string& filter, const std::string& member);
  void route_ref(node_index f, std::string_view filter, int delta);

  const topology& topo_;
  std::vector<frontend_port*> ports_;
  mutable std::shared_mutex mutex_;
  channel::channel_service channels_;
  channel::topic_tree routes_;
  // filter + '\0' + frontend index -> members of that channel on f
  std::unordered_map<std::string, std::uint32_t> members_on_;
  // routing filter + '\0' + frontend index -> channels of f contributing
  std::unordered_map<std::string, std::uint32_t> route_refs_;
  channel::uid_directory uids_;
  client_claims clients_;  // client id -> the frontend holding its session
  channel_node_stats stats_;
};

}  // namespace pummelo::broker::cluster
