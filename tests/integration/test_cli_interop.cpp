// Interoperability with Mosquitto's command-line clients (mosquitto_sub and
// mosquitto_pub run as subprocesses, each bounded by a timeout).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "test_support.hpp"

using namespace pummelo::test;

namespace {

std::string tool(const char* env, const char* fallback) {
  const char* v = std::getenv(env);
  return (v != nullptr && *v != '\0') ? v : fallback;
}

// A child process whose stdout is captured; killed if still running when
// destroyed.
class subprocess {
 public:
  explicit subprocess(std::vector<std::string> args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      const int null_fd = ::open("/dev/null", O_RDONLY);
      if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
  }
  ~subprocess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
  }
  subprocess(const subprocess&) = delete;
  subprocess& operator=(const subprocess&) = delete;

  // Reads stdout and reaps the process; false if it is still running after
  // the timeout.
  bool wait(ms timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      pollfd p{out_fd_, POLLIN, 0};
      if (out_fd_ >= 0 && ::poll(&p, 1, 10) > 0) {
        char buf[4096];
        const ssize_t n = ::read(out_fd_, buf, sizeof buf);
        if (n > 0) {
          out_.append(buf, static_cast<std::size_t>(n));
          continue;
        }
        ::close(out_fd_);  // EOF
        out_fd_ = -1;
      } else if (out_fd_ < 0) {
        std::this_thread::sleep_for(10ms);
      }
      int st = 0;
      if (out_fd_ < 0 && ::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
    return true;
  }
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) != pid_) return true;
    pid_ = -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return false;
  }
  int status() const { return status_; }
  const std::string& output() const { return out_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int status_ = -1;
  std::string out_;
};

int run(std::vector<std::string> args, ms timeout) {
  subprocess p(std::move(args));
  REQUIRE(p.wait(timeout));
  return p.status();
}

}  // namespace

TEST_CASE("cli: mosquitto_sub receives what mosquitto_pub sends") {
  const std::string sub_bin = tool("MOSQUITTO_SUB_BIN", "/usr/bin/mosquitto_sub");
  const std::string pub_bin = tool("MOSQUITTO_PUB_BIN", "/usr/bin/mosquitto_pub");
  REQUIRE(std::filesystem::exists(sub_bin));
  REQUIRE(std::filesystem::exists(pub_bin));
  auto b = start_broker();
  const std::string port = std::to_string(b->port());
  for (const char* ver : {"mqttv5", "mqttv311"}) {
    INFO("-V ", ver);
    const std::string topic = "cli/" + unique_id(ver);
    subprocess sub({sub_bin, "-h", "127.0.0.1", "-p", port, "-t", topic, "-q", "1", "-C", "1",
                    "-W", "5", "-V", ver});
    // The subscription is in place at some unknown moment: publish until
    // the subscriber has its one message and exits (bounded by -W 5).
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (sub.running() && std::chrono::steady_clock::now() < deadline) {
      CHECK(run({pub_bin, "-h", "127.0.0.1", "-p", port, "-t", topic, "-q", "1", "-m",
                 "hello cli", "-V", ver},
                3s) == 0);
      if (sub.wait(200ms)) break;
    }
    REQUIRE(sub.wait(1s));
    CHECK(sub.status() == 0);
    CHECK(sub.output() == "hello cli\n");
  }
}

TEST_CASE("cli: retained message set by mosquitto_pub is read by Paho") {
  const std::string pub_bin = tool("MOSQUITTO_PUB_BIN", "/usr/bin/mosquitto_pub");
  REQUIRE(std::filesystem::exists(pub_bin));
  auto b = start_broker();
  const std::string port = std::to_string(b->port());
  const std::string topic = "cli-retained/" + unique_id("t");
  REQUIRE(run({pub_bin, "-h", "127.0.0.1", "-p", port, "-t", topic, "-q", "1", "-r", "-m",
               "kept by cli", "-V", "mqttv311"},
              3s) == 0);
  for (int v : all_versions) {
    INFO("MQTT ", version_name(v));
    mqtt_client c(b->uri(), unique_id("cli-reader"), v);
    c.connect();
    c.subscribe(topic, 1);
    auto m = c.wait_message();
    REQUIRE(m);
    CHECK((*m)->get_payload_str() == "kept by cli");
    CHECK((*m)->is_retained());
    CHECK((*m)->get_qos() == 1);
  }
}
