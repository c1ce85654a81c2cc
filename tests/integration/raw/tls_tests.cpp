// TLS listeners, against both brokers: each gets a plain-TCP listener and a
// TLS one (broker_settings::tls) with certificates that tools/make-test-certs
// writes at run time into a temp dir (so nothing in the repository expires):
// one CA with its server and client (CN=alice) certificates, and a second,
// unrelated CA with its own client certificate. The test client speaks TLS
// with OpenSSL directly (tls_client.hpp).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "raw_support.hpp"
#include "tls_client.hpp"

namespace pummelo::test::raw {
namespace {

namespace fs = std::filesystem;

class test_certs {
 public:
  test_certs() {
    std::string templ = (fs::temp_directory_path() / "pummelo-tls-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    make(main(), "alice");
    make(other(), "alice");
  }
  ~test_certs() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  test_certs(const test_certs&) = delete;
  test_certs& operator=(const test_certs&) = delete;

  fs::path main() const { return dir_ / "main"; }    // the broker's CA, server and client
  fs::path other() const { return dir_ / "other"; }  // a CA the broker does not know

 private:
  void make(const fs::path& out, const std::string& client_cn) const {
    const fs::path log = dir_ / "make-test-certs.log";
    const pid_t pid =
        spawn_logged({"/bin/bash", std::string(PUMMELO_SOURCE_ROOT) + "/tools/make-test-certs",
                      out.string(), client_cn, "2"},
                     log);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error("tools/make-test-certs failed, see " + log.string());
  }
  fs::path dir_;
};

// Made once per test program, removed when it ends.
const test_certs& certs() {
  static const test_certs c;
  return c;
}

broker_settings tls_settings(bool require_client_cert = false, bool identity_as_username = false) {
  broker_settings s;
  broker_settings::tls_listener t;
  t.cert_file = (certs().main() / "server.crt").string();
  t.key_file = (certs().main() / "server.key").string();
  t.ca_file = (certs().main() / "ca.crt").string();
  t.require_client_cert = require_client_cert;
  t.use_identity_as_username = identity_as_username;
  s.tls = t;
  return s;
}

// Trusts the CA in `dir`, and presents the client certificate there if asked.
tls_client_options trusting(const fs::path& dir, const fs::path& client_cert_dir = {}) {
  tls_client_options o;
  o.ca_file = (dir / "ca.crt").string();
  if (!client_cert_dir.empty()) {
    o.cert_file = (client_cert_dir / "client.crt").string();
    o.key_file = (client_cert_dir / "client.key").string();
  }
  return o;
}

packet expect_tls_packet(tls_client& c, std::uint8_t type, milliseconds timeout = reply_timeout) {
  packet p = c.read_packet(timeout);
  INFO("packet type ", int{type}, " expected, got ", describe(p), " (", c.close_reason(), ")");
  REQUIRE(p.status == read_status::packet);
  REQUIRE(p.type == type);
  return p;
}

// Handshake, then CONNECT (and `more`, in the same write); requires CONNACK 0.
std::unique_ptr<tls_client> connect_tls(std::uint16_t port, const connect_options& o,
                                        const tls_client_options& t, const bytes& more = {}) {
  auto c = std::make_unique<tls_client>(port, t);
  const std::string error = c->handshake();
  INFO("handshake: ", error);
  REQUIRE(error.empty());
  bytes out = make_connect(o);
  out.insert(out.end(), more.begin(), more.end());
  REQUIRE(c->send(out));
  const packet p = expect_tls_packet(*c, ptype::connack);
  const connack_info info = parse_connack(o.version, p);
  REQUIRE(info.well_formed);
  REQUIRE(info.code == 0);
  return c;
}

connect_options client(std::uint8_t version, std::string id) {
  connect_options o;
  o.version = version;
  o.client_id = std::move(id);
  return o;
}

// The TLS client received PUBLISH topic/payload (and acknowledged it).
void expect_tls_publish(tls_client& c, std::uint8_t version, const std::string& topic,
                        const std::string& payload) {
  const packet p = expect_tls_packet(c, ptype::publish);
  const publish_info m = parse_publish(version, p);
  REQUIRE(m.well_formed);
  CHECK(m.topic == topic);
  CHECK(m.payload.size() == payload.size());
  CHECK(m.payload == payload);
  if (m.qos == 1) REQUIRE(c.send(make_ack(ptype::puback, m.packet_id)));
}

// A refused peer: whatever the broker sent before closing, no CONNACK.
void expect_refused(tls_client& c, std::uint8_t version) {
  if (!c.send(make_connect(client(version, "refused")))) return;  // already closed
  for (;;) {
    const packet p = c.read_packet(close_timeout);
    INFO("got ", describe(p), " (", c.close_reason(), ")");
    REQUIRE(p.status != read_status::timeout);
    if (p.status == read_status::closed) return;
    CHECK(p.type != ptype::connack);
  }
}

// Waits (up to 3 s) for a line of the broker's log holding every one of `parts`.
bool log_has_line(const broker_process& b, std::initializer_list<std::string> parts) {
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  do {
    const std::string text = b.log_text();
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(start, end - start);
      bool all = true;
      for (const auto& part : parts) all = all && line.find(part) != std::string::npos;
      if (all) return true;
      start = end + 1;
    }
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

}  // namespace

TEST_CASE("tls: TLS and plain-TCP clients exchange messages both ways") {
  broker_settings s = tls_settings();
  // pummelo: several loops, so that most of the TLS connections below move to
  // their client id's loop after CONNECT, TLS session and all.
  s.pummelo_extra_json = R"("threads": 4)";
  auto broker = start_broker(s);
  for (const std::uint8_t v : {v311, v5}) {
    CAPTURE(int{v});
    const std::string sfx = std::to_string(v);
    auto plain = connect_v311(broker->port(), "plain-" + sfx);
    subscribe(*plain, v311, "up/" + sfx + "/#", 1);
    std::vector<std::unique_ptr<tls_client>> devices;
    for (int i = 0; i < 4; ++i) {
      // SUBSCRIBE right behind CONNECT, in one write: the broker holds it
      // until the CONNACK.
      const std::string down = "down/" + sfx + "/" + std::to_string(i);
      devices.push_back(connect_tls(broker->tls_port(),
                                    client(v, "tls-" + sfx + "-" + std::to_string(i)),
                                    trusting(certs().main()), make_subscribe(v, 1, {{down, 1}})));
      const packet ack = expect_tls_packet(*devices.back(), ptype::suback);
      CHECK(ack.body.back() == 1);
    }
    for (int i = 0; i < 4; ++i) {
      const std::string n = std::to_string(i);
      REQUIRE(
          plain->send(make_publish(v311, pub("down/" + sfx + "/" + n, "to tls " + n, 1, 10 + i))));
      expect_packet(*plain, ptype::puback);
      expect_tls_publish(*devices[i], v, "down/" + sfx + "/" + n, "to tls " + n);
      REQUIRE(
          devices[i]->send(make_publish(v, pub("up/" + sfx + "/" + n, "from tls " + n, 1, 20))));
      expect_tls_packet(*devices[i], ptype::puback);
      const publish_info m = expect_publish(*plain, v311);
      CHECK(m.topic == "up/" + sfx + "/" + n);
      CHECK(m.payload == "from tls " + n);
      if (m.qos == 1) REQUIRE(plain->send(make_ack(ptype::puback, m.packet_id)));
    }
  }
}

TEST_CASE("tls: large messages and bursts cross in many TLS records") {
  auto broker = start_broker(tls_settings());
  {
    auto plain = connect_v311(broker->port(), "plain-big");
    subscribe(*plain, v311, "big/up", 0);
    auto device = connect_tls(broker->tls_port(), client(v311, "tls-big"), trusting(certs().main()),
                              make_subscribe(v311, 1, {{"big/down", 0}, {"burst/down", 0}}));
    expect_tls_packet(*device, ptype::suback);
    std::string big(300'000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    REQUIRE(plain->send(make_publish(v311, pub("big/down", big))));
    expect_tls_publish(*device, v311, "big/down", big);
    REQUIRE(device->send(make_publish(v311, pub("big/up", big))));
    const publish_info up = expect_publish(*plain, v311, 5000ms);
    CHECK(up.payload == big);
    // Many small messages in a row arrive whole and in order.
    bytes burst;
    for (int i = 0; i < 500; ++i) {
      const bytes one = make_publish(v311, pub("burst/down", "message " + std::to_string(i)));
      burst.insert(burst.end(), one.begin(), one.end());
    }
    REQUIRE(plain->send(burst));
    for (int i = 0; i < 500; ++i)
      expect_tls_publish(*device, v311, "burst/down", "message " + std::to_string(i));
  }
}

TEST_CASE("tls: a slow TLS reader gets every byte, in order, once it reads") {
  broker_settings s = tls_settings();
  s.max_write_queue_bytes = 32 << 20;  // pummelo: room for all of it
  auto broker = start_broker(s);
  tls_client_options slow = trusting(certs().main());
  slow.rcvbuf_bytes = 4096;  // the broker's writes soon find the socket full
  auto device = connect_tls(broker->tls_port(), client(v311, "tls-slow"), slow,
                            make_subscribe(v311, 1, {{"slow/down", 0}}));
  expect_tls_packet(*device, ptype::suback);
  auto plain = connect_v311(broker->port(), "plain-fast");
  // 10 MB: more than the kernel's socket buffers on loopback hold (4 MB
  // send buffer at most), so the broker's TLS writes find the socket full.
  constexpr int count = 160;
  auto payload = [](int i) { return std::string(64 * 1024, static_cast<char>('A' + i % 26)); };
  bytes burst;
  for (int i = 0; i < count; ++i) {
    const bytes one = make_publish(v311, pub("slow/down", payload(i)));
    burst.insert(burst.end(), one.begin(), one.end());
  }
  REQUIRE(plain->send(burst, 20000ms));
  REQUIRE(plain->send(make_pingreq()));
  expect_packet(*plain, ptype::pingresp);  // the broker has taken it all in
  std::this_thread::sleep_for(300ms);
  for (int i = 0; i < count; ++i) {
    CAPTURE(i);
    expect_tls_publish(*device, v311, "slow/down", payload(i));
  }
}

TEST_CASE(
    "tls: a client that does not trust the broker's certificate fails the handshake; others go "
    "on") {
  auto broker = start_broker(tls_settings());
  bystander other(broker->port());
  {
    tls_client c(broker->tls_port(), trusting(certs().other()));
    const std::string error = c.handshake();
    CHECK(error == "certificate verify failed");
  }
  if (!on_mosquitto()) {
    // One line at info level, naming the peer and OpenSSL's reason (the
    // client's alert).
    CHECK(log_has_line(*broker, {"127.0.0.1:", "TLS handshake failed: ", "unknown ca"}));
  }
  other.check_still_works();
  auto good = connect_tls(broker->tls_port(), client(v311, "trusting"), trusting(certs().main()));
  REQUIRE(good->send(make_pingreq()));
  expect_tls_packet(*good, ptype::pingresp);
}

TEST_CASE(
    "tls: require_client_cert refuses clients without a valid certificate; the CN is the "
    "username") {
  broker_settings s = tls_settings(true, true);
  // No anonymous logins, and a password file that knows no "mallory": only
  // the certificate can let the TLS clients below in.
  s.allow_anonymous = false;
  s.password_file = std::string(PUMMELO_SOURCE_ROOT) + "/conf/secure/passwd";
  auto broker = start_broker(s);
  for (const std::uint8_t v : {v311, v5}) {
    CAPTURE(int{v});
    {
      // No certificate. With TLS 1.3 the client's handshake may be over before
      // the broker checks; the refusal (an alert) then comes next.
      tls_client c(broker->tls_port(), trusting(certs().main()));
      if (c.handshake().empty()) expect_refused(c, v);
    }
    {
      // A certificate from a CA the broker does not know.
      tls_client c(broker->tls_port(), trusting(certs().main(), certs().other()));
      if (c.handshake().empty()) expect_refused(c, v);
    }
  }
  // CN=alice: in as alice, whatever user name the CONNECT gives (and without
  // a password), or with none.
  connect_options named = client(v311, "cert-alice");
  named.username = "mallory";
  auto alice = connect_tls(broker->tls_port(), named, trusting(certs().main(), certs().main()));
  connect_options anonymous = client(v5, "cert-alice-2");
  auto alice2 =
      connect_tls(broker->tls_port(), anonymous, trusting(certs().main(), certs().main()));
  if (!on_mosquitto()) {
    // A push to the uid "alice" reaches both sessions: their username is alice.
    connect_options backend = client(v311, "backend");
    backend.username = "backend";
    backend.password = "backend-secret";
    auto pusher = connect_client(broker->port(), backend);
    REQUIRE(pusher->send(make_publish(
        v311,
        pub("$push/uids",
            R"({"uids": ["alice", "mallory"], "topic": "push/alice", "payload": "hello"})"))));
    expect_tls_publish(*alice, v311, "push/alice", "hello");
    expect_tls_publish(*alice2, v5, "push/alice", "hello");
  }
  REQUIRE(alice->send(make_pingreq()));
  expect_tls_packet(*alice, ptype::pingresp);
}

TEST_CASE(
    "tls: plain MQTT on the TLS port is refused; a client stuck mid-handshake is closed at the "
    "connect timeout") {
  broker_settings s = tls_settings();
  s.connect_timeout_ms = 1000;
  auto broker = start_broker(s);
  bystander other(broker->port());
  {
    // A plain-TCP CONNECT: not a TLS record. Closed, never answered in MQTT.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(broker->tls_port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    const bytes connect = make_connect(client(v311, "plain-on-tls"));
    REQUIRE(::send(fd, connect.data(), connect.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(connect.size()));
    bool closed = false;
    bytes got;
    const auto deadline = std::chrono::steady_clock::now() + close_timeout;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      std::uint8_t chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n > 0) got.insert(got.end(), chunk, chunk + n);
      closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
    }
    ::close(fd);
    CHECK(closed);
    // At most a TLS alert record (content type 21), never a CONNACK (0x20).
    if (!got.empty()) CHECK(got[0] == 21);
  }
  if (!on_mosquitto()) CHECK(log_has_line(*broker, {"127.0.0.1:", "TLS handshake failed: "}));
  other.check_still_works();
  {
    tls_client stuck(broker->tls_port(), trusting(certs().main()));
    stuck.start_handshake();
    const auto t0 = std::chrono::steady_clock::now();
    if (on_mosquitto()) {
      // Mosquitto has no configurable CONNECT timeout (see keepalive_tests).
      CHECK_FALSE(stuck.wait_tcp_closed(2000ms));
    } else {
      CHECK(stuck.wait_tcp_closed(3000ms));
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      MESSAGE("client stuck in the handshake closed after ", elapsed, " s");
      CHECK(elapsed >= 0.8);
    }
  }
  other.check_still_works();
  auto good = connect_tls(broker->tls_port(), client(v5, "after"), trusting(certs().main()));
  REQUIRE(good->send(make_pingreq()));
  expect_tls_packet(*good, ptype::pingresp);
}

}  // namespace pummelo::test::raw
