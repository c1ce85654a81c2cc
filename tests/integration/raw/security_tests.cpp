// Authentication and access rules, against both brokers given the same
// password file (conf/secure/passwd) and the same rules (conf/secure/acl.json
// for pummelo, secure_acl.mosquitto for Mosquitto): alice and bob are
// devices, `backend` pushes, `admin` does everything.
//
// Where Mosquitto 2.0.11 legitimately differs (it answers every failed login
// with "not authorized", and grants every SUBSCRIBE but withholds what the
// rules do not let the client read), the case says so; what must hold on
// both is that nobody gets in without the right password and a device never
// receives another user's pushes.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "raw_support.hpp"

namespace pummelo::test::raw {
namespace {

const std::string conf_dir = std::string(PUMMELO_SOURCE_ROOT) + "/conf/secure";

broker_settings secure_settings() {
  broker_settings s;
  s.allow_anonymous = false;
  s.password_file = conf_dir + "/passwd";
  s.pummelo_acl_file = conf_dir + "/acl.json";
  s.mosquitto_acl_file = std::string(PUMMELO_SOURCE_ROOT) + "/tests/integration/raw/secure_acl.mosquitto";
  return s;
}

connect_options login(std::uint8_t version, std::string user, std::string password, std::string id) {
  connect_options o;
  o.version = version;
  o.client_id = std::move(id);
  o.username = std::move(user);
  o.password = std::move(password);
  return o;
}

// Sends CONNECT and returns the CONNACK code (0xFF when none came).
std::uint8_t connack_code(raw_client& c, const connect_options& o) {
  REQUIRE(c.send(make_connect(o)));
  const packet p = c.read_packet(reply_timeout + 6000ms);  // a throttled refusal waits up to 5 s
  INFO("CONNACK expected, got ", describe(p));
  const connack_info info = parse_connack(o.version, p);
  return info.well_formed ? info.code : 0xFF;
}

// Subscribes and returns the SUBACK's return code for the one filter.
std::uint8_t suback_code(raw_client& c, std::uint8_t version, const std::string& filter,
                         std::uint16_t id) {
  REQUIRE(c.send(make_subscribe(version, id, {{filter, 1}})));
  const packet p = expect_packet(c, ptype::suback);
  REQUIRE(packet_id_of(p) == id);
  REQUIRE(!p.body.empty());
  return p.body.back();
}

// pummelo's $SYS counter `topic` (retained, republished every second in the
// tests) as read by the admin, once it shows `want`; the last value seen
// otherwise (bounded: 5 s).
std::string sys_counter(std::uint16_t port, const std::string& topic, const std::string& want) {
  auto admin = connect_client(port, login(v311, "admin", "admin-secret", "sys-reader"));
  subscribe(*admin, v311, topic, 0);
  std::string last;
  const auto end = std::chrono::steady_clock::now() + 5000ms;
  while (last != want && std::chrono::steady_clock::now() < end) {
    const packet p = admin->read_packet(1500ms);
    if (p.status != read_status::packet) continue;
    if (p.type == ptype::publish) last = parse_publish(v311, p).payload;
  }
  return last;
}

}  // namespace

TEST_CASE("auth: a bad password, an unknown user or no login is refused; the right password connects") {
  auto broker = start_broker(secure_settings());
  for (const std::uint8_t v : {v311, v5}) {
    CAPTURE(int{v});
    // 3.1.1: 4 bad user name or password / 5 not authorized; 5.0: 0x86 / 0x87.
    // pummelo says which; Mosquitto answers "not authorized" to all.
    const std::uint8_t bad_login = on_mosquitto() ? (v == v5 ? 0x87 : 5) : (v == v5 ? 0x86 : 4);
    const std::uint8_t not_authorized = v == v5 ? 0x87 : 5;
    {
      raw_client c(broker->port());
      CHECK(connack_code(c, login(v, "alice", "bob-secret", "a1")) == bad_login);
      CHECK(expect_closed(c).closed);
    }
    {
      raw_client c(broker->port());
      CHECK(connack_code(c, login(v, "mallory", "mallory-secret", "m1")) == bad_login);
    }
    {
      raw_client c(broker->port());
      connect_options anonymous;
      anonymous.version = v;
      anonymous.client_id = "anon";
      CHECK(connack_code(c, anonymous) == not_authorized);
    }
    auto ok = connect_client(broker->port(), login(v, "alice", "alice-secret", "a2"));
    REQUIRE(ok->send(make_pingreq()));
    expect_packet(*ok, ptype::pingresp);
  }
  // Every refusal is counted: 3 per protocol version.
  if (!on_mosquitto()) CHECK(sys_counter(broker->port(), "$SYS/broker/clients/auth_failures", "6") == "6");
}

TEST_CASE("auth: repeated failures from one address are answered ever more slowly") {
  if (on_mosquitto()) {
    // Mosquitto answers every failure at once; nothing to compare.
    return;
  }
  auto broker = start_broker(secure_settings());
  // auth.failures_before_delay defaults to 3: the 4th failure waits 100 ms,
  // the 5th 200 ms, the 6th 400 ms. Which refusals were held back is read
  // from the broker's counter, not from the clock: a loaded machine can make
  // any answer slow, but cannot make a delayed one fast.
  std::vector<double> waits;
  for (int i = 0; i < 6; ++i) {
    raw_client c(broker->port());
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(connack_code(c, login(v311, "alice", "guess-" + std::to_string(i), "g")) == 4);
    waits.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  MESSAGE("refusal times (s): ", waits[0], " ", waits[3], " ", waits[4], " ", waits[5]);
  CHECK(waits[3] >= 0.09);
  CHECK(waits[4] >= 0.19);
  CHECK(waits[5] >= 0.39);
  // The right password still gets in, and clears the record: the next
  // failure is answered at once again (uncleared, it would be the 7th).
  auto ok = connect_client(broker->port(), login(v311, "alice", "alice-secret", "g2"));
  raw_client after(broker->port());
  CHECK(connack_code(after, login(v311, "alice", "wrong", "g3")) == 4);
  CHECK(sys_counter(broker->port(), "$SYS/broker/clients/auth_failures", "7") == "7");
  CHECK(sys_counter(broker->port(), "$SYS/broker/clients/auth_delayed", "3") == "3");
}

TEST_CASE("acl: a device cannot read another user's pushes, or push at all") {
  auto broker = start_broker(secure_settings());
  for (const std::uint8_t v : {v311, v5}) {
    CAPTURE(int{v});
    const std::string sfx = std::to_string(v);
    auto alice = connect_client(broker->port(), login(v, "alice", "alice-secret", "alice-" + sfx));
    auto backend = connect_client(broker->port(), login(v311, "backend", "backend-secret", "be-" + sfx));
    // Her own pushes and broadcasts: granted.
    CHECK(suback_code(*alice, v, "push/alice/#", 1) == 1);
    CHECK(suback_code(*alice, v, "broadcast/#", 2) == 1);
    // Bob's, or everyone's: refused (0x80 / 0x87) by pummelo. Mosquitto
    // grants the SUBSCRIBE and then withholds what alice may not read.
    const std::uint8_t denied = v == v5 ? 0x87 : 0x80;
    for (const std::string filter : {"push/bob/#", "push/#", "#", "push/+/inbox"}) {
      CAPTURE(filter);
      const std::uint8_t code = suback_code(*alice, v, filter, 3);
      if (on_mosquitto()) {
        CHECK(code == 1);
      } else {
        CHECK(code == denied);
      }
    }
    // Whatever the SUBACK said: only her own push reaches her.
    REQUIRE(backend->send(make_publish(v311, pub("push/bob/inbox", "for bob", 1, 11))));
    expect_packet(*backend, ptype::puback);
    REQUIRE(backend->send(make_publish(v311, pub("push/alice/inbox", "for alice", 1, 12))));
    expect_packet(*backend, ptype::puback);
    // (Mosquitto 5.0 delivers one copy per matching subscription, her
    // granted "#" included: every copy must still be hers.)
    int copies = 0;
    for (packet p = alice->read_packet(reply_timeout); p.status == read_status::packet;
         p = alice->read_packet(quiet_window)) {
      REQUIRE(p.type == ptype::publish);
      const publish_info m = parse_publish(v, p);
      CHECK(m.topic == "push/alice/inbox");
      CHECK(m.payload == "for alice");
      if (m.qos == 1) REQUIRE(alice->send(make_ack(ptype::puback, m.packet_id)));
      ++copies;
    }
    CHECK(copies >= 1);

    // A device publishing where it may not: dropped. 5.0 says so with 0x87;
    // 3.1.1 has no code, and the flow ends as if accepted.
    auto bob = connect_client(broker->port(), login(v311, "bob", "bob-secret", "bob-" + sfx));
    subscribe(*bob, v311, "push/bob/#", 0);
    REQUIRE(alice->send(make_publish(v, pub("push/bob/x", "spoof", 1, 21))));
    const packet ack = expect_packet(*alice, ptype::puback);
    CHECK(packet_id_of(ack) == 21);
    if (v == v5) {
      REQUIRE(ack.body.size() >= 3);
      CHECK(ack.body[2] == 0x87);
    }
    // $push is for backends: a device's push request is dropped as well.
    REQUIRE(alice->send(make_publish(v, pub("$push/uids",
        R"({"uids": ["bob"], "topic": "push/bob/x", "payload": "spoof"})", 1, 22))));
    const packet ack2 = expect_packet(*alice, ptype::puback);
    if (v == v5) {
      REQUIRE(ack2.body.size() >= 3);
      CHECK(ack2.body[2] == 0x87);
    }
    CHECK(bob->read_packet(quiet_window).status == read_status::timeout);
    // The connection stays up after a denial.
    REQUIRE(alice->send(make_pingreq()));
    expect_packet(*alice, ptype::pingresp);
  }
  // Every denial is counted: per version 4 filters and 2 publishes.
  if (!on_mosquitto()) CHECK(sys_counter(broker->port(), "$SYS/broker/acl/denied", "12") == "12");
}

TEST_CASE("acl: a backend pushes to a device by uid; a device's own reports go through") {
  if (on_mosquitto()) return;  // $push is pummelo's backend API
  auto broker = start_broker(secure_settings());
  auto alice = connect_client(broker->port(), login(v311, "alice", "alice-secret", "phone"));
  auto backend = connect_client(broker->port(), login(v311, "backend", "backend-secret", "app"));
  subscribe(*backend, v311, "replies", 0);
  REQUIRE(backend->send(make_publish(v311, pub("$push/uids",
      R"({"uids": ["alice"], "topic": "push/alice/news", "payload": "hi", "reply_to": "replies"})"))));
  const publish_info m = expect_publish(*alice, v311);
  CHECK(m.topic == "push/alice/news");
  CHECK(m.payload == "hi");
  const publish_info r = expect_publish(*backend, v311);
  CHECK(r.topic == "replies");
  CHECK(r.payload.find("\"ok\":true") != std::string::npos);
  // Her report on up/alice/... reaches the backend (subscribed to #).
  subscribe(*backend, v311, "up/#", 0, 2);
  REQUIRE(alice->send(make_publish(v311, pub("up/alice/battery", "87"))));
  const publish_info up = expect_publish(*backend, v311);
  CHECK(up.topic == "up/alice/battery");
}

}  // namespace pummelo::test::raw

namespace pummelo::test::raw {
namespace {

// Rules that let alice read news/# (or not), in both brokers' syntax.
void write_rules(const std::filesystem::path& dir, bool news) {
  {
    std::ofstream j(dir / "acl.json", std::ios::trunc);
    j << R"({"roles": {"device": {"subscribe": ["push/%u/#")" << (news ? R"(, "news/#")" : "")
      << R"(]}, "backend": {"subscribe": ["#"], "publish": ["#"]}},
            "users": {"alice": {"roles": ["device"]}, "backend": {"roles": ["backend"]}}})";
  }
  std::ofstream m(dir / "acl.mosquitto", std::ios::trunc);
  m << "user alice\ntopic read push/alice/#\n" << (news ? "topic read news/#\n" : "")
    << "user backend\ntopic readwrite #\n";
}

// A fresh directory for a case's rule files, removed when the case ends.
struct rules_dir {
  std::filesystem::path path;
  explicit rules_dir(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(pick_free_port()))) {
    std::filesystem::create_directories(path);
  }
  ~rules_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  rules_dir(const rules_dir&) = delete;
  rules_dir& operator=(const rules_dir&) = delete;
};

}  // namespace

TEST_CASE("acl: SIGHUP reloads the rules; rights taken away end at once, and nobody is disconnected") {
  const rules_dir temp("pummelo-acl");
  const auto& dir = temp.path;
  write_rules(dir, true);
  broker_settings s = secure_settings();
  s.pummelo_acl_file = (dir / "acl.json").string();
  s.mosquitto_acl_file = (dir / "acl.mosquitto").string();
  auto broker = start_broker(s);
  auto alice = connect_client(broker->port(), login(v311, "alice", "alice-secret", "hup-alice"));
  auto backend = connect_client(broker->port(), login(v311, "backend", "backend-secret", "hup-be"));
  subscribe(*alice, v311, "news/#", 0);
  subscribe(*alice, v311, "push/alice/#", 0, 2);
  REQUIRE(backend->send(make_publish(v311, pub("news/today", "before"))));
  CHECK(expect_publish(*alice, v311).payload == "before");

  write_rules(dir, false);
  REQUIRE(::kill(broker->pid(), SIGHUP) == 0);
  // Probe until news stop reaching her (bounded in time: the reload runs
  // whenever the broker gets to the signal). Each probe is followed by a
  // marker on a topic she keeps: the marker arriving without the probe
  // before it proves the probe was refused, however slow the machine (a
  // timeout alone cannot tell a refused probe from a late one).
  bool revoked = false;
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  for (int i = 0; !revoked && std::chrono::steady_clock::now() < give_up; ++i) {
    const std::string marker = "mark-" + std::to_string(i);
    REQUIRE(backend->send(make_publish(v311, pub("news/today", "probe"))));
    REQUIRE(backend->send(make_publish(v311, pub("push/alice/mark", marker))));
    bool probe_arrived = false;
    for (;;) {
      const publish_info m = expect_publish(*alice, v311);
      if (m.payload == marker) break;
      REQUIRE(m.payload == "probe");
      probe_arrived = true;
    }
    revoked = !probe_arrived;
    if (!revoked) std::this_thread::sleep_for(20ms);
  }
  CHECK(revoked);
  CHECK(alice->read_packet(quiet_window).status == read_status::timeout);  // no late copies
  // Still connected, and what she may still read still arrives.
  REQUIRE(backend->send(make_publish(v311, pub("push/alice/x", "after"))));
  CHECK(expect_publish(*alice, v311).payload == "after");
  REQUIRE(alice->send(make_pingreq()));
  expect_packet(*alice, ptype::pingresp);
}

}  // namespace pummelo::test::raw

namespace pummelo::test::raw {

TEST_CASE("acl: a broken ACL on SIGHUP is refused; the rules in force stay") {
  if (on_mosquitto()) return;  // how a broker handles a bad reload is its own
  const rules_dir temp("pummelo-badacl");
  const auto& dir = temp.path;
  write_rules(dir, true);
  broker_settings s = secure_settings();
  s.pummelo_acl_file = (dir / "acl.json").string();
  auto broker = start_broker(s);
  auto alice = connect_client(broker->port(), login(v311, "alice", "alice-secret", "bad-alice"));
  auto backend = connect_client(broker->port(), login(v311, "backend", "backend-secret", "bad-be"));
  subscribe(*alice, v311, "news/#", 0);
  std::ofstream(dir / "acl.json", std::ios::trunc) << R"({"roles": {"device": {"subscribe": ["news/#/x"]}}})";
  REQUIRE(::kill(broker->pid(), SIGHUP) == 0);
  bool logged = false;
  for (int i = 0; i < 50 && !logged; ++i) {
    std::this_thread::sleep_for(100ms);
    logged = broker->log_text().find("keeping the access rules in force") != std::string::npos;
  }
  CHECK(logged);
  REQUIRE(backend->send(make_publish(v311, pub("news/today", "still"))));
  CHECK(expect_publish(*alice, v311).payload == "still");
}

}  // namespace pummelo::test::raw

namespace pummelo::test::raw {

TEST_CASE("acl: a will on a forbidden topic is never published") {
  auto broker = start_broker(secure_settings());
  auto bob = connect_client(broker->port(), login(v311, "bob", "bob-secret", "will-bob"));
  subscribe(*bob, v311, "push/bob/#", 0);
  {
    raw_client alice(broker->port());
    connect_options o = login(v311, "alice", "alice-secret", "will-alice");
    o.will = will_options{"push/bob/alert", "spoofed will", 0, false};
    const std::uint8_t code = connack_code(alice, o);
    if (on_mosquitto()) {
      CHECK(code == 0);  // Mosquitto accepts the CONNECT and drops the will when it is due
    } else {
      CHECK(code == 5);  // pummelo refuses it at once: not authorized
    }
    // Gone without DISCONNECT: the will would be due now.
  }
  CHECK(bob->read_packet(quiet_window).status == read_status::timeout);
}

}  // namespace pummelo::test::raw
