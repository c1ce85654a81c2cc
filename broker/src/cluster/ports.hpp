// The two directions of the cluster, as interfaces with one implementation
// for a peer in this process (a direct call) and one for a peer across an
// RPC link. Frontend and channel-server code is written against these only,
// so the standalone default and a cluster run the same code path.
//
// Every member may be called from any thread. Callbacks run exactly once, on
// any thread (a remote peer's on the link loop; a local one often inline).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/wire.hpp"
#include "message.hpp"

namespace pummelo::broker::cluster {

using done_fn = std::function<void(bool ok)>;
using push_done = std::function<void(push_reply)>;

/// A frontend's handle on one channel server.
class channel_port {
 public:
  virtual ~channel_port() = default;
  /// Membership changes, applied in order. `done` (may be empty) runs with
  /// true once the channel server applied them; with false when they could
  /// not be sent (they are then re-registered when the link comes back).
  virtual void sync(std::vector<sync_op> ops, done_fn done) = 0;
  /// Hands a message to the owner of its topic. `done` (may be empty) runs
  /// with true once the channel server accepted it.
  virtual void publish(const message_ptr& m, done_fn done) = 0;
  virtual void push(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                    push_done done) = 0;
  virtual bool up() const = 0;
};

/// One publish handed to the frontends. A remote port encodes the frame
/// once into `wire`, and every other remote port of the same publish sends
/// those bytes: the same frame is never encoded once per frontend.
struct deliver_call {
  message_ptr msg;
  std::uint8_t flags = 0;
  mutable std::shared_ptr<const std::vector<std::uint8_t>> wire;  // filled by the first remote port
};

/// A channel server's handle on one frontend.
class frontend_port {
 public:
  virtual ~frontend_port() = default;
  virtual void deliver(const deliver_call& call) = 0;
  /// uids / kick: to those uids' sessions there; broadcast: to all of them.
  /// done gets ok = false when the frontend could not be reached.
  virtual void deliver_uids(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                            push_done done) = 0;
  /// End the session of `client_id` whose claim carried `stamp`.
  virtual void takeover(const std::string& client_id, std::uint64_t stamp) = 0;
};

}  // namespace pummelo::broker::cluster
