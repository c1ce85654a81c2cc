#include "cluster/topology.hpp"

#include "pummelo/protocol/topic.hpp"

namespace pummelo::broker::cluster {

std::string_view routing_filter(std::string_view filter) noexcept {
  auto split = protocol::split_shared(filter);
  return split.group.empty() ? filter : split.filter;
}

bool has_wildcard(std::string_view filter) noexcept {
  return filter.find_first_of("+#") != std::string_view::npos;
}

topology::topology(const config& c) : clustered_(c.cluster.has_value()), self_id_(c.server_id) {
  if (clustered_) {
    frontends_ = c.cluster->frontends;
    channel_servers_ = c.cluster->channel_servers;
    for (const auto& g : c.cluster->gates)
      if (g.id == self_id_) gate_ = true;
  } else {
    // A cluster of one: every role here, reached in-process.
    cluster_server self;
    self.id = c.server_id;
    if (!c.listeners.empty()) {
      self.host = c.listeners.front().host;
      self.mqtt_port = c.listeners.front().port;
    }
    frontends_.push_back(self);
    channel_servers_.push_back(self);
    gate_ = true;
  }
  for (node_index i = 0; i < frontends_.size(); ++i) {
    frontend_by_id_.emplace(frontends_[i].id, i);
    frontend_ring_.add(frontends_[i].id);
    if (frontends_[i].id == self_id_) self_frontend_ = i;
  }
  for (node_index i = 0; i < channel_servers_.size(); ++i) {
    channel_by_id_.emplace(channel_servers_[i].id, i);
    channel_ring_.add(channel_servers_[i].id);
    if (channel_servers_[i].id == self_id_) self_channel_ = i;
  }
}

std::optional<node_index> topology::frontend_index(std::string_view id) const {
  auto it = frontend_by_id_.find(std::string(id));
  if (it == frontend_by_id_.end()) return std::nullopt;
  return it->second;
}

node_index topology::owner(std::string_view key) const {
  if (channel_servers_.size() == 1) return 0;
  return channel_by_id_.at(*channel_ring_.owner(key));
}

std::vector<node_index> topology::holders(std::string_view filter) const {
  auto f = routing_filter(filter);
  if (!has_wildcard(f)) return {owner(f)};
  std::vector<node_index> all(channel_servers_.size());
  for (node_index i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

std::vector<node_index> topology::frontends_for(std::string_view uid) const {
  std::vector<node_index> out;
  for (const auto& id : frontend_ring_.owners(uid, frontends_.size()))
    out.push_back(frontend_by_id_.at(id));
  return out;
}

}  // namespace pummelo::broker::cluster
