// libFuzzer target for the broker's handling of client connections: the real
// server, event_loop and connection code (with its sessions, routing, ACL,
// retained store and $push handling) fed sequences of client packets.
//
// Each input gets a fresh server (one event loop, no listeners, small limits)
// so that nothing one input leaves behind (sessions, retained messages,
// failed-login counts) changes how the next one runs. Clients are the
// harness's ends of socketpair(AF_UNIX, SOCK_STREAM); the broker's ends are
// handed to connections the way server::accept_ready does.
//
// The loop's own thread runs everything (connections rely on
// event_loop::current(), which only that thread sets): the input is posted to
// it as one task, which writes the client bytes and then runs the loop's
// io_context with nested poll() calls until it is idle, reading what the
// broker sends back. Nothing waits on a clock: timers that are not due (keep
// alive, will delay, session expiry, login throttling) simply do not fire.
//
// Input: one config byte, then records.
//   config byte  bit 0: ACL (every topic open without one)
//                bit 1: password file (any username accepted without one)
//                bit 2: anonymous clients refused
//                bit 3: buffer scheduler (else direct)
//                bit 4: uid from the client id (else the username)
//   record       header byte, length byte, then that many bytes (fewer at
//                the end of the input) written to one client's socket.
//                header bit 0: client slot (two clients, A and B)
//                       bit 1: close this client's socket after the write
//                       bit 2: do not run the broker yet (the next record
//                              arrives with this one)
//                       bit 3: this client stops reading what the broker
//                              sends (until a record without this bit)
//                       bit 4: with bit 1, half-close (shutdown SHUT_WR)
//                              instead of close
// A slot whose socket was closed (by either side) connects anew on its next
// record. Each slot's first bytes are written before its connection starts,
// as a deferred accept would have them.
//
// Checks beyond the sanitizers: what the broker sends a client must decode
// as a stream of packets of the client's version, starting with CONNACK;
// no exception may escape a handler; a loop that never goes idle is a hang.
//
// Log lines are off unless FUZZ_SESSION_LOG names a level (debug, info...);
// `FUZZ_SESSION_LOG=debug ... -close_fd_mask=2` exercises the log paths too
// while keeping the broker's lines out of the fuzzer's output. With
// FUZZ_SESSION_TRACE set, each packet the broker sends is named on stderr
// (for checking that a seed does what it means to).
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "auth/password_file.hpp"
#include "config.hpp"
#include "connection.hpp"
#include "event_loop.hpp"
#include "log.hpp"
#include "pummelo/protocol/decoder.hpp"
#include "server.hpp"

namespace {

using namespace pummelo;
using broker::config;
using broker::connection;
using broker::event_loop;
using broker::server;

bool trace = false;  // FUZZ_SESSION_TRACE

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_session: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

// ---- files the config names (written once per process) ----

// Users of the password file; every password is "pw". One PBKDF2 iteration:
// the verification code is the same, only faster.
constexpr const char* users[] = {"alice", "bob", "backend", "admin"};

// conf/secure/acl.json's shape, plus rules for anonymous clients and for
// users without an entry, and %c patterns.
constexpr const char* acl_json = R"({
  "roles": {
    "device": {
      "subscribe": ["push/%u/#", "broadcast/#", "c/%c/+", "a/#"],
      "publish": ["up/%u/#", "a/#", "c/%c/#"]
    },
    "backend": { "subscribe": ["#"], "publish": ["#", "$push/#"] },
    "admin": {
      "subscribe": ["#", "$SYS/#", "$CONTROL/#"],
      "publish": ["#", "$push/#", "$CONTROL/#"]
    }
  },
  "users": {
    "alice": { "roles": ["device"] },
    "bob": { "roles": ["device"], "publish": ["push/alice/#"] },
    "backend": { "roles": ["backend"] },
    "admin": { "roles": ["admin"] }
  },
  "default_roles": ["device"],
  "anonymous": { "subscribe": ["a/#", "+/b"], "publish": ["a/#", "r/+"] }
})";

struct auth_files {
  std::string passwd;
  std::string acl;
};

const auth_files& files() {
  static const auth_files f = [] {
    char dir[] = "/tmp/fuzz_session.XXXXXX";
    if (!::mkdtemp(dir)) fail("mkdtemp failed");
    auth_files out{std::string(dir) + "/passwd", std::string(dir) + "/acl.json"};
    broker::auth::password_file pw;
    for (const char* u : users) pw.set(u, "pw", 1);
    std::ofstream(out.passwd) << pw.serialize();
    std::ofstream(out.acl) << acl_json;
    return out;
  }();
  return f;
}

void remove_files() {
  ::unlink(files().passwd.c_str());
  ::unlink(files().acl.c_str());
  const std::string& p = files().acl;
  ::rmdir(p.substr(0, p.rfind('/')).c_str());
}

// Small limits, so that short inputs reach them.
config make_config(std::uint8_t bits) {
  config c;
  c.level = broker::log_level::off;  // set_log_level() is main()'s job; see LLVMFuzzerInitialize
  c.threads = 1;
  c.listeners.clear();
  c.sys_interval_s = 0;
  c.connect_timeout_ms = 3'600'000;  // never due while an input runs
  if (bits & 0x01) c.auth.acl_file = files().acl;
  if (bits & 0x02) c.auth.password_file = files().passwd;
  c.allow_anonymous = (bits & 0x04) == 0;
  if (bits & 0x08) {
    c.scheduler.type = broker::scheduler_config::kind::buffer;
    // 0 (below what load_config_file accepts) makes the timed flush due at
    // once, so it runs before the loop is idle instead of after the input.
    c.scheduler.flush_interval_ms = 0;
    c.scheduler.max_buffered_messages = 2;
  }
  c.scheduler.max_deliveries_per_turn = 1;  // fan-outs to both clients take two turns
  c.uid_from = (bits & 0x10) ? broker::uid_source::client_id : broker::uid_source::username;
  auto& l = c.limits;
  l.max_connections = 2;
  l.max_packet_size = 2048;
  l.max_connect_packet_size = 512;
  l.max_topic_length = 64;
  l.max_topic_levels = 8;
  l.max_subscriptions_per_packet = 4;
  l.max_user_properties = 4;
  l.max_inflight_messages = 2;
  l.max_queued_messages = 3;
  l.max_queued_bytes = 256;
  l.max_subscriptions_per_session = 4;
  l.max_sessions = 3;
  l.max_write_queue_bytes = 4096;
  l.max_keep_alive_s = 600;
  l.max_session_expiry_s = 3600;
  l.topic_alias_maximum = 3;
  l.max_retained_messages = 3;
  l.max_incoming_qos2 = 2;
  l.max_push_uids = 3;
  l.max_push_jobs = 1;
  return c;
}

// ---- one client of the broker ----

constexpr int slots = 2;
constexpr int max_connections_per_input = 16;

struct client {
  int fd = -1;               // the client's end; -1 when not connected
  int broker_fd = -1;        // the broker's end, until a connection owns it
  bool half_closed = false;  // shut down for writing: reconnects on its next record
  bool reading = true;
  bool started = false;  // its connection was created
  // Checks on what the broker sends: the version comes from the CONNECT the
  // harness wrote, as the broker's own decoder reads it.
  std::optional<protocol::decoder> sent;      // what the client wrote (server role)
  std::optional<protocol::decoder> received;  // what the broker wrote (client role)
  bool unchecked = false;  // the client's CONNECT did not decode: version unknown
  bool got_connack = false;
  std::vector<std::uint8_t> early;  // broker bytes that came before the version was known
};

class harness {
 public:
  harness(server& srv, event_loop& loop) : srv_(srv), loop_(loop) {}

  void run(std::span<const std::uint8_t> in) {
    while (in.size() >= 2) {
      const std::uint8_t hdr = in[0];
      const std::size_t n = std::min<std::size_t>(in[1], in.size() - 2);
      record(hdr, in.subspan(2, n));
      in = in.subspan(2 + n);
    }
    for (auto& c : clients_) disconnect(c);
    settle();
  }

 private:
  void record(std::uint8_t hdr, std::span<const std::uint8_t> data) {
    client& c = clients_[hdr & 1];
    c.reading = (hdr & 0x08) == 0;
    if ((c.fd < 0 || c.half_closed) && !connect(c)) return;
    write_all(c, data);
    if (!c.started) start(c);
    if (hdr & 0x02) {
      if (hdr & 0x10) {
        ::shutdown(c.fd, SHUT_WR);
        c.half_closed = true;  // still read until the next record reconnects
      } else {
        disconnect(c);
      }
    }
    if ((hdr & 0x04) == 0) settle();
  }

  bool connect(client& c) {
    disconnect(c);  // a half-closed socket
    if (connections_ == max_connections_per_input) return false;
    ++connections_;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
      fail("socketpair failed");
    // A small send buffer on the broker's side, so that a client that does
    // not read fills it quickly (EAGAIN, EPOLLOUT, the write-queue limit).
    const int small = 4096;
    ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    c.fd = sv[1];
    c.broker_fd = sv[0];
    c.started = false;
    c.sent.emplace(protocol::decoder::role::server, srv_.codec_limits());
    c.received.reset();
    c.unchecked = false;
    c.got_connack = false;
    c.early.clear();
    return true;
  }

  // As server::accept_ready: a slot under limits.max_connections, then a
  // connection on this loop, started at once.
  void start(client& c) {
    c.started = true;
    const int fd = std::exchange(c.broker_fd, -1);
    if (!srv_.try_reserve_connection()) {
      loop_.stats().connections_refused.add();
      ::close(fd);
      return;
    }
    auto conn = std::make_shared<connection>(loop_, fd);
    loop_.add_connection(conn);
    conn->start();
  }

  void disconnect(client& c) {
    if (c.fd == -1) return;
    // Not handed to the broker (the connection limit): ours to close.
    if (c.broker_fd >= 0) ::close(std::exchange(c.broker_fd, -1));
    ::close(std::exchange(c.fd, -1));
    c.half_closed = false;
  }

  void write_all(client& c, std::span<const std::uint8_t> data) {
    int stalled = 0;
    while (!data.empty() && c.fd >= 0) {
      const ssize_t n = ::send(c.fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        observe_sent(c, data.first(static_cast<std::size_t>(n)));
        data = data.subspan(static_cast<std::size_t>(n));
        stalled = 0;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && c.started && stalled < 2) {
        // The broker has not read yet: let it run, then try again.
        ++stalled;
        settle();
        continue;
      }
      return;  // the broker closed, or is not reading (e.g. a login delay)
    }
  }

  // Runs the loop until no handler is ready, draining what the broker sent.
  // (An exception escaping a handler ends the input: see LLVMFuzzerTestOneInput.)
  void settle() {
    for (int round = 0;; ++round) {
      if (round == 100'000) fail("the event loop never goes idle");
      const std::size_t ran = loop_.context().poll();
      bool got = false;
      for (auto& c : clients_) got |= drain(c);
      if (ran == 0 && !got) return;
    }
  }

  bool drain(client& c) {
    if (c.fd == -1 || !c.reading) return false;
    bool got = false;
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf_, sizeof buf_, 0);
      if (n > 0) {
        got = true;
        observe_received(c, std::span<const std::uint8_t>(buf_, static_cast<std::size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {
        // The broker closed: the next record for this slot connects anew.
        disconnect(c);
      }
      return got;
    }
  }

  // The harness's copy of the broker's decoding of this client's bytes,
  // only to learn the protocol version.
  void observe_sent(client& c, std::span<const std::uint8_t> data) {
    if (!c.sent) return;
    while (!data.empty()) {
      protocol::packet p;
      const auto r = c.sent->feed(data, p);
      data = data.subspan(r.consumed);
      if (r.status == protocol::decode_status::need_more) return;
      if (r.status == protocol::decode_status::error) {
        c.unchecked = true;
        c.sent.reset();
        return;
      }
      const auto v = c.sent->protocol_version();
      c.sent.reset();  // only the CONNECT matters
      c.received.emplace(protocol::decoder::role::client, protocol::limits{}, v);
      if (!c.early.empty()) {
        auto early = std::move(c.early);
        c.early.clear();
        check_received(c, early);
      }
      return;
    }
  }

  void observe_received(client& c, std::span<const std::uint8_t> data) {
    if (c.unchecked) return;
    if (!c.received) {
      c.early.insert(c.early.end(), data.begin(), data.end());
      return;
    }
    check_received(c, data);
  }

  void check_received(client& c, std::span<const std::uint8_t> data) {
    while (!data.empty()) {
      protocol::packet p;
      const auto r = c.received->feed(data, p);
      data = data.subspan(r.consumed);
      if (r.status == protocol::decode_status::need_more) return;
      if (r.status == protocol::decode_status::error) {
        std::fprintf(stderr, "fuzz_session: broker output: %s\n",
                     std::string(protocol::to_string(r.error)).c_str());
        fail("the broker sent bytes its client cannot decode");
      }
      if (trace)
        std::fprintf(stderr, "fuzz_session: %c <- %s\n", &c == clients_ ? 'A' : 'B',
                     std::string(protocol::to_string(protocol::type_of(p))).c_str());
      if (!c.got_connack && !std::holds_alternative<protocol::connack_packet>(p))
        fail("the broker's first packet is not CONNACK");
      c.got_connack = true;
    }
  }

  server& srv_;
  event_loop& loop_;
  client clients_[slots];
  int connections_ = 0;
  std::uint8_t buf_[16 * 1024];
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // As main(): a peer gone mid-write must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);
  broker::log_level level = broker::log_level::off;
  if (const char* env = std::getenv("FUZZ_SESSION_LOG"); env && !broker::parse_log_level(env, level))
    fail("FUZZ_SESSION_LOG must be debug, info, warning, error or off");
  broker::set_log_level(level);
  trace = std::getenv("FUZZ_SESSION_TRACE") != nullptr;
  files();
  std::atexit(remove_files);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  server srv(make_config(data[0]));
  event_loop& loop = srv.loop(0);
  loop.start();
  std::promise<void> done;
  auto finished = done.get_future();
  auto h = std::make_unique<harness>(srv, loop);
  asio::post(loop.context(), [&] {
    try {
      h->run(std::span<const std::uint8_t>(data + 1, size - 1));
    } catch (const std::exception& e) {
      // The loop thread would log it and run on (event_loop::start); any
      // exception out of broker code is a bug to report.
      std::fprintf(stderr, "fuzz_session: exception escaped the broker: %s\n", e.what());
      fail("exception escaped the broker");
    }
    done.set_value();
  });
  finished.wait();
  return 0;  // ~server stops the loop and joins its thread
}
