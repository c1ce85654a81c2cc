#include "cluster_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cluster_support.hpp"

namespace pummelo::test {

namespace {

using clock_type = std::chrono::steady_clock;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool port_bindable(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in a = loopback(port);
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::pair<unsigned, unsigned> ephemeral_range() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned lo = 32768, hi = 60999;
  if (in) in >> lo >> hi;
  return {lo, hi};
}

std::string trim_members(const std::string& in) {
  const char* junk = " \t\r\n,";
  const auto first = in.find_first_not_of(junk);
  if (first == std::string::npos) return {};
  return in.substr(first, in.find_last_not_of(junk) - first + 1);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

const char* role_name(server_role r) {
  switch (r) {
    case server_role::frontend: return "frontend";
    case server_role::channel: return "channel server";
    case server_role::gate: return "gate";
  }
  return "?";
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

long& cluster_failed_asserts() {
  static long n = 0;
  return n;
}

bool tcp_port_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in a = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::uint16_t pick_cluster_port(const std::vector<std::uint16_t>& taken) {
  static std::mt19937 rng(std::random_device{}());
  const auto [eph_lo, eph_hi] = ephemeral_range();
  // Below the ephemeral range when there is room, else above it.
  unsigned lo = 20000, hi = 32000;
  if (eph_lo <= lo + 2000) {
    lo = eph_hi + 1;
    hi = 65000;
  } else if (eph_lo < hi) {
    hi = eph_lo - 1;
  }
  std::uniform_int_distribution<unsigned> dist(lo, hi);
  for (int i = 0; i < 1000; ++i) {
    const auto p = static_cast<std::uint16_t>(dist(rng));
    if (std::find(taken.begin(), taken.end(), p) != taken.end()) continue;
    if (port_bindable(p)) return p;
  }
  throw std::runtime_error("no free port found in [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "]");
}

cluster_process::cluster_process(const cluster_options& o)
    : opts_(o), failed_at_start_(cluster_failed_asserts()) {
  // PUMMELO_CLUSTER_LOG_LEVEL (e.g. "debug") overrides every case's level.
  if (const char* level = std::getenv("PUMMELO_CLUSTER_LOG_LEVEL"); level != nullptr && *level)
    opts_.log_level = level;
  if (o.frontends < 1 || o.channel_servers < 1)
    throw std::invalid_argument("a cluster needs a frontend and a channel server");
  std::string templ = (std::filesystem::temp_directory_path() / "pummelo-cluster-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  config_ = dir_ / "cluster.json";
  for (int i = 1; i <= o.frontends; ++i)
    servers_.push_back({"frontend-" + std::to_string(i), server_role::frontend, 0, 0, -1, {}});
  for (int i = 1; i <= o.channel_servers; ++i)
    servers_.push_back({"channel-" + std::to_string(i), server_role::channel, 0, 0, -1, {}});
  if (o.gate) servers_.push_back({"gate", server_role::gate, 0, 0, -1, {}});
  for (auto& s : servers_) s.log = dir_ / (s.id + ".log");

  // A port picked free may be taken before its server binds it; then the
  // whole cluster is started again on new ports.
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    assign_ports();
    write_config();
    try {
      start_all();
      return;
    } catch (const std::exception& e) {
      last_error = e.what();
      for (auto& s : servers_) {
        if (s.pid > 0) {
          ::kill(s.pid, SIGKILL);
          reap_with_deadline(s, clock_type::now() + std::chrono::seconds(5));
        }
      }
      // A port clash shows in the log; anything else will not go away.
      bool port_clash = false;
      for (auto& s : servers_) {
        const std::string text = log_text(s.id);
        if (text.find("in use") != std::string::npos ||
            text.find("EADDRINUSE") != std::string::npos)
          port_clash = true;
        mark_log(s.id,
                 "---- harness: start-up attempt " + std::to_string(attempt + 1) + " failed ----");
      }
      if (!port_clash) break;
    }
  }
  if (std::getenv("PUMMELO_TEST_KEEP_DIR") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  } else {
    std::cerr << "cluster did not start; logs kept in " << dir_ << "\n";
  }
  throw std::runtime_error("cluster did not start: " + last_error);
}

cluster_process::~cluster_process() {
  const bool failed =
      cluster_failed_asserts() != failed_at_start_ || std::uncaught_exceptions() > 0;
  try {
    stop();
  } catch (...) {
  }
  if (failed) {
    std::cerr << "==== cluster logs (test failed; config " << config_ << ") ====\n"
              << all_log_tails(6000) << "==== end of cluster logs ====\n";
  }
  if (std::getenv("PUMMELO_TEST_KEEP_DIR") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  } else {
    std::cerr << "cluster dir kept: " << dir_ << "\n";
  }
}

void cluster_process::assign_ports() {
  std::vector<std::uint16_t> taken;
  for (auto& s : servers_) {
    s.mqtt_port = 0;
    s.rpc_port = 0;
    if (s.role != server_role::channel) taken.push_back(s.mqtt_port = pick_cluster_port(taken));
    if (s.role != server_role::gate) taken.push_back(s.rpc_port = pick_cluster_port(taken));
  }
}

void cluster_process::write_config() const {
  std::ofstream out(config_, std::ios::trunc);
  out << "{\n"
      << "  \"log\": {\"level\": \"" << opts_.log_level << "\"},\n"
      << "  \"threads\": " << opts_.threads << ",\n"
      << "  \"sys\": {\"interval_s\": " << opts_.sys_interval_s << "},\n";
  const std::string extra = trim_members(opts_.extra_json);
  if (!extra.empty()) out << "  " << extra << ",\n";
  out << "  \"cluster\": {\n    \"frontends\": [\n";
  bool first = true;
  for (const auto& s : servers_) {
    if (s.role != server_role::frontend) continue;
    out << (first ? "" : ",\n") << "      {\"id\": \"" << s.id
        << "\", \"host\": \"127.0.0.1\", \"mqtt_port\": " << s.mqtt_port
        << ", \"rpc_port\": " << s.rpc_port << "}";
    first = false;
  }
  out << "\n    ],\n    \"channel_servers\": [\n";
  first = true;
  for (const auto& s : servers_) {
    if (s.role != server_role::channel) continue;
    out << (first ? "" : ",\n") << "      {\"id\": \"" << s.id
        << "\", \"host\": \"127.0.0.1\", \"rpc_port\": " << s.rpc_port << "}";
    first = false;
  }
  out << "\n    ],\n    \"gates\": [";
  first = true;
  for (const auto& s : servers_) {
    if (s.role != server_role::gate) continue;
    out << (first ? "" : ", ") << "{\"id\": \"" << s.id
        << "\", \"host\": \"127.0.0.1\", \"mqtt_port\": " << s.mqtt_port << "}";
    first = false;
  }
  out << "],\n    \"redirect\": " << (opts_.redirect ? "true" : "false") << "\n  }\n}\n";
  if (!out) throw std::runtime_error("cannot write " + config_.string());
}

void cluster_process::spawn(server_info& s) {
  const char* bin_env = std::getenv("PUMMELO_BIN");
  if (bin_env == nullptr || *bin_env == '\0') throw std::runtime_error("PUMMELO_BIN is not set");
  s.pid = spawn_logged({bin_env, "--config", config_.string(), "--server-id", s.id}, s.log);
}

void cluster_process::start_all() {
  // Channel servers first, then frontends, then the gate: the order does not
  // matter to a correct cluster, but it gives the shortest start-up.
  for (auto role : {server_role::channel, server_role::frontend, server_role::gate})
    for (auto& s : servers_)
      if (s.role == role) spawn(s);
  for (auto& s : servers_) wait_ready(s.id);
}

server_info& cluster_process::find(const std::string& id) {
  for (auto& s : servers_)
    if (s.id == id) return s;
  throw std::invalid_argument("no server '" + id + "' in this cluster");
}

const server_info& cluster_process::server(const std::string& id) const {
  return const_cast<cluster_process*>(this)->find(id);
}

std::vector<std::string> cluster_process::frontend_ids() const {
  std::vector<std::string> out;
  for (const auto& s : servers_)
    if (s.role == server_role::frontend) out.push_back(s.id);
  return out;
}

std::vector<std::string> cluster_process::channel_ids() const {
  std::vector<std::string> out;
  for (const auto& s : servers_)
    if (s.role == server_role::channel) out.push_back(s.id);
  return out;
}

bool cluster_process::running(const std::string& id) const {
  return server(id).pid > 0;
}

std::string cluster_process::uri(const std::string& id) const {
  const auto& s = server(id);
  if (s.mqtt_port == 0) throw std::invalid_argument(id + " has no MQTT port");
  return "tcp://127.0.0.1:" + std::to_string(s.mqtt_port);
}

int cluster_process::reap_with_deadline(server_info& s, clock_type::time_point deadline) {
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(s.pid, &status, WNOHANG);
    if (r == s.pid) {
      s.pid = -1;
      return status;
    }
    if (r < 0 && errno != EINTR) {
      s.pid = -1;
      return -1;
    }
    if (clock_type::now() >= deadline) return -2;  // still running
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void cluster_process::kill9(const std::string& id) {
  auto& s = find(id);
  if (s.pid <= 0) throw std::logic_error("kill9: " + id + " is not running");
  mark_log(id, "---- harness: SIGKILL ----");
  ::kill(s.pid, SIGKILL);
  if (reap_with_deadline(s, clock_type::now() + std::chrono::seconds(5)) == -2)
    throw std::runtime_error("kill9: " + id + " did not die within 5 s");
  // Until the frontends have seen the death, their retained count still
  // reads every channel server, and a restart() right after would return
  // before they relinked.
  if (s.role == server_role::channel) {
    const auto deadline = clock_type::now() + std::chrono::seconds(15);
    for (auto& f : servers_)
      if (f.role == server_role::frontend && f.pid > 0) wait_frontend_sys(f, deadline, false);
  }
}

void cluster_process::restart(const std::string& id) {
  auto& s = find(id);
  if (s.pid > 0) throw std::logic_error("restart: " + id + " is still running");
  mark_log(id, "---- harness: restart ----");
  spawn(s);
  wait_ready(id);
  if (s.role == server_role::channel) wait_frontends_connected();
}

std::map<std::string, int> cluster_process::stop() {
  std::map<std::string, int> result;
  for (auto& s : servers_)
    if (s.pid > 0) ::kill(s.pid, SIGTERM);
  // Shared by every server; generous, since under ASan each one runs its
  // leak check on the way out, all of them on two cores at once.
  const auto deadline = clock_type::now() + std::chrono::seconds(15);
  for (auto& s : servers_) {
    if (s.pid <= 0) continue;
    const std::string id = s.id;
    const int st = reap_with_deadline(s, deadline);
    if (st == -2) {
      mark_log(id, "---- harness: no exit within 15 s of SIGTERM; SIGKILL ----");
      ::kill(s.pid, SIGKILL);
      reap_with_deadline(s, clock_type::now() + std::chrono::seconds(5));
      result[id] = -1;
    } else if (st >= 0 && WIFEXITED(st)) {
      result[id] = WEXITSTATUS(st);
      if (WEXITSTATUS(st) != 0) mark_log(id, "---- harness: " + describe_status(st) + " ----");
    } else {
      mark_log(id, "---- harness: " + describe_status(st) + " after SIGTERM ----");
      result[id] = -1;
    }
  }
  return result;
}

void cluster_process::check_alive(server_info& s, const char* what) {
  int status = 0;
  if (s.pid > 0 && ::waitpid(s.pid, &status, WNOHANG) == s.pid) {
    s.pid = -1;
    throw std::runtime_error(std::string(role_name(s.role)) + " " + s.id + " exited (" +
                             describe_status(status) + ") while waiting for " + what +
                             "; log tail:\n" + log_tail(s.id));
  }
  if (s.pid <= 0) throw std::logic_error(s.id + " is not running");
}

void cluster_process::wait_ports(server_info& s, clock_type::time_point deadline) {
  for (std::uint16_t port : {s.mqtt_port, s.rpc_port}) {
    if (port == 0) continue;
    for (;;) {
      check_alive(s, "its ports");
      if (tcp_port_accepts(port)) break;
      if (clock_type::now() >= deadline)
        throw std::runtime_error(std::string(role_name(s.role)) + " " + s.id +
                                 " does not accept TCP on port " + std::to_string(port) +
                                 "; log tail:\n" + log_tail(s.id));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

void cluster_process::wait_frontend_sys(server_info& s, clock_type::time_point deadline, bool all) {
  const std::string every = std::to_string(opts_.channel_servers);
  const std::string topic = "$SYS/broker/cluster/channel-servers/connected";
  auto wanted = [&](const std::string& v) { return (trim(v) == every) == all; };
  std::optional<std::string> last;
  {
    sys_reader r(uri(s.id), topic);
    for (;;) {
      check_alive(s, topic.c_str());
      const auto left = std::chrono::duration_cast<ms>(deadline - clock_type::now());
      if (left <= ms(0)) break;
      last = r.wait_for(wanted, std::min<ms>(left, ms(500)));
      if (last && wanted(*last)) return;
    }
  }
  throw std::runtime_error("frontend " + s.id + ": " + topic + " did not read " +
                           (all ? "" : "less than ") + every + " in time (last value: " +
                           (last ? "'" + *last + "'" : "none") + "); log tail:\n" + log_tail(s.id));
}

void cluster_process::wait_gate_answers(server_info& s, clock_type::time_point deadline) {
  std::set<std::string> want;
  for (const auto& f : servers_)
    if (f.role == server_role::frontend && f.pid > 0) want.insert(f.id);
  std::set<std::string> seen;
  std::string last;
  gate_client g(uri(s.id), mqtt_v5);
  for (int i = 0;; ++i) {
    check_alive(s, "$gate/lookup answers");
    if (clock_type::now() >= deadline) break;
    auto r = g.lookup("ready-probe-" + std::to_string(i), 0, 1s);
    if (r) {
      last = r->raw;
      if (r->ok) {
        seen.insert(r->frontend);
        if (std::includes(seen.begin(), seen.end(), want.begin(), want.end())) return;
      } else {
        seen.clear();  // not ready yet: start counting again
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  std::string seen_list;
  for (const auto& f : seen) seen_list += f + " ";
  throw std::runtime_error("gate " + s.id + " did not name every running frontend in time (seen: " +
                           seen_list + "; last reply: " + last + "); log tail:\n" + log_tail(s.id));
}

void cluster_process::wait_ready(const std::string& id, duration timeout) {
  auto& s = find(id);
  const auto deadline = clock_type::now() + timeout;
  try {
    wait_ports(s, deadline);
    if (s.role == server_role::frontend) wait_frontend_sys(s, deadline);
    if (s.role == server_role::gate) wait_gate_answers(s, deadline);
  } catch (const mqtt::exception& e) {
    // A probe client failed (e.g. its CONNECT was refused).
    throw std::runtime_error(std::string(role_name(s.role)) + " " + s.id +
                             ": readiness probe failed: " + e.what() + "; log tail:\n" +
                             log_tail(s.id));
  }
}

void cluster_process::wait_frontends_connected(duration timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (auto& s : servers_)
    if (s.role == server_role::frontend && s.pid > 0) wait_frontend_sys(s, deadline);
}

std::string cluster_process::log_text(const std::string& id) const {
  std::ifstream in(server(id).log);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string cluster_process::log_tail(const std::string& id, std::size_t max_bytes) const {
  std::string text = log_text(id);
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

std::string cluster_process::all_log_tails(std::size_t max_bytes_each) const {
  std::string out;
  for (const auto& s : servers_) {
    out += "---- " + s.id + " (" + role_name(s.role) + ", mqtt " + std::to_string(s.mqtt_port) +
           ", rpc " + std::to_string(s.rpc_port) + (s.pid > 0 ? ", running" : ", stopped") +
           ") log tail ----\n";
    out += log_tail(s.id, max_bytes_each);
    if (!out.empty() && out.back() != '\n') out += '\n';
  }
  return out;
}

void cluster_process::mark_log(const std::string& id, const std::string& text) const {
  std::ofstream out(server(id).log, std::ios::app);
  out << text << "\n";
}

}  // namespace pummelo::test
