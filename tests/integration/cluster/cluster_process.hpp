// Test harness for pummelo's cluster mode: one pummelo process per server
// (frontends, channel servers, one gate), all on free 127.0.0.1 ports, sharing
// one generated config file. Every server logs to its own file in a temp dir.
// The destructor stops every server (SIGTERM, then SIGKILL), even when the
// test failed, and prints the log tails if the current test failed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pummelo::test {

struct cluster_options {
  int frontends = 2;        // frontend-1 .. frontend-N
  int channel_servers = 2;  // channel-1 .. channel-M
  bool gate = true;         // one server "gate"
  bool redirect = false;    // cluster.redirect
  std::string log_level = "info";
  unsigned threads = 1;
  unsigned sys_interval_s = 1;
  // Further top-level members, e.g. R"("uid_source": "client_id")".
  std::string extra_json;
};

enum class server_role { frontend, channel, gate };

struct server_info {
  std::string id;
  server_role role = server_role::frontend;
  std::uint16_t mqtt_port = 0;  // frontends and the gate
  std::uint16_t rpc_port = 0;   // frontends and channel servers
  pid_t pid = -1;
  std::filesystem::path log;
};

// Failed doctest assertions so far (bumped by the listener in main.cpp); the
// cluster dumps its logs when this grew during its lifetime.
long& cluster_failed_asserts();

class cluster_process {
 public:
  using duration = std::chrono::milliseconds;

  // Writes the config, starts every server and waits until all are ready
  // (see wait_ready). Throws std::runtime_error with log tails on failure.
  explicit cluster_process(const cluster_options& o = {});
  ~cluster_process();

  cluster_process(const cluster_process&) = delete;
  cluster_process& operator=(const cluster_process&) = delete;

  // SIGKILL one server and reap it; for a channel server, also wait until
  // every running frontend has seen it go (its $SYS count drops).
  void kill9(const std::string& id);
  // Starts a stopped/killed server again (same ports, same config) and waits
  // until it is ready; a restarted channel server also waits until every
  // running frontend counts all channel servers connected again.
  void restart(const std::string& id);
  // SIGTERM to every running server, wait (5 s in all), SIGKILL the rest.
  // Returns id -> exit status (0..255), or -1 when it had to be killed or
  // died by a signal. Servers already stopped are not listed.
  std::map<std::string, int> stop();

  // Readiness of one running server:
  //  - its ports accept TCP;
  //  - a frontend: its retained $SYS/broker/cluster/channel-servers/connected
  //    reads the number of channel servers;
  //  - the gate: $gate/lookup answers ok and, over enough uids, names every
  //    running frontend.
  void wait_ready(const std::string& id, duration timeout = std::chrono::seconds(15));
  // Every running frontend counts all channel servers connected.
  void wait_frontends_connected(duration timeout = std::chrono::seconds(15));

  bool running(const std::string& id) const;
  std::string uri(const std::string& id) const;  // "tcp://127.0.0.1:MQTT_PORT"
  const server_info& server(const std::string& id) const;
  std::vector<std::string> frontend_ids() const;
  std::vector<std::string> channel_ids() const;
  std::string gate_id() const { return "gate"; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& config_path() const { return config_; }
  const cluster_options& options() const { return opts_; }

  std::string log_text(const std::string& id) const;
  std::string log_tail(const std::string& id, std::size_t max_bytes = 3000) const;
  // Tails of every server's log, each under a header line.
  std::string all_log_tails(std::size_t max_bytes_each = 3000) const;
  // Appends a harness marker line to a server's log (e.g. before an action).
  void mark_log(const std::string& id, const std::string& text) const;

 private:
  void assign_ports();
  void write_config() const;
  void spawn(server_info& s);
  void start_all();
  server_info& find(const std::string& id);
  int reap_with_deadline(server_info& s, std::chrono::steady_clock::time_point deadline);
  void check_alive(server_info& s, const char* what);
  void wait_ports(server_info& s, std::chrono::steady_clock::time_point deadline);
  // Until the frontend's $SYS count of linked channel servers reads all of
  // them (all) or fewer (!all).
  void wait_frontend_sys(server_info& s, std::chrono::steady_clock::time_point deadline,
                         bool all = true);
  void wait_gate_answers(server_info& s, std::chrono::steady_clock::time_point deadline);

  cluster_options opts_;
  std::vector<server_info> servers_;
  std::filesystem::path dir_;
  std::filesystem::path config_;
  long failed_at_start_ = 0;
};

// A free TCP port on 127.0.0.1 outside the kernel's ephemeral range, so that
// no outgoing connection (e.g. an RPC link) can take it while its server is
// down between kill9() and restart(). Never returns a port in `taken`.
std::uint16_t pick_cluster_port(const std::vector<std::uint16_t>& taken);

// True when 127.0.0.1:port accepts a TCP connection.
bool tcp_port_accepts(std::uint16_t port);

}  // namespace pummelo::test
