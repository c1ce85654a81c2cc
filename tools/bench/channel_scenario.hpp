// Scenario "channel": N member sessions subscribe to one topic, spread
// round-robin over a cluster's frontends (forked workers, see worker.hpp);
// one extra client then publishes stamped messages on it, one at a time, and
// the members' receive times give the time to the last delivery. The
// frontends' $SYS counters, read before and after each push, give the deliver
// frames and the link traffic the push cost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conn_scenario.hpp"
#include "histogram.hpp"

namespace pummelo::bench {

struct channel_options {
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;             // member ports, round-robin
  std::optional<std::uint16_t> publish_port;    // default: ports[0]
  std::uint64_t members = 0;
  std::string topic;
  std::uint8_t qos = 0;
  std::size_t payload_bytes = 64;
  std::vector<std::string> source_addrs;
  unsigned workers = 0;                         // 0 = ceil(members / 19000)
  std::uint64_t inflight = 1000;                // CONNECT/SUBSCRIBE awaiting an ack, all workers
  std::uint32_t pushes = 1;
  bool uids = false;                            // username = client id
  double timeout_s = 300;                       // the whole run (teardown: 10 s more)
  double push_timeout_s = 60;                   // one push's deliveries
  double sys_wait_s = 25;                       // for $SYS counters, each time
  bool json = false;
};

/// One reading of a frontend's counters (one $SYS cycle).
struct counter_snapshot {
  std::int64_t at_ns = 0;  // when the cycle's last counter arrived
  std::uint64_t push_frames = 0, frames_rx = 0, bytes_rx = 0, frames_tx = 0, bytes_tx = 0;
};

/// Counter differences for one push (one port, or summed).
struct counter_delta {
  std::uint64_t push_frames = 0;
  std::int64_t frames_rx = 0, bytes_rx = 0, frames_tx = 0, bytes_tx = 0;
  // The same counters on the idle links over a window as long (heartbeats):
  // an estimate of what in the figures above is not the push. -1 = unknown.
  double idle_frames_rx = -1, idle_bytes_rx = -1, idle_frames_tx = -1, idle_bytes_tx = -1;
  double window_s = 0;
};

struct port_delta {
  std::uint16_t port = 0;
  std::optional<counter_delta> delta;  // nullopt: no reading
};

struct push_result {
  std::uint32_t seq = 0;
  std::int64_t published_ns = 0;
  std::optional<double> puback_ms;       // QoS 1
  std::uint64_t reached = 0, duplicates = 0;
  std::int64_t last_ns = 0;
  histogram latency_us;
  bool timed_out = false;
  std::optional<counter_delta> counters;  // summed over the frontends; nullopt: n/a
  std::vector<port_delta> per_port;
};

struct channel_result {
  std::string run_id;
  conn_result setup;                    // connected = subscribed members
  double setup_s = 0;
  bool setup_complete = false;          // every worker reported in time
  bool publisher_ok = false;
  std::string publisher_error;
  std::vector<push_result> pushes;      // those attempted, in order
  std::uint32_t not_attempted = 0;      // pushes never sent (setup failed, deadline, publisher lost)
  hold_status held;                     // summed over the workers
  std::string counters_note;            // why the counters are n/a, if they are
  std::vector<std::string> versions;    // $SYS/broker/version per port ("" unknown)
  bool workers_ok = true;
};

/// Runs the whole scenario (forks the workers). Throws std::runtime_error
/// when it cannot start.
channel_result run_channel(const channel_options& opt);

}  // namespace pummelo::bench
