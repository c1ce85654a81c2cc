// Scenario "conn": open many MQTT 3.1.1 sessions, time their CONNACKs, hold
// them, close them. One call runs one worker's share in the calling process.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace pummelo::bench {

using steady = std::chrono::steady_clock;

struct conn_options {
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;
  std::vector<std::string> source_addrs;   // empty: let the kernel choose
  std::uint64_t clients = 0;
  double rate = 0;                         // connects/s over all workers; 0 = max
  std::uint64_t inflight = 1000;           // over all workers
  double hold_s = 0;
  std::uint16_t keepalive_s = 300;
  unsigned workers = 0;                    // 0 = ceil(clients / 19000)
  std::vector<int> broker_pids;
  double timeout_s = 120;
  bool json = false;
};

/// What one worker (or, summed, the whole run) measured.
struct conn_result {
  std::uint64_t connected = 0, refused = 0, failed = 0, timed_out = 0;
  std::uint64_t dropped = 0;            // connected, then closed by the broker
  std::int64_t first_connect_ns = 0;    // steady_clock, shared by all processes
  std::int64_t last_connack_ns = 0;
  histogram latency_us;                 // TCP connect start -> CONNACK
  void merge(const conn_result& o);
};

/// Hooks between the scenario and the worker process around it.
struct conn_hooks {
  int release_fd = -1;  // readable (byte or EOF) when the sessions may close
  // Called once when every client has a final outcome (or the deadline hit).
  void (*report)(const conn_result&, void* ctx) = nullptr;
  void* ctx = nullptr;
};

/// Runs clients [first, first + count) as worker `worker`: connects, calls
/// hooks.report, holds until release_fd fires, closes. Returns the result
/// including `dropped` counted during the hold.
conn_result run_conn_worker(const conn_options& opt, unsigned worker, unsigned workers,
                            std::uint64_t first, std::uint64_t count,
                            steady::time_point deadline, const conn_hooks& hooks);

}  // namespace pummelo::bench
