// The broker's configuration, read from JSON (conf/pummelo.json documents it).
// Every limit lives here with its default; load_config() rejects unknown keys
// and out-of-range values with a message naming the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "log.hpp"

namespace pummelo::broker {

/// A listener's TLS settings (README "Configuration"). Relative paths are
/// resolved against the config file's directory.
struct tls_config {
  std::string cert_file;             // PEM: the server certificate, then any intermediates
  std::string key_file;              // PEM: its private key
  std::string ca_file;               // PEM: CAs that client certificates must chain to; "" = none
  bool require_client_cert = false;  // refuse clients without a valid certificate
  bool use_identity_as_username = false;  // the certificate's CN is the MQTT username
};

struct listener_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::optional<tls_config> tls = std::nullopt;  // absent: plain TCP
};

struct limits_config {
  std::uint32_t max_connections = 100'000;
  std::uint32_t max_packet_size = 1024 * 1024;
  std::uint32_t max_connect_packet_size = 64 * 1024;
  std::uint16_t max_topic_length = 65535;
  std::uint16_t max_topic_levels = 128;
  std::uint32_t max_subscriptions_per_packet = 128;
  std::uint32_t max_user_properties = 64;
  std::uint16_t max_inflight_messages = 20;  // per session, outgoing QoS 1/2
  std::uint32_t max_queued_messages = 1000;  // per session, beyond the inflight window
  std::uint64_t max_queued_bytes = 16 * 1024 * 1024;  // per session: topic + payload bytes
  std::uint32_t max_subscriptions_per_session = 1000;
  std::uint32_t max_sessions = 1'000'000;  // online and offline together
  std::uint64_t max_write_queue_bytes = 4 * 1024 * 1024;  // per connection
  std::uint16_t max_keep_alive_s = 65535;
  std::uint32_t max_session_expiry_s = 0xFFFFFFFF;  // 0xFFFFFFFF = never expires
  std::uint16_t topic_alias_maximum = 16;  // aliases a v5 client may set
  std::uint32_t max_retained_messages = 100'000;
  std::uint16_t max_incoming_qos2 = 100;  // our v5 receive maximum
  std::uint32_t max_push_uids = 10'000;   // uids in one $push request
  std::uint32_t max_push_jobs = 64;       // $push requests being carried out at once
  // Connections from one source address; 0 = no limit. Off by default: many
  // devices share an address behind carrier NAT, and counting costs a table
  // entry per address.
  std::uint32_t max_connections_per_address = 0;
  // New connections accepted per second (a token bucket of connect_burst):
  // past it a reconnect storm waits in the kernel's accept queue and is let
  // in at this pace, instead of being refused or starving the loops. 0 = no limit.
  std::uint32_t connect_rate = 0;
  std::uint32_t connect_burst = 1000;
  // PUBLISH packets one connection may send per second (bucket: one second's
  // worth); past it the connection is not read until it may go on, so TCP
  // slows the client down and nothing is lost. 0 = no limit.
  std::uint32_t max_publish_rate = 0;
};

/// Shedding load before existing sessions suffer.
struct overload_config {
  // A loop that runs this late is overloaded; 0 disables shedding. While
  // any is (and shed_for_ms after), new CONNECTs get CONNACK 0x89 "server
  // busy" (3.1.1: 3 "server unavailable") and are closed.
  std::uint32_t max_loop_lag_ms = 1000;
  std::uint32_t shed_for_ms = 1000;
};

enum class uid_source : std::uint8_t { username, client_id };

/// How a connection's outgoing packets are flushed (pomelo's schedulers).
struct scheduler_config {
  enum class kind : std::uint8_t { direct, buffer } type = kind::direct;
  std::uint32_t flush_interval_ms = 20;        // buffer: pending pushes leave together
  std::uint32_t max_buffered_messages = 1000;  // buffer: QoS 0 PUBLISHes waiting per connection
  // Sessions one loop hands a fan-out to before it lets its other work (pings,
  // CONNECTs, link heartbeats) run; the rest follows in later turns, in
  // order (delivery_queue). 0 = a fan-out in one turn. Without slicing a
  // push to every device of a big frontend holds its loop, and the cluster
  // link's heartbeats on it, for the whole fan-out.
  std::uint32_t max_deliveries_per_turn = 4096;
  // Connections one loop writes to in a turn (the end-of-turn flush); the
  // rest are written in later turns. 0 = all of them in one turn.
  std::uint32_t max_writes_per_turn = 1024;
  // Turns the flush waits while fan-out slices are still queued, so that a
  // connection's messages from a burst leave in one write instead of one
  // write per slice (5x the system calls, measured). 0 = never wait.
  std::uint32_t max_flush_holds = 8;
};

/// Servers per role list at most (indexes are 16-bit on the wire).
inline constexpr std::size_t max_cluster_servers = 4096;

/// One server of a cluster (pomelo's servers.json entry).
struct cluster_server {
  std::string id;
  std::string host = "127.0.0.1";
  std::uint16_t mqtt_port = 0;  // frontends and gates
  std::uint16_t rpc_port = 0;   // frontends and channel servers
};

/// The internal RPC links between servers (rpc::link_options).
struct rpc_config {
  std::uint32_t call_timeout_ms = 5000;
  // Membership syncs are answered late when a channel server is busy (a
  // storm of joins), not lost: heartbeats find a lost peer. Timing them out
  // early would relink, and the re-sent state would make the storm worse.
  std::uint32_t sync_timeout_ms = 60000;
  // One sync call's ops, in bytes: small enough that a channel server
  // handles one in milliseconds and answers other frames (heartbeats) in
  // between; at most half of max_frame_size. 0: min(256 KiB, that half).
  std::uint32_t max_sync_batch_bytes = 0;
  std::uint32_t sync_batch_bytes() const noexcept {
    const std::uint32_t half = max_frame_size / 2;
    if (max_sync_batch_bytes != 0) return max_sync_batch_bytes;
    return half < (256u << 10) ? half : (256u << 10);
  }
  std::uint32_t heartbeat_interval_ms = 1000;
  std::uint32_t heartbeat_timeout_ms = 5000;
  std::uint32_t max_queued_requests = 65536;       // per link, unwritten
  std::uint64_t max_queued_bytes = 64ull << 20;    // per link, unwritten requests
  std::uint64_t max_write_queue_bytes = 256ull << 20;  // per link, all output
  std::uint32_t max_frame_size = 16u << 20;
  std::uint32_t max_pending_calls = 1u << 20;      // per link, awaiting a response
  // Per channel server: membership changes a frontend holds before sending;
  // beyond it the frontend relinks and sends its whole state afresh.
  std::uint32_t max_sync_backlog = 1u << 20;
};

/// Roles and addresses of every server (conf/cluster.json). Absent: one
/// process holds every role (the standalone default).
struct cluster_config {
  std::vector<cluster_server> frontends;
  std::vector<cluster_server> channel_servers;
  std::vector<cluster_server> gates;
  bool redirect = false;  // CONNACK 0x9C to v5 clients on the wrong frontend
  rpc_config rpc;
};

/// The roles this process runs.
struct roles_config {
  bool frontend = true;
  bool channel = true;
  bool gate = true;
};

/// Who may connect, and to which topics (README "Securing pummelo").
struct auth_config {
  // Relative paths are resolved against the config file's directory.
  std::string password_file;  // Mosquitto's format (mosquitto_passwd, pummelo-passwd); "" = none
  std::string acl_file;       // JSON rules (conf/secure/acl.json); "" = every topic open to all
  // Failed logins from one source address: after this many, each further
  // CONNECT from it waits before its credentials are even looked at, twice as
  // long each time up to max_failure_delay_ms; forgotten after failure_window_s.
  std::uint32_t failures_before_delay = 3;
  std::uint32_t max_failure_delay_ms = 5000;
  std::uint32_t failure_window_s = 600;
  std::uint32_t max_tracked_addresses = 65536;  // addresses with recent failures
};

struct config {
  log_level level = log_level::info;
  std::string server_id = "pummelo";  // this process's frontend id
  uid_source uid_from = uid_source::username;
  scheduler_config scheduler;
  unsigned threads = 0;  // 0 = one event loop per core
  std::vector<listener_config> listeners{listener_config{}};
  // Unset: anonymous clients are allowed only when every MQTT listener is on
  // a loopback address (the quick start); an exposed broker needs a login.
  std::optional<bool> allow_anonymous;
  bool anonymous_allowed() const noexcept;
  auth_config auth;
  limits_config limits;
  overload_config overload;
  std::uint32_t connect_timeout_ms = 10'000;
  std::uint32_t sys_interval_s = 10;  // 0 disables $SYS
  std::optional<cluster_config> cluster;
  roles_config roles;  // set by select_server() in a cluster
};

struct config_result {
  std::optional<config> value;
  std::string error;  // names the offending key when value is empty
};

/// Reads and validates a JSON config file; auth file paths are made relative
/// to its directory.
config_result load_config_file(const std::string& path);

/// Picks this process's server in a cluster config: sets server_id, roles
/// and the MQTT listeners (a frontend's and a gate's mqtt_port). Without a
/// cluster section, `id` (if not empty) only renames the server. Returns an
/// error text, empty on success.
std::string select_server(config& c, const std::string& id);

/// Validates JSON text (used by load_config_file and by tests).
config_result parse_config(const std::string& json_text);

}  // namespace pummelo::broker
