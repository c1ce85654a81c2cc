#include "cluster/services.hpp"

#include <asio/post.hpp>

#include "log.hpp"

namespace pummelo::broker::cluster {
namespace {
using protocol::rpc::body_reader;
using protocol::rpc::rpc_errc;
using rpc::status;

rpc::link_options link_options_from(const config& c) {
  rpc::link_options o;
  o.server_id = c.server_id;
  if (c.cluster) {
    const auto& r = c.cluster->rpc;
    o.max_queued_requests = r.max_queued_requests;
    o.max_queued_bytes = r.max_queued_bytes;
    o.max_pending_calls = r.max_pending_calls;
    o.max_write_queue_bytes = r.max_write_queue_bytes;
    o.max_frame_size = r.max_frame_size;
    o.heartbeat_interval = std::chrono::milliseconds(r.heartbeat_interval_ms);
    o.heartbeat_timeout = std::chrono::milliseconds(r.heartbeat_timeout_ms);
  }
  return o;
}

std::chrono::milliseconds call_timeout(const config& c) {
  return std::chrono::milliseconds(c.cluster ? c.cluster->rpc.call_timeout_ms : 5000);
}
}  // namespace

services::services(server& srv, const config& c)
    : srv_(srv), cfg_(c), topo_(c), frontend_(srv, topo_) {
  const auto& fes = topo_.frontends();
  frontend_alive_ = std::make_unique<std::atomic<bool>[]>(fes.size());
  for (std::size_t i = 0; i < fes.size(); ++i) frontend_alive_[i] = false;
  if (auto self = topo_.self_frontend()) frontend_alive_[*self] = true;

  if (c.roles.channel && topo_.self_channel()) channel_ = std::make_unique<channel_node>(topo_);
  auto self_fe = topo_.self_frontend();
  // Frontend -> channel servers.
  if (self_fe) {
    remote_channels_.resize(topo_.channel_servers().size());
    for (node_index i = 0; i < topo_.channel_servers().size(); ++i) {
      if (channel_ && topo_.self_channel() == i) {
        local_channel_ = std::make_unique<local_channel_port>(*channel_, *self_fe);
        frontend_.set_channel_port(i, local_channel_.get());
      }
    }
  }
  // Channel server -> frontends.
  if (channel_) {
    remote_frontends_.resize(fes.size());
    for (node_index i = 0; i < fes.size(); ++i) {
      if (self_fe == i) {
        local_frontend_ = std::make_unique<local_frontend_port>(frontend_);
        channel_->set_frontend(i, local_frontend_.get());
      }
    }
  }
}

services::~services() = default;

void services::start(asio::io_context& io) {
  io_ = &io;
  if (!topo_.clustered()) return;
  auto opts = link_options_from(cfg_);
  auto timeout = call_timeout(cfg_);
  auto self_fe = topo_.self_frontend();

  if (channel_) {
    for (node_index i = 0; i < topo_.frontends().size(); ++i) {
      if (self_fe == i) continue;
      // Shorter than the frontends' calls to us, so that a stalled frontend
      // is reported as such inside the caller's deadline.
      remote_frontends_[i] =
          std::make_unique<remote_frontend_port>(io, timeout / 2, channel_->failure_counter());
      channel_->set_frontend(i, remote_frontends_[i].get());
    }
  }
  // One RPC port per process: frontends' links in, and the gate's watchers.
  std::optional<std::uint16_t> rpc_port;
  std::string rpc_host;
  for (const auto* list : {&topo_.frontends(), &topo_.channel_servers()})
    for (const auto& s : *list)
      if (s.id == topo_.self_id() && s.rpc_port) {
        rpc_port = s.rpc_port;
        rpc_host = s.host;
      }
  if (rpc_port) {
    listener_ = std::make_unique<rpc::listener>(io, opts, nullptr);
    listener_->set_link_handler([this](const std::shared_ptr<rpc::link>& l) {
      std::weak_ptr<rpc::link> weak = l;
      l->set_request_handler(
          [this, weak](std::uint16_t m, std::span<const std::uint8_t> p, rpc::responder r) {
            on_frontend_request(weak, m, p, std::move(r));
          });
      l->set_established_handler([this](rpc::link& established) {
        auto f = topo_.frontend_index(established.peer_id());
        if (!f || !channel_ || !remote_frontends_[*f]) return;  // a gate or an admin peer
        // A new link replaces the old one, whose late frames must not be
        // applied after the new link's snapshot.
        remote_frontends_[*f]->attach(established.shared_from_this());
        log(log_level::info, "cluster: frontend ", established.peer_id(), " linked");
      });
    });
    listener_->set_closed_handler([this](rpc::link& closed) {
      auto f = topo_.frontend_index(closed.peer_id());
      if (!f || !channel_ || !remote_frontends_[*f]) return;
      if (!remote_frontends_[*f]->detach(closed)) return;
      log(log_level::warning, "cluster: frontend ", closed.peer_id(), " unlinked (",
          closed.close_reason(), "); its members are unreachable until it registers again");
      channel_->drop_frontend(*f);
    });
    listener_->listen(rpc_host, *rpc_port);
  }
  if (self_fe) {
    rpc::client_options co;
    co.link = opts;
    for (node_index i = 0; i < topo_.channel_servers().size(); ++i) {
      if (local_channel_ && topo_.self_channel() == i) continue;
      const auto& rpc = cfg_.cluster->rpc;
      sync_limits sl{rpc.max_sync_backlog, rpc.sync_batch_bytes(),
                     std::chrono::milliseconds(rpc.sync_timeout_ms)};
      remote_channels_[i] = std::make_unique<remote_channel_port>(io, topo_.channel_servers()[i],
                                                                  co, timeout, sl, frontend_, i);
      frontend_.set_channel_port(i, remote_channels_[i].get());
      remote_channels_[i]->start();
    }
  }
  // The gate, and frontends that redirect, watch which frontends are alive.
  if (topo_.is_gate() || (self_fe && cfg_.cluster->redirect)) {
    rpc::client_options co;
    co.link = opts;
    // Not a frontend's channel link: a channel server must not take it for one.
    co.link.server_id = topo_.self_id() + "/watch";
    co.max_backoff = std::chrono::milliseconds(1000);  // notice a returning frontend soon
    for (node_index i = 0; i < topo_.frontends().size(); ++i) {
      if (self_fe == i) continue;
      const auto& f = topo_.frontends()[i];
      auto w = std::make_unique<rpc::client>(io, f.host, f.rpc_port, co);
      w->set_state_handler([this, i](bool up) { frontend_alive_[i].store(up); });
      w->start();
      watchers_.push_back(std::move(w));
    }
  }
}

void services::stop() {
  for (auto& w : watchers_) w->stop();
  for (auto& p : remote_channels_)
    if (p) p->stop();
  if (listener_) listener_->stop();
}

std::optional<node_index> services::pick_frontend(std::string_view uid) const {
  for (auto i : topo_.frontends_for(uid))
    if (frontend_alive_[i].load()) return i;
  return std::nullopt;
}

link_totals services::links() const {
  link_totals t;
  for (const auto& p : remote_channels_) {
    if (!p || !p->client().current_link()) continue;
    const auto& s = p->client().current_link()->stats();
    t.frames_sent += s.frames_sent.get();
    t.frames_received += s.frames_received.get();
    t.bytes_sent += s.bytes_sent.get();
    t.bytes_received += s.bytes_received.get();
  }
  return t;
}

std::vector<link_state> services::link_states() const {
  std::vector<link_state> out;
  for (node_index i = 0; i < remote_channels_.size(); ++i)
    if (remote_channels_[i]) out.push_back({topo_.channel_servers()[i].id, remote_channels_[i]->up()});
  for (node_index i = 0; i < remote_frontends_.size(); ++i)
    if (remote_frontends_[i]) out.push_back({topo_.frontends()[i].id, remote_frontends_[i]->linked()});
  return out;
}

std::string services::rpc_address() const {
  if (!topo_.clustered()) return {};
  for (const auto* list : {&topo_.frontends(), &topo_.channel_servers()})
    for (const auto& s : *list)
      if (s.id == topo_.self_id() && s.rpc_port) return s.host + ":" + std::to_string(s.rpc_port);
  return {};
}

rpc::client_options services::admin_link_options() const {
  rpc::client_options co;
  co.link = link_options_from(cfg_);
  // Not a frontend's channel link: a channel server must not take it for one.
  co.link.server_id = topo_.self_id() + "/admin";
  return co;
}

bool services::from_gate(const std::weak_ptr<rpc::link>& from) const {
  auto l = from.lock();
  if (!l || !cfg_.cluster) return false;
  for (const auto& g : cfg_.cluster->gates)
    if (l->peer_id() == g.id + "/admin") return true;
  return false;
}

void services::on_frontend_request(const std::weak_ptr<rpc::link>& from, std::uint16_t m,
                                   std::span<const std::uint8_t> payload, rpc::responder respond) {
  if (m == method::admin || m == method::admin_relay) {  // from any peer: pummeloctl's
    if (!admin_) {
      respond.fail(status::unknown_method, "no admin API here");
      return;
    }
    if (m == method::admin_relay && !from_gate(from)) {
      // Only a gate, which has no channel links of its own, hands a whole
      // command over; nobody else may make us act on its behalf.
      respond.fail(status::error, "admin_relay is for gates");
      return;
    }
    admin_(m == method::admin_relay, std::string(payload.begin(), payload.end()), std::move(respond));
    return;
  }
  auto l = from.lock();
  auto f = l ? topo_.frontend_index(l->peer_id()) : std::nullopt;
  if (!channel_ || !f || !remote_frontends_[*f]) {
    respond.fail(status::unknown_method, "not a channel server, or the caller is no frontend");
    return;
  }
  if (!remote_frontends_[*f]->attached(*l)) {
    respond.fail(status::error, "a newer link of this frontend replaced this one");
    return;
  }
  switch (m) {
    case method::sync: {
      auto ops = read_ops(payload);
      if (!ops) {
        respond.fail(status::error, "malformed sync");
        return;
      }
      channel_->apply(*f, *ops);
      respond(status::ok);
      return;
    }
    case method::publish: {
      body_reader r(payload);
      auto msg = read_message(r);
      if (!msg || r.finish() != rpc_errc::ok) {
        respond.fail(status::error, "malformed publish");
        return;
      }
      channel_->publish(msg);
      respond(status::ok);
      return;
    }
    case method::push: {
      auto call = read_push_call(payload);
      if (!call) {
        respond.fail(status::error, "malformed push");
        return;
      }
      channel_->push(call->mode, call->msg, std::move(call->uids), respond_on(*io_, respond));
      return;
    }
    default: respond.fail(status::unknown_method, "unknown method");
  }
}

}  // namespace pummelo::broker::cluster
