// Small synchronous-style wrapper around Paho's mqtt::async_client for the
// integration tests: bounded waits everywhere, received messages recorded in
// a thread-safe queue, and the broker's disconnect (v5 reason code) recorded.
#pragma once

#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pummelo::test {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

constexpr int mqtt_v311 = MQTTVERSION_3_1_1;  // 4
constexpr int mqtt_v5 = MQTTVERSION_5;        // 5

// Default bound for any single operation (connect, subscribe, publish ack).
constexpr ms op_timeout = 5s;

// Waits for a Paho token, poking Paho's threads meanwhile (see paho_waker).
// Returns false on timeout; a failed operation throws mqtt::exception.
bool wait_token(const mqtt::token_ptr& tok, ms timeout = op_timeout);

struct connect_opts {
  bool clean = true;  // clean session (3.1.1) / clean start (5)
  int keepalive_s = 30;
  std::optional<std::uint32_t> session_expiry_s;  // v5 CONNECT property
  std::optional<mqtt::will_options> will;
  mqtt::properties properties;  // further v5 CONNECT properties
  std::optional<std::string> username;  // none: CONNECT without user name
  std::optional<std::string> password;
  int max_inflight = 20;        // Paho's own outgoing in-flight window
  ms timeout = op_timeout;
};

class mqtt_client {
 public:
  // version: mqtt_v311 or mqtt_v5. No client-side persistence is used.
  mqtt_client(const std::string& uri, const std::string& client_id, int version);
  ~mqtt_client();

  mqtt_client(const mqtt_client&) = delete;
  mqtt_client& operator=(const mqtt_client&) = delete;

  // Connects and returns the CONNACK data. Throws mqtt::exception when the
  // broker refuses (Paho 1.2 puts the CONNACK code in get_return_code();
  // get_reason_code() is 0) and std::runtime_error on timeout.
  mqtt::connect_response connect(const connect_opts& o = {});
  // Clean DISCONNECT (v5: with the given reason code and properties).
  void disconnect(int reason = 0, const mqtt::properties& props = {});

  // SUBSCRIBE and wait for SUBACK; returns the granted QoS / reason codes.
  std::vector<mqtt::ReasonCode> subscribe(const std::string& filter, int qos,
                                          const mqtt::subscribe_options& opts = {},
                                          const mqtt::properties& props = {});
  void unsubscribe(const std::string& filter);

  // Sends a PUBLISH and returns Paho's delivery token without waiting.
  mqtt::delivery_token_ptr publish_async(const std::string& topic, const std::string& payload,
                                         int qos = 0, bool retain = false,
                                         const mqtt::properties& props = {});
  // Sends a PUBLISH and waits until Paho reports completion (QoS 0: sent,
  // QoS 1: PUBACK, QoS 2: PUBCOMP). Throws std::runtime_error on timeout.
  void publish(const std::string& topic, const std::string& payload, int qos = 0,
               bool retain = false, const mqtt::properties& props = {});
  void publish(mqtt::const_message_ptr msg);

  // Next received message, or nullopt when none arrives within the timeout.
  std::optional<mqtt::const_message_ptr> wait_message(ms timeout = 3s);
  // Collects messages until n have arrived or the timeout passes.
  std::vector<mqtt::const_message_ptr> wait_messages(std::size_t n, ms timeout = 5s);
  // Waits for a message on exactly this topic, dropping others on the way.
  std::optional<mqtt::const_message_ptr> wait_message_on(const std::string& topic,
                                                         ms timeout = 3s);
  // True when nothing arrives during the whole duration.
  bool expect_no_message(ms duration = 500ms);
  std::size_t queued() const;
  void clear_messages();

  // The broker closed the connection (or sent a v5 DISCONNECT).
  bool connection_lost() const;
  bool wait_connection_lost(ms timeout = 3s);
  // Reason code of a DISCONNECT sent by the broker (v5 only).
  std::optional<int> server_disconnect_reason() const;
  // Waits for a DISCONNECT from the broker and returns its reason code.
  std::optional<int> wait_server_disconnect(ms timeout = 3s);
  bool is_connected() const { return client_->is_connected(); }

  const std::string& client_id() const { return client_id_; }
  int version() const { return version_; }
  mqtt::async_client& paho() { return *client_; }

 private:
  void on_message(mqtt::const_message_ptr msg);
  void on_lost();

  std::string client_id_;
  int version_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<mqtt::const_message_ptr> messages_;
  bool lost_ = false;
  std::optional<int> disconnect_reason_;
  std::unique_ptr<mqtt::async_client> client_;  // last: destroyed first
};

// Shorthands for v5 properties.
mqtt::properties props_with(std::initializer_list<mqtt::property> list);
// Value of an integer property, or nullopt if absent.
std::optional<std::int64_t> int_prop(const mqtt::properties& p, mqtt::property::code c);
std::optional<std::string> string_prop(const mqtt::properties& p, mqtt::property::code c);
// All user properties in wire order.
std::vector<std::pair<std::string, std::string>> user_props(const mqtt::properties& p);

}  // namespace pummelo::test
