// Counters behind $SYS. Each event loop owns one loop_stats and is its only
// writer, so increments need no atomic read-modify-write; readers on other
// threads sum the relaxed loads.
#pragma once

#include <atomic>
#include <cstdint>

namespace pummelo::broker {

class counter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

struct alignas(64) loop_stats {
  counter messages_received;  // PUBLISH packets from clients
  counter messages_sent;      // PUBLISH packets to clients
  counter bytes_received;
  counter bytes_sent;
  counter messages_dropped;   // queue overflow, oversize for the client, expiry
  counter connections_refused;
  counter protocol_errors;    // connections closed for bad input
  counter scheduler_overflow; // QoS 0 PUBLISHes dropped by the buffer scheduler
  counter push_frames_received;  // deliveries asked by channel servers (one per publish or push)
  counter auth_failures;      // CONNECTs refused for their credentials (or their absence)
  counter auth_delayed;       // of those, refusals held back by the failure throttle
  counter acl_denied;         // SUBSCRIBE filters, PUBLISHes and wills the ACL refused
  counter connects_shed;      // CONNECTs refused while overloaded
};

struct stats_totals {
  std::uint64_t messages_received = 0, messages_sent = 0, bytes_received = 0, bytes_sent = 0,
                messages_dropped = 0, connections_refused = 0, protocol_errors = 0,
                scheduler_overflow = 0, push_frames_received = 0, auth_failures = 0,
                auth_delayed = 0, acl_denied = 0, connects_shed = 0;
  void add(const loop_stats& s) noexcept {
    messages_received += s.messages_received.get();
    messages_sent += s.messages_sent.get();
    bytes_received += s.bytes_received.get();
    bytes_sent += s.bytes_sent.get();
    messages_dropped += s.messages_dropped.get();
    connections_refused += s.connections_refused.get();
    protocol_errors += s.protocol_errors.get();
    scheduler_overflow += s.scheduler_overflow.get();
    push_frames_received += s.push_frames_received.get();
    auth_failures += s.auth_failures.get();
    auth_delayed += s.auth_delayed.get();
    acl_denied += s.acl_denied.get();
    connects_shed += s.connects_shed.get();
  }
};

}  // namespace pummelo::broker
