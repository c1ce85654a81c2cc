// Internals of the traffic engine shared by the coordinator
// (traffic_scenario.cpp) and the client threads (traffic_client.cpp,
// traffic_receive.cpp).
#pragma once

#include <array>
#include <asio.hpp>
#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "traffic_scenario.hpp"

namespace pummelo::bench::traffic {

using asio::ip::tcp;
inline constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();

struct thread_ctx;
struct client;

/// One publisher's closed loop, shared by the threads of its subscribers.
/// done[s % window] counts the live subscribers that resolved sequence s;
/// frontier is the first sequence not resolved by all of them.
struct pub_track {
  struct group* grp = nullptr;
  std::uint64_t window = 1;
  std::unique_ptr<std::atomic<std::uint32_t>[]> done;
  std::atomic<std::uint64_t> frontier{0};
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> acked{0};
  std::atomic<std::uint64_t> wake_at{never};  // wake the publisher once frontier >= this
  std::atomic<bool> finished{false};
  std::mutex mu;  // advancing the frontier
  client* pub = nullptr;
  thread_ctx* owner = nullptr;
};

struct group {
  std::string topic;
  std::atomic<std::uint32_t> live{0};  // subscribers alive (set before the start)
  std::vector<std::unique_ptr<pub_track>> pubs;
};

/// A subscriber's view of one publisher: next sequence after the highest seen,
/// and which of the last `bits.size() * 64` sequences arrived.
struct sub_track {
  std::uint64_t next = 0;
  std::vector<std::uint64_t> bits;
};

enum class role : std::uint8_t { subscriber, publisher };
enum class cstate : std::uint8_t { idle, connecting, handshake, ready, dead };

struct client {
  explicit client(asio::io_context& io) : sock(io) {}
  tcp::socket sock;
  role kind = role::subscriber;
  cstate st = cstate::idle;
  bool read_armed = false, write_armed = false, connacked = false, subacked = false;
  std::uint64_t ordinal = 0;     // among the run's subscribers or publishers
  std::uint64_t global = 0;      // among all clients: picks the source address
  std::uint16_t port = 0;
  group* grp = nullptr;
  std::array<std::uint8_t, 1024> small;  // the pending read; more goes to thread_ctx::rbuf
  std::vector<std::uint8_t> in;          // an incomplete packet carried to the next read
  std::vector<std::uint8_t> out;         // bytes not yet written, from out_off
  std::size_t out_off = 0;
  // Subscriber: one track per publisher of the group.
  std::vector<sub_track> tracks;
  // Publisher.
  pub_track* track = nullptr;
  std::uint32_t pub_index = 0;
  std::uint64_t seq = 0, acked = 0;
  std::vector<std::uint8_t> tmpl;  // one encoded PUBLISH, patched per message
  std::size_t id_off = 0, payload_off = 0;
  std::unique_ptr<asio::steady_timer> pace;
  double phase = 0;  // with --rate, message k is due at t0 + (k + phase) / rate
  bool pace_armed = false;
};

/// What one thread measured; summed by the coordinator after the threads end.
struct thread_stats {
  std::uint64_t delivered = 0, timed = 0, duplicates = 0, out_of_order = 0, unexpected = 0;
  std::int64_t last_delivery_ns = 0;
  histogram latency_us;
};

/// State every thread sees.
struct shared_state {
  const traffic_options* opt = nullptr;
  std::deque<group> groups;
  std::string id_prefix;                 // "fan" or "p2p"
  std::atomic<std::uint64_t> ready{0}, failed{0}, disconnected{0};
  std::atomic<std::uint64_t> pubs_finished{0};
  std::atomic<unsigned> stopped_threads{0}, said_goodbye{0};
  std::string first_failure;             // guarded by failure_mu
  std::mutex failure_mu;
  // Set by the coordinator before it posts the start.
  std::int64_t t0_ns = 0, timed_from_ns = 0;
  double rate_per_pub = 0;               // 0 = as fast as the window allows
  void fail(const std::string& why);
};

struct thread_ctx {
  thread_ctx(shared_state& s, unsigned i);
  shared_state& sh;
  unsigned index;
  asio::io_context io{1};
  asio::steady_timer ping;
  std::deque<client> clients;            // subscribers first, then publishers
  std::vector<client*> publishers;
  std::size_t next_connect = 0, inflight = 0, inflight_max = 1;
  asio::ip::address host;
  std::vector<asio::ip::address> sources;
  std::vector<std::uint8_t> rbuf;
  thread_stats stats;
  bool started = false, leaving = false;

  void begin_connects();     // on the thread, at the beginning
  void start_publishing();   // posted by the coordinator
  void stop_publishing();    // posted by the coordinator; counts stopped_threads
  void say_goodbye();        // DISCONNECT from every ready client; counts said_goodbye
};

std::int64_t now_ns();

}  // namespace pummelo::bench::traffic
