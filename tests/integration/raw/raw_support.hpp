// Shared steps for the raw cases: start the broker chosen by the
// environment, connect with a CONNACK check, and a "bystander" client that
// proves a bad peer only took down its own connection.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "../broker_process.hpp"
#include "mqtt_bytes.hpp"
#include "raw_client.hpp"

namespace pummelo::test::raw {

using namespace std::chrono_literals;

inline constexpr milliseconds reply_timeout{5000};  // an expected packet (generous: ASan on a loaded machine)
inline constexpr milliseconds quiet_window{600};    // "nothing more arrives"
inline constexpr milliseconds close_timeout{3000};  // broker closes a bad peer

std::unique_ptr<broker_process> start_broker(const broker_settings& s = {});
// Seconds since t0, for the cases that check how long the broker took.
double seconds_since(std::chrono::steady_clock::time_point t0);
bool on_mosquitto();

// Connects, sends CONNECT, requires CONNACK code 0. The CONNACK goes to *ack.
std::unique_ptr<raw_client> connect_client(std::uint16_t port, const connect_options& o,
                                           connack_info* ack = nullptr, int rcvbuf_bytes = 0);
std::unique_ptr<raw_client> connect_v311(std::uint16_t port, const std::string& client_id);

// Sends SUBSCRIBE with one filter and requires a SUBACK granting `qos`.
void subscribe(raw_client& c, std::uint8_t version, const std::string& filter, std::uint8_t qos,
               std::uint16_t packet_id = 1);

// Next packet that must be a PUBLISH; fails the case otherwise.
publish_info expect_publish(raw_client& c, std::uint8_t version, milliseconds timeout = reply_timeout);
// Next packet of the given type; fails the case otherwise.
packet expect_packet(raw_client& c, std::uint8_t type, milliseconds timeout = reply_timeout);

// What the broker sent to an offending client before it closed the socket.
struct close_outcome {
  bool closed = false;
  std::vector<packet> before;
};
close_outcome expect_closed(raw_client& c, milliseconds timeout = close_timeout);
// A v5 broker may say goodbye with DISCONNECT before closing: accept that
// only with one of the listed reason codes; nothing at all is accepted too.
void check_v5_goodbye(const close_outcome& o, std::initializer_list<std::uint8_t> reasons);

class bystander {
 public:
  explicit bystander(std::uint16_t port, std::string id = "bystander");
  // Publishes QoS 1 to its own topic and must get PUBACK and the message back.
  void check_still_works();

 private:
  std::unique_ptr<raw_client> client_;
  std::string topic_;
  std::uint16_t next_id_ = 100;
};

}  // namespace pummelo::test::raw
