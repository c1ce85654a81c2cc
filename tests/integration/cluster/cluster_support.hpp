// Clients for the cluster cases: the push API and the gate's $gate/lookup
// from a URI, a reader of retained $SYS values, and a raw MQTT connection for
// what Paho cannot show (CONNACK properties of a refused CONNECT, the reason
// code of a failed PUBACK, the absence of a PUBACK).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster_process.hpp"
#include "push_support.hpp"
#include "raw_tcp.hpp"

namespace pummelo::test {

constexpr int rc_administrative_action = 0x98;
constexpr int rc_session_taken_over = 0x8E;
constexpr int rc_use_another_server = 0x9C;

using strings = std::vector<std::string>;

strings sorted(strings v);

// A $gate/lookup answer.
struct gate_reply {
  bool parsed = false;  // payload was a JSON object
  bool ok = false;
  std::string frontend;
  std::string host;
  std::int64_t port = -1;
  std::string error;
  std::optional<std::string> correlation;  // v5 Correlation Data of the reply
  std::string raw;
};

gate_reply parse_gate_reply(const std::string& payload);

// A client of the gate. v5: requests carry Response Topic + Correlation Data;
// 3.1.1: "reply_to" goes into the JSON. Either way the client subscribes to
// its reply topic first.
class gate_client {
 public:
  gate_client(const std::string& uri, int version);

  // Sends `json` as is (so malformed requests can be sent) and waits for the
  // reply. v5 replies carrying another request's correlation data are
  // skipped (they answer an earlier, timed-out request).
  std::optional<gate_reply> request(const std::string& json, int qos = 0, ms timeout = 3s);
  std::optional<gate_reply> lookup(const std::string& uid, int qos = 0, ms timeout = 3s);
  const std::string& last_correlation() const { return correlation_; }
  const std::string& reply_topic() const { return reply_topic_; }
  mqtt_client& client() { return client_; }

 private:
  mqtt_client client_;
  std::string reply_topic_;
  std::string correlation_;
};

// Reads a retained $SYS topic on one server (subscribed to exactly that
// topic; '#' does not match '$SYS').
class sys_reader {
 public:
  sys_reader(const std::string& uri, const std::string& topic);

  // Waits for the first value (the retained one).
  std::optional<std::string> first(ms timeout = 3s);
  // Collects every value published during `d` and returns the last one seen
  // (or the last value seen before, if none arrived).
  std::optional<std::string> latest(ms d);
  // Waits until a value satisfies `pred`; returns the last value seen.
  template <class Pred>
  std::optional<std::string> wait_for(Pred pred, ms timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (last_ && pred(*last_)) return last_;
      const auto left =
          std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
      if (left <= ms(0)) return last_;
      auto m = client_.wait_message(left);
      if (!m) return last_;
      if ((*m)->get_topic() == topic_) last_ = (*m)->get_payload_str();
    }
  }
  const std::optional<std::string>& last() const { return last_; }

 private:
  mqtt_client client_;
  std::string topic_;
  std::optional<std::string> last_;
};

std::optional<std::int64_t> to_int(const std::optional<std::string>& s);

// A raw MQTT connection (hand-built packets) to 127.0.0.1:port.
struct raw_connack {
  int reason = -1;  // v5 reason code / 3.1.1 return code; -1: no CONNACK in time
  bool session_present = false;
  std::optional<std::string> server_reference;  // v5 property 0x1C
  bool closed_after = false;                    // connection closed right after
};

class raw_mqtt {
 public:
  explicit raw_mqtt(std::uint16_t port);
  // Sends CONNECT (clean, keep-alive 60 s) and reads the CONNACK.
  raw_connack connect(int version, const std::string& client_id,
                      const std::optional<std::string>& username, ms timeout = 3s);
  // Sends a QoS 1 PUBLISH and waits for its PUBACK. Returns the PUBACK's
  // reason code (0 when a PUBACK has none, always so in 3.1.1), or nullopt
  // when no PUBACK arrived in time (or the connection closed).
  std::optional<int> publish_qos1(const std::string& topic, const std::string& payload,
                                  ms timeout = 3s);
  void publish_qos0(const std::string& topic, const std::string& payload);
  bool wait_closed(ms timeout) { return tcp_.wait_closed(timeout); }
  bool closed() const { return closed_; }

 private:
  raw_tcp tcp_;
  int version_ = 4;
  std::uint16_t next_id_ = 1;
  bool closed_ = false;
};

// Connect options with a user name, clean, and a short keep-alive.
connect_opts user_opts(const std::string& user);

// Creates a client on one server of the cluster and connects it (throws if
// the server refuses).
std::unique_ptr<mqtt_client> connect_to(const cluster_process& c, const std::string& server,
                                        const std::string& client_id, int version,
                                        const connect_opts& o = {});

// Waits `d` once, then checks that none of the clients has a message queued
// (a duplicate or a stray delivery).
void expect_silence(const std::vector<mqtt_client*>& clients, ms d = 500ms);

// Waits for exactly one message per client on `topic` with `payload`, then
// (after `settle`) checks that no client got anything more.
void expect_exactly_one(const std::vector<mqtt_client*>& clients, const std::string& topic,
                        const std::string& payload, int qos, ms settle = 300ms);

// CONNACK waits until the channel servers know a new session's uid (the
// case "a uid connected on one frontend is reachable..." asserts that).
// Cases that are about something else call this first, so that a failure of
// that guarantee shows in its own case only: it pushes to `uids` on topic "probe/bound" until
// none fails (within `timeout`), then lets every one of `devices` (sessions
// of those uids) consume the probe pushes it got.
void wait_uids_bound(push_requester& req, const strings& uids,
                     const std::vector<mqtt_client*>& devices, ms timeout = 5s);

// Stops the cluster and checks that every running server exited 0 on SIGTERM.
void check_clean_stop(cluster_process& c);

}  // namespace pummelo::test
