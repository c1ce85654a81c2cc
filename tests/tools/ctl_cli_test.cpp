// pummeloctl as a program: exit statuses, messages on stderr, config check
// of the shipped configs, passwd, and the connect failure text.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "ctl_process.hpp"

using namespace pummelo::test;

namespace {

const std::string conf_dir = std::string(PUMMELO_SOURCE_ROOT) + "/conf";

// A 127.0.0.1 port nobody listens on: bound (so no other process gets it
// meanwhile) but never listened on, which refuses connections.
class closed_port {
 public:
  closed_port() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(fd_ >= 0);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~closed_port() { ::close(fd_); }
  closed_port(const closed_port&) = delete;
  closed_port& operator=(const closed_port&) = delete;
  std::string port() const { return std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("pummeloctl config check: the shipped configs are OK") {
  for (const char* name : {"pummelo.json", "secure.json", "cluster.json"}) {
    CAPTURE(name);
    const std::string path = conf_dir + "/" + name;
    auto r = run_ctl({"config", "check", path});
    CHECK(r.status == 0);
    CHECK(r.out.rfind(path + ": OK (", 0) == 0);
    CHECK(r.out.size() > 2);
    CHECK(r.out.substr(r.out.size() - 2) == ")\n");
    CHECK(r.err.empty());
  }
  auto r = run_ctl({"config", "check", conf_dir + "/cluster.json", "--server-id", "gate"});
  CHECK(r.status == 0);
  CHECK(r.out.find("server 'gate'") != std::string::npos);
  // Global options are allowed (and unused) with a local command.
  CHECK(run_ctl({"--port", "1", "config", "check", conf_dir + "/pummelo.json"}).status == 0);
}

TEST_CASE("pummeloctl config check: a broken file fails with exit status 1") {
  temp_dir dir;
  write_file(dir.file("bad.json"), R"({"listeners": [{"host": "127.0.0.1", "port": 1883}], "bogus": 1})");
  auto r = run_ctl({"config", "check", dir.file("bad.json")});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "pummeloctl: " + dir.file("bad.json") + ": unknown key 'bogus'\n");

  write_file(dir.file("syntax.json"), "{ \"log\": ");
  r = run_ctl({"config", "check", dir.file("syntax.json")});
  CHECK(r.status == 1);
  CHECK(r.err.rfind("pummeloctl: ", 0) == 0);

  r = run_ctl({"config", "check", dir.file("missing.json")});
  CHECK(r.status == 1);
  CHECK(r.err.find("missing.json") != std::string::npos);

  r = run_ctl({"config", "check", conf_dir + "/cluster.json", "--server-id", "nosuch"});
  CHECK(r.status == 1);
  CHECK(r.err.find("nosuch") != std::string::npos);
}

TEST_CASE("pummeloctl: connection refused names the address and the errno") {
  closed_port port;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"status", "--port", port.port()}, {"--port", port.port(), "top", "--count", "1"}}) {
    CAPTURE(args[0]);
    auto r = run_ctl(args);
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "pummeloctl: cannot connect to 127.0.0.1:" + port.port() + ": connection refused\n");
  }
  auto r = run_ctl({"--json", "clients", "list", "--port", port.port()});
  CHECK(r.status == 1);
  CHECK(r.err == "pummeloctl: cannot connect to 127.0.0.1:" + port.port() + ": connection refused\n");
}

TEST_CASE("pummeloctl: usage errors exit 2 with a short usage on stderr") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"clients"},
           {"clients", "remove"},
           {"status", "--bogus"},
           {"--bogus", "status"},
           {"status", "--port", "99999"},
           {"clients", "kick"},
           {"clients", "kick", "--uid", "a", "--client", "b"},
           {"clients", "show"},
           {"push", "--topic", "t"},
           {"push", "--topic", "t", "--payload", "p", "--qos", "2"},
           {"config", "check"},
       }) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    CAPTURE(joined);
    auto r = run_ctl(args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("pummeloctl: ", 0) == 0);
    CHECK(r.err.find("\nusage: pummeloctl") != std::string::npos);
  }
}

TEST_CASE("pummeloctl: --help for everything, --version") {
  auto r = run_ctl({"--help"});
  CHECK(r.status == 0);
  CHECK(r.out.rfind("usage: pummeloctl", 0) == 0);
  CHECK(r.err.empty());
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"status", "--help"}, {"top", "--help"}, {"clients", "list", "--help"},
           {"clients", "show", "-h"}, {"clients", "kick", "--help"}, {"channels", "list", "--help"},
           {"channels", "show", "--help"}, {"push", "--help"}, {"broadcast", "--help"},
           {"config", "check", "--help"}, {"passwd", "--help"}, {"clients", "--help"}}) {
    CAPTURE(args[0]);
    r = run_ctl(args);
    CHECK(r.status == 0);
    CHECK(r.out.find("usage: pummeloctl " + args[0]) != std::string::npos);
  }
  r = run_ctl({"--version"});
  CHECK(r.status == 0);
  CHECK(r.out.rfind("pummeloctl ", 0) == 0);
}

TEST_CASE("pummeloctl passwd: the same command as pummelo-passwd") {
  temp_dir dir;
  const std::string file = dir.file("passwd");
  auto r = run_ctl({"passwd", "-b", "-c", file, "alice", "secret"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(read_file(file).rfind("alice:$7$101$", 0) == 0);
  r = run_ctl({"passwd", "-b", file, "bob", "pw"});
  CHECK(r.status == 0);
  CHECK(read_file(file).find("\nbob:$7$101$") != std::string::npos);
  r = run_ctl({"passwd", "-D", file, "alice"});
  CHECK(r.status == 0);
  CHECK(read_file(file).find("alice") == std::string::npos);
  r = run_ctl({"passwd", "-D", file, "carol"});
  CHECK(r.status == 1);
  CHECK(r.err == "pummeloctl: no such user: carol\n");
  r = run_ctl({"passwd", "-x", file, "carol"});
  CHECK(r.status == 2);
  CHECK(r.err.rfind("pummeloctl: unknown option '-x'\n\nusage: pummeloctl passwd [-c] FILE USER\n", 0) == 0);
}
