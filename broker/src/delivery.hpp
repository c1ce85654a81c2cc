// Delivering messages to the sessions of one loop, a bounded number per turn.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include "message.hpp"
#include "pummelo/channel/topic_tree.hpp"

namespace pummelo::broker {

class event_loop;

/// A loop's pending fan-outs, delivered in arrival order and at most
/// scheduler.max_deliveries_per_turn sessions per loop turn. A push to every device of a big
/// frontend (300k sessions is seconds of writes) would otherwise hold the
/// loop for the whole fan-out: pings, CONNECTs and the cluster link's
/// heartbeats would wait behind it, and on a busy machine the link's peer
/// would give up on us. Between two slices the loop's other work runs; the
/// writes wait a bounded number of slices (scheduler.max_flush_holds), so
/// that a connection's share of a burst still leaves in one write.
class delivery_queue {
 public:
  explicit delivery_queue(event_loop& loop) : loop_(loop) {}

  /// Runs on the loop's thread. Merges the matches of each session (a
  /// session whose filters overlap gets one copy at the highest QoS, with
  /// every subscription identifier), applies no_local and
  /// retain-as-published, and hands the message to each session: at once
  /// when nothing is waiting and the batch is small, else in later turns,
  /// after what came before it.
  void push(const message_ptr& m, std::vector<channel::subscriber>&& matches);

  std::size_t pending_messages() const noexcept { return queue_.size(); }

 private:
  struct fan_out {
    message_ptr msg;
    std::vector<channel::subscriber> matches;  // sorted by session
    std::size_t next = 0;                      // first match not delivered yet
  };
  void drain();
  std::size_t budget() const noexcept;  // sessions per turn
  // Delivers from f.next on, to at most `budget` sessions; returns how many.
  std::size_t deliver_some(fan_out& f, std::size_t budget);

  event_loop& loop_;
  std::deque<fan_out> queue_;
  bool drain_posted_ = false;
};

}  // namespace pummelo::broker
