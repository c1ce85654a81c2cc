// Who is who in the cluster, and who owns what. Every process computes the
// same answers from the same config: channel servers own channels, uids and
// client ids by consistent hashing of the key (channel::hash_ring), so
// adding a channel server moves only about 1/n of them.
//
// The standalone default is a cluster of one: this process is frontend 0 and
// channel server 0, reached by in-process calls.
//
// Immutable after construction: safe to read from every thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config.hpp"
#include "pummelo/channel/hash_ring.hpp"

namespace pummelo::broker::cluster {

using node_index = std::uint16_t;

class topology {
 public:
  explicit topology(const config& c);

  bool clustered() const noexcept { return clustered_; }
  const std::vector<cluster_server>& frontends() const noexcept { return frontends_; }
  const std::vector<cluster_server>& channel_servers() const noexcept { return channel_servers_; }

  /// This process's index among the frontends / channel servers, if it has
  /// that role.
  std::optional<node_index> self_frontend() const noexcept { return self_frontend_; }
  std::optional<node_index> self_channel() const noexcept { return self_channel_; }
  bool is_gate() const noexcept { return gate_; }
  const std::string& self_id() const noexcept { return self_id_; }

  std::optional<node_index> frontend_index(std::string_view id) const;

  /// The channel server owning a uid, a client id, or an exact channel.
  node_index owner(std::string_view key) const;
  /// The channel servers holding a channel: a filter with a wildcard is kept
  /// by every channel server, since a publish goes only to the owner of its
  /// topic and that owner must see every filter matching it. A shared
  /// filter "$share/g/F" is placed like F.
  std::vector<node_index> holders(std::string_view filter) const;

  /// Frontends in preference order for a uid (the gate's answer is the
  /// first live one); ring over the frontend ids.
  std::vector<node_index> frontends_for(std::string_view uid) const;

 private:
  bool clustered_;
  std::vector<cluster_server> frontends_;
  std::vector<cluster_server> channel_servers_;
  std::optional<node_index> self_frontend_;
  std::optional<node_index> self_channel_;
  bool gate_ = false;
  std::string self_id_;
  channel::hash_ring channel_ring_;
  channel::hash_ring frontend_ring_;
  std::unordered_map<std::string, node_index> channel_by_id_;
  std::unordered_map<std::string, node_index> frontend_by_id_;
};

/// "$share/g/a/b" -> "a/b"; other filters unchanged.
std::string_view routing_filter(std::string_view filter) noexcept;
bool has_wildcard(std::string_view filter) noexcept;

}  // namespace pummelo::broker::cluster
