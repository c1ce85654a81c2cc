// Ports for a peer across an RPC link. Members may be called from any
// thread: payloads are encoded by the caller, then the call is posted to the
// loop that runs the link.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "cluster/frontend_node.hpp"
#include "cluster/ports.hpp"
#include "rpc/client.hpp"

namespace pummelo::broker::cluster {

/// A push_done that answers `respond` with the reply, on `io` (a responder
/// is used on its link's loop only).
push_done respond_on(asio::io_context& io, rpc::responder respond);

/// A frontend's link to one channel server. Membership changes wait in an
/// outbox and leave in frames of many ops, with a bounded number of sync
/// calls in flight; while the link is down they are dropped, since the whole
/// state is registered again (frontend_node::resync) on the next handshake.
struct sync_limits {
  std::size_t max_backlog;      // cluster.rpc.max_sync_backlog: ops waiting to be sent
  std::size_t max_batch_bytes;  // cluster.rpc.max_sync_batch_bytes: one sync call's ops
  std::chrono::milliseconds timeout;  // cluster.rpc.sync_timeout_ms
};

class remote_channel_port final : public channel_port {
 public:
  remote_channel_port(asio::io_context& io, const cluster_server& cs, rpc::client_options opts,
                      std::chrono::milliseconds call_timeout, sync_limits limits, frontend_node& fe,
                      node_index index);

  void start();  // on the loop
  void stop();   // on the loop

  void sync(std::vector<sync_op> ops, done_fn done) override;
  void publish(const message_ptr& m, done_fn done) override;
  void push(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
            push_done done) override;
  bool up() const override { return up_.load(std::memory_order_acquire); }

  const rpc::client& client() const noexcept { return client_; }

 private:
  struct pending_op {
    sync_op op;
    done_fn done;
  };

  void on_state(bool up);
  void restart(std::vector<sync_op> ops);  // under frontend_node's mutex
  void schedule_flush();                   // caller holds mutex_
  void flush();
  void on_synced(rpc::status st, std::deque<pending_op>& batch,
                 const std::weak_ptr<rpc::link>& used);
  void on_request(std::uint16_t method, std::span<const std::uint8_t> payload,
                  rpc::responder respond);

  asio::io_context& io_;
  rpc::client client_;
  std::chrono::milliseconds timeout_;
  sync_limits limits_;
  frontend_node& fe_;
  node_index index_;
  asio::steady_timer retry_timer_;  // an overloaded sync is retried shortly
  bool retry_armed_ = false;        // loop only
  std::mutex mutex_;
  std::deque<pending_op> outbox_;
  bool flush_posted_ = false;
  std::atomic<bool> up_{false};
  unsigned inflight_ = 0;  // sync calls awaiting their response (loop only)
};

/// A channel server's handle on one frontend, over the link that frontend
/// opened to us (attached once its handshake names it).
class remote_frontend_port final : public frontend_port {
 public:
  /// `failed` counts calls that did not reach the frontend.
  remote_frontend_port(asio::io_context& io, std::chrono::milliseconds call_timeout,
                       std::atomic<std::uint64_t>& failed)
      : io_(io), timeout_(call_timeout), failed_(failed) {}

  /// Takes `l` as the frontend's link, closing the one it replaces. Loop.
  void attach(const std::shared_ptr<rpc::link>& l) {
    auto old = std::exchange(link_, l);  // first: the old link's close is then no drop
    if (old && old != l) old->close("replaced by a new link from the same frontend");
  }
  bool attached(const rpc::link& l) const { return link_.get() == &l; }  // loop
  bool linked() const { return link_ != nullptr; }                        // loop
  /// True when `l` was the attached link (a replaced link's close is ignored).
  bool detach(const rpc::link& l) {  // loop
    if (link_.get() != &l) return false;
    link_.reset();
    return true;
  }

  void deliver(const deliver_call& call) override;
  void deliver_uids(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                    push_done done) override;
  void takeover(const std::string& client_id, std::uint64_t stamp) override;

 private:
  void call(std::uint16_t method, std::shared_ptr<const std::vector<std::uint8_t>> payload,
            rpc::call_callback cb);

  asio::io_context& io_;
  std::chrono::milliseconds timeout_;
  std::atomic<std::uint64_t>& failed_;
  std::shared_ptr<rpc::link> link_;
};

}  // namespace pummelo::broker::cluster
