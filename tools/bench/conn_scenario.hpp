// Scenario "conn": open many MQTT 3.1.1 sessions, time their CONNACKs, hold
// them, close them. One call runs one worker's share in the calling process.
// With a subscribe topic (the channel scenario's members) each session also
// SUBSCRIBEs after its CONNACK, and while held counts the PUBLISHes stamped
// by pummelo-bench (payload "<run> <seq> <steady ns>") that it receives.
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
  // Client ids are "<prefix>-<worker>-<i>".
  std::string client_id_prefix = "bench";
  bool username_is_client_id = false;      // CONNECT with username = client id (one uid each)
  // Members of a channel: SUBSCRIBE to this filter after CONNACK (empty: no).
  std::string subscribe_topic;
  std::uint8_t subscribe_qos = 0;
  std::string run_id;                      // first payload word of the stamped PUBLISHes
  std::uint32_t pushes = 0;                // stamped sequence numbers are 1..pushes
};

/// What one worker (or, summed, the whole run) measured.
struct conn_result {
  std::uint64_t connected = 0, refused = 0, failed = 0, timed_out = 0;
  std::uint64_t dropped = 0;            // connected, then closed by the broker
  std::uint64_t sub_refused = 0;        // of `refused`: SUBACK with a failure code
  std::int64_t first_connect_ns = 0;    // steady_clock, shared by all processes
  std::int64_t last_connack_ns = 0;
  histogram latency_us;                 // TCP connect start -> CONNACK (SUBACK when subscribing)
  void merge(const conn_result& o);
};

/// What one worker's members received of one stamped push (cumulative).
struct push_progress {
  std::uint64_t received = 0;           // members that got it (first copy)
  std::uint64_t duplicates = 0;         // further copies to the same member
  std::int64_t first_ns = 0, last_ns = 0;  // steady_clock receive times
  histogram latency_us;                 // stamp -> receive
};

/// Worker-wide figures sent along with every progress report (cumulative).
struct hold_status {
  std::uint64_t dropped = 0;            // sessions the broker closed while held
  std::uint64_t foreign = 0;            // PUBLISHes without this run's stamp
  std::uint64_t bad_packets = 0;        // undecodable input (the session is closed)
};

/// Hooks between the scenario and the worker process around it.
struct conn_hooks {
  int release_fd = -1;  // readable (byte or EOF) when the sessions may close
  // Called once when every client has a final outcome (or the deadline hit).
  void (*report)(const conn_result&, void* ctx) = nullptr;
  // Subscribe mode: called (at most every 50 ms per push, and at once when
  // every member of this worker has it) with push `seq`'s figures so far.
  void (*progress)(std::uint32_t seq, const push_progress&, const hold_status&, void* ctx) = nullptr;
  void* ctx = nullptr;
};

/// Runs clients [first, first + count) as worker `worker`: connects, calls
/// hooks.report, holds until release_fd fires, closes. Returns the result
/// including `dropped` counted during the hold.
conn_result run_conn_worker(const conn_options& opt, unsigned worker, unsigned workers,
                            std::uint64_t first, std::uint64_t count,
                            steady::time_point deadline, const conn_hooks& hooks);

}  // namespace pummelo::bench
