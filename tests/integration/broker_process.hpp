// Test harness: starts a real MQTT broker (pummelo or Mosquitto) as a child
// process on a free 127.0.0.1 port and stops it again, even on failure (RAII).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pummelo::test {

enum class broker_kind { pummelo, mosquitto };

// Env PUMMELO_TEST_BROKER = "pummelo" | "mosquitto" (default mosquitto).
broker_kind kind_from_env();
const char* to_string(broker_kind k);

// Knobs common to both brokers, translated to each one's config format.
struct broker_settings {
  std::uint32_t max_queued_messages = 1000;
  std::uint32_t max_inflight_messages = 20;
  std::uint32_t max_packet_size = 0;        // 0 = broker default
  std::uint32_t sys_interval_s = 1;
  std::uint32_t connect_timeout_ms = 10000;  // pummelo only
  std::uint64_t max_write_queue_bytes = 0;   // pummelo only; 0 = default
  std::uint32_t max_keep_alive_s = 65535;
  std::uint32_t max_session_expiry_s = 0;    // 0 = no cap (pummelo only)
  std::string log_level = "info";
  std::uint32_t max_connections = 0;         // 0 = broker default
  // Further pummelo-only keys of "limits", e.g. {"max_sessions", 3}.
  std::vector<std::pair<std::string, std::uint64_t>> pummelo_limits;
  // Extra top-level members appended verbatim to pummelo's JSON config, e.g.
  // R"("uid_source": "client_id", "scheduler": {"type": "buffer"})". A
  // leading/trailing comma is tolerated. Ignored for Mosquitto.
  std::string pummelo_extra_json;
  // Security, for both brokers: a password file in Mosquitto's format, and
  // the same rules in each broker's ACL syntax (pummelo's JSON, Mosquitto's
  // acl_file). Empty: none.
  bool allow_anonymous = true;
  std::string password_file;
  std::string pummelo_acl_file;
  std::string mosquitto_acl_file;
  // A second listener, speaking TLS on tls_port(), for both brokers (PEM
  // files; Mosquitto's cafile/certfile/keyfile/require_certificate/
  // use_identity_as_username). Unset: plain TCP only.
  struct tls_listener {
    std::string cert_file;
    std::string key_file;
    std::string ca_file;  // "" = none
    bool require_client_cert = false;
    bool use_identity_as_username = false;
  };
  std::optional<tls_listener> tls;
};

class broker_process {
 public:
  // Picks a free port (two with settings.tls), writes the config into a
  // fresh temp dir, starts the broker with stdout/stderr going to a log file
  // in that dir and waits (10 s at most) until the ports accept TCP. Throws std::runtime_error carrying
  // the log's tail if the broker does not come up.
  explicit broker_process(broker_kind k, const broker_settings& s = {});
  ~broker_process();  // SIGTERM, up to 5 s, then SIGKILL; removes the temp dir

  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;

  // SIGTERM and wait (5 s, then SIGKILL). Returns the exit status if the
  // broker exited by itself, -1 if it was killed by a signal or not running.
  int terminate();

  std::uint16_t port() const { return port_; }
  std::uint16_t tls_port() const { return tls_port_; }  // 0 without settings.tls
  std::string uri() const;  // "tcp://127.0.0.1:PORT"
  broker_kind kind() const { return kind_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  std::string log_text() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void write_config(const broker_settings& s);
  void spawn();
  void wait_until_listening();
  std::string log_tail(std::size_t max_bytes = 4000) const;

  broker_kind kind_;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
  std::filesystem::path dir_;
  std::filesystem::path config_;
  std::filesystem::path log_;
};

// Starts args[0] with args, stdout and stderr appended to `log`, stdin from
// /dev/null, and SIGKILL if the test process dies. Returns its pid; throws
// std::runtime_error when fork fails.
pid_t spawn_logged(std::vector<std::string> args, const std::filesystem::path& log);

// Binds 127.0.0.1:0, reads the port the kernel chose and closes the socket.
std::uint16_t pick_free_port();

// A loopback port held bound but not listening while this lives: a connect
// to it is refused, and no other process can start listening on it meanwhile.
class refusing_port {
 public:
  refusing_port();
  ~refusing_port();
  refusing_port(const refusing_port&) = delete;
  refusing_port& operator=(const refusing_port&) = delete;
  std::uint16_t port() const noexcept { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace pummelo::test
