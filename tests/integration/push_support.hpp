// Helpers for the backend push API cases ($push/uids, $push/broadcast,
// $push/kick): request builders, a requester client that waits for the JSON
// result, and a parser for that result. The push API is a pummelo feature;
// every push case returns early on Mosquitto.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace pummelo::test {

// The push API exists only in pummelo; Mosquitto has no equivalent.
inline bool push_api_available() { return kind_from_env() == broker_kind::pummelo; }

// A push result ({"ok":true,"sessions":N,"failed_uids":[...]} or
// {"ok":false,"error":"...","field":"..."}) as received.
struct push_reply {
  bool parsed = false;  // payload was a JSON object
  bool ok = false;
  std::int64_t sessions = -1;  // -1: member absent or not an integer
  std::vector<std::string> failed_uids;
  bool has_failed_uids = false;
  std::string error;
  std::optional<std::string> field;
  std::string raw;
  mqtt::const_message_ptr msg;  // the reply PUBLISH (topic, properties)
};

push_reply parse_push_reply(const std::string& payload);

// JSON string literal (quoted, escaped).
std::string jstr(const std::string& s);
// JSON array of strings.
std::string jarr(const std::vector<std::string>& items);

// Request bodies; `more` is appended as further members (e.g. "\"qos\":1").
std::string uids_request(const std::vector<std::string>& uids, const std::string& topic,
                         const std::string& payload, const std::string& more = "");
std::string broadcast_request(const std::string& topic, const std::string& payload,
                              bool bound_only, const std::string& more = "");
std::string kick_request(const std::vector<std::string>& uids, const std::string& more = "");

// Inserts "reply_to": topic as the first member of a JSON object text (works
// textually, so it also applies to deliberately malformed requests).
std::string with_reply_to(const std::string& json, const std::string& topic);

// Connect options with an MQTT user name (the default uid source).
connect_opts as_user(const std::string& user, connect_opts o = {});

// A client that sends push requests and waits for their results. It is
// anonymous unless `o` carries a user name, and subscribes to its own reply
// topic. v5: the request carries Response Topic + Correlation Data;
// 3.1.1: "reply_to" is inserted into the JSON.
class push_requester {
 public:
  push_requester(const broker_process& b, int version, connect_opts o = {});
  // Any broker by URI (a cluster's frontend, say).
  push_requester(const std::string& uri, int version, connect_opts o = {});

  // Publishes `json` on `api` (e.g. "$push/uids") at `qos` and waits for the
  // result. nullopt when no reply arrives in time. Non-reply messages that
  // arrive meanwhile are kept in others().
  std::optional<push_reply> request(const std::string& api, const std::string& json,
                                    int qos = 1, ms timeout = 3s);

  const std::string& reply_topic() const { return reply_topic_; }
  const std::string& last_correlation() const { return correlation_; }
  mqtt_client& client() { return client_; }
  // Messages received that were not replies, in arrival order (drains the
  // client's queue first).
  std::vector<mqtt::const_message_ptr> others();

 private:
  mqtt_client client_;
  std::string reply_topic_;
  std::string correlation_;
  std::vector<mqtt::const_message_ptr> others_;
};

// The messages of `all` published on `topic`, in order.
std::vector<mqtt::const_message_ptr> on_topic(const std::vector<mqtt::const_message_ptr>& all,
                                              const std::string& topic);

// Drains every message `c` receives during `d`.
std::vector<mqtt::const_message_ptr> drain(mqtt_client& c, ms d = 400ms);

// Polls `fn` (returning bool) every `step` until it is true or `timeout`
// passes; returns the last result.
template <class Fn>
bool poll_until(Fn fn, ms timeout, ms step = 100ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (fn()) return true;
    if (std::chrono::steady_clock::now() + step >= deadline) return fn();
    std::this_thread::sleep_for(step);
  }
}

}  // namespace pummelo::test
