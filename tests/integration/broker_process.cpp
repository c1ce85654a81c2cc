#include "broker_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace pummelo::test {

namespace {

using clock_type = std::chrono::steady_clock;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : std::string(fallback);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool port_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in a = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Mosquitto's log_type lines for a pummelo-style level name.
std::string mosquitto_log_types(const std::string& level) {
  if (level == "trace" || level == "debug") return "log_type all\n";
  return "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
}

// JSON members with surrounding blanks and stray leading/trailing commas
// removed, so they can follow the last built-in member after one comma.
std::string trim_members(const std::string& in) {
  const char* junk = " \t\r\n,";
  const auto first = in.find_first_not_of(junk);
  if (first == std::string::npos) return {};
  return in.substr(first, in.find_last_not_of(junk) - first + 1);
}

// Waits for the child with a deadline; returns true once it has been reaped.
bool reap(pid_t pid, std::chrono::milliseconds timeout, int& status) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // already gone (ECHILD)
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

broker_kind kind_from_env() {
  const std::string v = env_or("PUMMELO_TEST_BROKER", "mosquitto");
  if (v == "pummelo") return broker_kind::pummelo;
  if (v == "mosquitto") return broker_kind::mosquitto;
  throw std::runtime_error("PUMMELO_TEST_BROKER must be 'pummelo' or 'mosquitto', not '" + v + "'");
}

const char* to_string(broker_kind k) {
  return k == broker_kind::pummelo ? "pummelo" : "mosquitto";
}

namespace {

// A socket bound to 127.0.0.1:0, and the port the kernel chose for it.
std::pair<int, std::uint16_t> bind_any_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("cannot bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  return {fd, ntohs(a.sin_port)};
}

}  // namespace

std::uint16_t pick_free_port() {
  const auto [fd, port] = bind_any_loopback_port();
  ::close(fd);
  return port;
}

refusing_port::refusing_port() { std::tie(fd_, port_) = bind_any_loopback_port(); }

refusing_port::~refusing_port() { ::close(fd_); }

broker_process::broker_process(broker_kind k, const broker_settings& s) : kind_(k) {
  std::string templ = (std::filesystem::temp_directory_path() / "pummelo-it-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  config_ = dir_ / (k == broker_kind::pummelo ? "pummelo.json" : "mosquitto.conf");
  log_ = dir_ / "broker.log";

  // The port is free when picked but another process may take it before the
  // broker binds it; a broker that dies at start-up is retried on a new port.
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = pick_free_port();
    tls_port_ = 0;
    while (s.tls && (tls_port_ == 0 || tls_port_ == port_)) tls_port_ = pick_free_port();
    write_config(s);
    try {
      spawn();
      wait_until_listening();
      return;
    } catch (const std::exception& e) {
      last_error = e.what();
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int st = 0;
        reap(pid_, std::chrono::seconds(5), st);
        pid_ = -1;
      }
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error(last_error);
}

broker_process::~broker_process() {
  if (pid_ > 0) terminate();
  if (std::getenv("PUMMELO_TEST_KEEP_DIR") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string broker_process::uri() const {
  return "tcp://127.0.0.1:" + std::to_string(port_);
}

void broker_process::write_config(const broker_settings& s) {
  std::ofstream out(config_, std::ios::trunc);
  if (kind_ == broker_kind::pummelo) {
    // Only the keys we set; pummelo fills the rest with its defaults.
    out << "{\n"
        << "  \"log\": { \"level\": \"" << s.log_level << "\" },\n"
        << "  \"listeners\": [ { \"host\": \"127.0.0.1\", \"port\": " << port_ << " }";
    if (s.tls) {
      out << ",\n    { \"host\": \"127.0.0.1\", \"port\": " << tls_port_
          << ", \"tls\": { \"cert_file\": \"" << s.tls->cert_file << "\", \"key_file\": \""
          << s.tls->key_file << "\"";
      if (!s.tls->ca_file.empty()) out << ", \"ca_file\": \"" << s.tls->ca_file << "\"";
      out << ", \"require_client_cert\": " << (s.tls->require_client_cert ? "true" : "false")
          << ", \"use_identity_as_username\": "
          << (s.tls->use_identity_as_username ? "true" : "false") << " } }";
    }
    out << " ],\n"
        << "  \"allow_anonymous\": " << (s.allow_anonymous ? "true" : "false") << ",\n"
        << "  \"auth\": { \"password_file\": \"" << s.password_file << "\", \"acl_file\": \""
        << s.pummelo_acl_file << "\" },\n"
        << "  \"limits\": {\n"
        << "    \"max_queued_messages\": " << s.max_queued_messages << ",\n"
        << "    \"max_inflight_messages\": " << s.max_inflight_messages << ",\n";
    if (s.max_packet_size != 0) out << "    \"max_packet_size\": " << s.max_packet_size << ",\n";
    if (s.max_write_queue_bytes != 0)
      out << "    \"max_write_queue_bytes\": " << s.max_write_queue_bytes << ",\n";
    if (s.max_session_expiry_s != 0)
      out << "    \"max_session_expiry_s\": " << s.max_session_expiry_s << ",\n";
    if (s.max_connections != 0)
      out << "    \"max_connections\": " << s.max_connections << ",\n";
    for (const auto& [key, value] : s.pummelo_limits)
      out << "    \"" << key << "\": " << value << ",\n";
    out << "    \"max_keep_alive_s\": " << s.max_keep_alive_s << "\n"
        << "  },\n"
        << "  \"timeouts\": { \"connect_timeout_ms\": " << s.connect_timeout_ms << " },\n"
        << "  \"sys\": { \"interval_s\": " << s.sys_interval_s << " }";
    const std::string extra = trim_members(s.pummelo_extra_json);
    if (!extra.empty()) out << ",\n  " << extra;
    out << "\n}\n";
  } else {
    // Mosquitto 2.0 drops privileges to user "mosquitto" when started as
    // root; "user root" keeps it as the invoking user so it can write here.
    // connect_timeout_ms, max_write_queue_bytes and max_session_expiry_s have
    // no Mosquitto equivalent and are not translated.
    out << "listener " << port_ << " 127.0.0.1\n";
    if (s.max_connections != 0) out << "max_connections " << s.max_connections << "\n";
    out
        << "allow_anonymous " << (s.allow_anonymous ? "true" : "false") << "\n"
        << "persistence false\n"
        << "user root\n"
        // stdout is block-buffered when it is not a terminal; the file log
        // is flushed per line, so log_text() sees it at once.
        << "log_dest file " << log_.string() << "\n"
        << mosquitto_log_types(s.log_level) << "log_timestamp true\n"
        << "set_tcp_nodelay true\n"
        << "max_queued_messages " << s.max_queued_messages << "\n"
        << "max_inflight_messages " << s.max_inflight_messages << "\n"
        << "sys_interval " << s.sys_interval_s << "\n"
        << "max_keepalive " << s.max_keep_alive_s << "\n";
    if (s.max_packet_size != 0) out << "max_packet_size " << s.max_packet_size << "\n";
    if (!s.password_file.empty()) out << "password_file " << s.password_file << "\n";
    if (!s.mosquitto_acl_file.empty()) out << "acl_file " << s.mosquitto_acl_file << "\n";
    if (s.tls) {
      // Last: the lines after a listener line configure that listener.
      out << "listener " << tls_port_ << " 127.0.0.1\n"
          << "certfile " << s.tls->cert_file << "\n"
          << "keyfile " << s.tls->key_file << "\n";
      if (!s.tls->ca_file.empty()) out << "cafile " << s.tls->ca_file << "\n";
      out << "require_certificate " << (s.tls->require_client_cert ? "true" : "false") << "\n"
          << "use_identity_as_username " << (s.tls->use_identity_as_username ? "true" : "false")
          << "\n";
    }
  }
  if (!out) throw std::runtime_error("cannot write " + config_.string());
}

void broker_process::spawn() {
  const std::string bin = kind_ == broker_kind::pummelo
                              ? env_or("PUMMELO_BIN", "")
                              : env_or("MOSQUITTO_BIN", "/usr/sbin/mosquitto");
  if (bin.empty()) throw std::runtime_error("PUMMELO_BIN is not set");
  pid_ = spawn_logged({bin, kind_ == broker_kind::pummelo ? "--config" : "-c", config_.string()},
                      log_);
}

pid_t spawn_logged(std::vector<std::string> args, const std::filesystem::path& log) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log_path = log.string();

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test run
    if (::getppid() != parent) ::_exit(127);
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    for (int i = 3; i < 1024; ++i) ::close(i);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

void broker_process::wait_until_listening() {
  const auto deadline = clock_type::now() + std::chrono::seconds(10);
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error(std::string(to_string(kind_)) + " exited at start-up (status " +
                               std::to_string(status) + "); log tail:\n" + log_tail());
    }
    if (port_accepts(port_) && (tls_port_ == 0 || port_accepts(tls_port_))) return;
    if (clock_type::now() >= deadline)
      throw std::runtime_error(std::string(to_string(kind_)) + " did not listen on port " +
                               std::to_string(port_) +
                               (tls_port_ != 0 ? " and " + std::to_string(tls_port_) : "") +
                               " within 10 s; log tail:\n" + log_tail());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int broker_process::terminate() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::kill(pid_, SIGTERM);
  bool exited = reap(pid_, std::chrono::seconds(5), status);
  if (!exited) {
    ::kill(pid_, SIGKILL);
    reap(pid_, std::chrono::seconds(5), status);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string broker_process::log_text() const {
  std::ifstream in(log_);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string broker_process::log_tail(std::size_t max_bytes) const {
  std::string text = log_text();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace pummelo::test
