// The roles of this process, assembled from the topology: a frontend
// (always present: a process with MQTT listeners serves sessions), a channel
// server when configured, the ports between them (in-process calls when both
// ends are here, RPC links otherwise), and the gate's view of which
// frontends are alive.
//
// The standalone default is a cluster of one whose ports are all local: the
// same frontend and channel-server code runs, without links.
#pragma once

#include <asio/io_context.hpp>
#include <atomic>
#include <functional>
#include <string>
#include <memory>
#include <optional>
#include <vector>

#include "cluster/channel_node.hpp"
#include "cluster/frontend_node.hpp"
#include "cluster/local_ports.hpp"
#include "cluster/remote_ports.hpp"
#include "cluster/topology.hpp"
#include "rpc/client.hpp"
#include "rpc/listener.hpp"

namespace pummelo::broker {
class server;
}

namespace pummelo::broker::cluster {

/// One of this server's links to another, for the admin API's status.
struct link_state {
  std::string peer;  // the other server's id
  bool up = false;
};

/// Answers the admin API's requests carried by method::admin (`relayed`
/// false: this server's part only) and method::admin_relay (true: the whole
/// command).
using admin_handler =
    std::function<void(bool relayed, std::string request_json, rpc::responder respond)>;

struct link_totals {
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};

class services {
 public:
  services(server& srv, const config& c);
  ~services();
  services(const services&) = delete;
  services& operator=(const services&) = delete;

  /// Opens the RPC listener and the links, on `io` (one loop runs every
  /// link). Throws std::system_error when the RPC port cannot be bound.
  void start(asio::io_context& io);
  /// Closes links and listeners; runs on `io`'s thread.
  void stop();

  const topology& topo() const noexcept { return topo_; }
  frontend_node& frontend() noexcept { return frontend_; }
  channel_node* channel() noexcept { return channel_.get(); }

  /// The gate's answer for `uid`: the first live frontend on the ring.
  std::optional<node_index> pick_frontend(std::string_view uid) const;

  /// Counters of this frontend's links to channel servers (loop 0 only).
  link_totals links() const;
  /// This server's links to channel servers (as a frontend) and from
  /// frontends (as a channel server). Loop 0 only.
  std::vector<link_state> link_states() const;
  /// "host:port" of this server's RPC listener, "" when it has none.
  std::string rpc_address() const;
  /// Options for a short-lived link of the admin API to another server.
  rpc::client_options admin_link_options() const;
  /// Who answers method::admin; set before start().
  void set_admin_handler(admin_handler h) { admin_ = std::move(h); }

 private:
  bool from_gate(const std::weak_ptr<rpc::link>& from) const;  // its admin link, by hello id
  void on_frontend_request(const std::weak_ptr<rpc::link>& from, std::uint16_t method,
                           std::span<const std::uint8_t> payload, rpc::responder respond);

  server& srv_;
  const config& cfg_;
  admin_handler admin_;
  topology topo_;
  frontend_node frontend_;
  std::unique_ptr<channel_node> channel_;
  asio::io_context* io_ = nullptr;

  std::unique_ptr<local_channel_port> local_channel_;
  std::unique_ptr<local_frontend_port> local_frontend_;
  std::vector<std::unique_ptr<remote_channel_port>> remote_channels_;    // by channel server index
  std::vector<std::unique_ptr<remote_frontend_port>> remote_frontends_;  // by frontend index
  std::unique_ptr<rpc::listener> listener_;
  std::vector<std::unique_ptr<rpc::client>> watchers_;  // the gate's links to frontends
  std::unique_ptr<std::atomic<bool>[]> frontend_alive_;
};

}  // namespace pummelo::broker::cluster
