// Ports for a peer in this process: the call is made directly, no bytes.
#pragma once

#include "cluster/channel_node.hpp"
#include "cluster/frontend_node.hpp"
#include "cluster/ports.hpp"

namespace pummelo::broker::cluster {

class local_channel_port final : public channel_port {
 public:
  local_channel_port(channel_node& node, node_index self_frontend)
      : node_(node), self_(self_frontend) {}

  void sync(std::vector<sync_op> ops, done_fn done) override {
    node_.apply(self_, ops);
    if (done) done(true);
  }
  void publish(const message_ptr& m, done_fn done) override {
    node_.publish(m);
    if (done) done(true);
  }
  void push(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
            push_done done) override {
    node_.push(mode, m, std::move(uids), std::move(done));
  }
  bool up() const override { return true; }

 private:
  channel_node& node_;
  node_index self_;
};

class local_frontend_port final : public frontend_port {
 public:
  explicit local_frontend_port(frontend_node& node) : node_(node) {}

  void deliver(const deliver_call& call) override { node_.deliver(call.msg, call.flags); }
  void deliver_uids(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                    push_done done) override {
    node_.deliver_uids(mode, m, std::move(uids), std::move(done));
  }
  void takeover(const std::string& client_id, std::uint64_t stamp) override {
    node_.takeover(client_id, stamp);
  }

 private:
  frontend_node& node_;
};

}  // namespace pummelo::broker::cluster
