// Scenarios "fanout" and "p2p": one engine over "groups". A group is a topic
// with its publishers and subscribers; fanout is one group of P publishers
// and N subscribers, p2p is N groups of one publisher and one subscriber.
//
// Every message carries a 16-byte header at the start of its payload:
// steady_clock send time in ns (8 bytes), sequence number (4), publisher index
// in the group (4), native byte order. Subscribers time the delivery from it
// and check order, gaps and duplicates per publisher.
//
// Closed loop: publisher p of a group publishes sequence s only when every
// live subscriber of the group has "resolved" sequence s - W_p (received it,
// or received a later one, which makes it lost on an ordered broker), with
// W_p = max(1, window / publishers). So each subscriber's broker queue holds at
// most about `window` messages of the group, and the rate counts only what is
// actually delivered.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace pummelo::bench {

using steady = std::chrono::steady_clock;

/// Bytes of the header embedded in each payload: the smallest --payload-bytes.
inline constexpr std::size_t payload_header_bytes = 16;
/// Clients per process (file limit 20,000 with room for the rest).
inline constexpr std::uint64_t max_clients = 19000;

struct traffic_options {
  std::string scenario = "fanout";       // names client ids and topics
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;
  std::vector<std::string> source_addrs;  // empty: let the kernel choose
  std::uint64_t groups = 1;
  std::uint64_t publishers = 1;            // per group
  std::uint64_t subscribers = 0;           // per group
  std::uint8_t qos = 0;                    // 0 or 1, publish and subscribe
  std::size_t payload_bytes = 64;          // >= payload_header_bytes
  double rate = 0;                         // messages/s, all publishers; 0 = max
  std::uint64_t window = 1000;             // per group, split over its publishers
  std::uint64_t messages = 0;              // per publisher; 0 = no bound
  double duration_s = 0;                   // publish phase; 0 = no bound
  double warmup_s = 0;                     // deliveries sent earlier are not timed
  unsigned threads = 2;
  double timeout_s = 120;                  // the whole run
  double drain_s = 5;                      // after publishing: at most this long without progress
  std::uint64_t connect_inflight = 500;    // handshakes under way, all threads
  std::uint16_t keepalive_s = 300;
  bool json = false;                       // output format, for the command line
};

struct traffic_result {
  std::uint64_t clients = 0, connected = 0, connect_failed = 0;
  bool connect_timed_out = false;
  std::uint64_t disconnected = 0;       // after the handshake, by the broker or an error
  std::uint64_t published = 0, acked = 0;  // acked: PUBACKs received (QoS 1)
  std::uint64_t expected = 0;           // published x subscribers, per group
  std::uint64_t delivered = 0;          // distinct deliveries
  std::uint64_t timed = 0;              // deliveries sent after the warm-up
  std::uint64_t duplicates = 0, out_of_order = 0;
  std::uint64_t unexpected = 0;         // packets we cannot account for
  double connect_seconds = 0;
  double seconds = 0;                   // publish start (after warm-up) -> last delivery
  histogram latency_us;                 // send -> receive, deliveries after the warm-up
  std::string failure;                  // first reason the run failed, if any

  std::uint64_t lost() const { return expected > delivered ? expected - delivered : 0; }
  std::uint64_t unacked() const { return published > acked ? published - acked : 0; }
};

/// Runs the scenario described by `opt` in this process. Throws
/// std::runtime_error when the process cannot get enough files or threads.
traffic_result run_traffic(const traffic_options& opt);

}  // namespace pummelo::bench
