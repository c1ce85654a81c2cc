#include "cluster/remote_ports.hpp"

#include <asio/post.hpp>

#include "log.hpp"

namespace pummelo::broker::cluster {
namespace {
using protocol::rpc::body_reader;
using protocol::rpc::body_writer;
using protocol::rpc::rpc_errc;
using rpc::status;

constexpr unsigned max_sync_calls_in_flight = 4;

using bytes = std::shared_ptr<std::vector<std::uint8_t>>;

bytes encode_push(push_mode mode, const message& m, const std::vector<std::string>& uids) {
  auto out = std::make_shared<std::vector<std::uint8_t>>();
  write_push_call(*out, mode, m, uids);
  return out;
}

// A failed call or an unreadable reply: the peer's whole share failed.
push_reply decode_push(status st, std::span<const std::uint8_t> payload) {
  if (st == status::ok)
    if (auto decoded = read_push_reply(payload)) return std::move(*decoded);
  push_reply r;
  r.ok = false;
  return r;
}
}  // namespace

push_done respond_on(asio::io_context& io, rpc::responder respond) {
  return [&io, respond = std::move(respond)](push_reply reply) {
    asio::post(io, [respond, reply = std::move(reply)] {
      std::vector<std::uint8_t> out;
      write_push_reply(out, reply);
      respond(status::ok, out);
    });
  };
}

// ---- frontend -> channel server ----

remote_channel_port::remote_channel_port(asio::io_context& io, const cluster_server& cs,
                                         rpc::client_options opts,
                                         std::chrono::milliseconds call_timeout, sync_limits limits,
                                         frontend_node& fe, node_index index)
    : io_(io),
      client_(io, cs.host, cs.rpc_port, std::move(opts)),
      timeout_(call_timeout),
      limits_(limits),
      fe_(fe),
      index_(index),
      retry_timer_(io) {}

void remote_channel_port::start() {
  client_.set_request_handler(
      [this](std::uint16_t method, std::span<const std::uint8_t> payload, rpc::responder r) {
        on_request(method, payload, std::move(r));
      });
  client_.set_state_handler([this](bool up) { on_state(up); });
  client_.start();
}

void remote_channel_port::stop() {
  retry_timer_.cancel();
  client_.stop();
}

void remote_channel_port::on_state(bool up) {
  if (!up) {
    up_.store(false, std::memory_order_release);
    // The link that closed is still the client's current one here.
    const auto& l = client_.current_link();
    log(log_level::warning, "cluster: lost the link to channel server ",
        fe_.topo().channel_servers()[index_].id, ": ",
        l && !l->close_reason().empty() ? l->close_reason() : std::string("closed"));
    return;
  }
  log(log_level::info, "cluster: linked to channel server ",
      fe_.topo().channel_servers()[index_].id);
  fe_.resync(index_, [this](std::vector<sync_op> ops) { restart(std::move(ops)); });
}

void remote_channel_port::restart(std::vector<sync_op> ops) {
  std::lock_guard lock(mutex_);
  // The snapshot supersedes whatever was waiting; its waiters are answered
  // when the snapshot is.
  std::deque<pending_op> next;
  for (auto& op : ops) next.push_back({std::move(op), {}});
  for (auto& p : outbox_)
    if (p.done)
      next.back().done = [a = std::move(next.back().done), b = std::move(p.done)](bool ok) {
        if (a) a(ok);
        b(ok);
      };
  outbox_ = std::move(next);
  up_.store(true, std::memory_order_release);
  schedule_flush();
}

void remote_channel_port::sync(std::vector<sync_op> ops, done_fn done) {
  std::lock_guard lock(mutex_);
  if (!up_.load(std::memory_order_acquire)) {
    // Registered again with everything else once the link is back.
    if (done) done(false);
    return;
  }
  if (outbox_.size() + ops.size() > limits_.max_backlog) {
    // The channel server does not keep up: rather than queue without bound,
    // start over on a new link, whose snapshot carries the whole state.
    log(log_level::warning, "cluster: more than ", limits_.max_backlog,
        " membership changes waiting for channel server ", fe_.topo().channel_servers()[index_].id,
        " (cluster.rpc.max_sync_backlog): relinking");
    for (auto& p : outbox_)
      if (p.done) p.done(false);
    outbox_.clear();
    if (done) done(false);
    up_.store(false, std::memory_order_release);
    asio::post(io_, [this] {
      if (const auto& l = client_.current_link()) l->close("membership backlog overflow");
    });
    return;
  }
  for (auto& op : ops) outbox_.push_back({std::move(op), {}});
  if (done) outbox_.back().done = std::move(done);
  schedule_flush();
}

void remote_channel_port::schedule_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [this] { flush(); });
}

void remote_channel_port::flush() {
  {
    std::lock_guard lock(mutex_);
    flush_posted_ = false;
  }
  while (inflight_ < max_sync_calls_in_flight && !retry_armed_) {
    auto batch = std::make_shared<std::deque<pending_op>>();
    {
      std::lock_guard lock(mutex_);
      if (outbox_.empty()) return;
      // Cut by bytes, so that a batch always fits in one frame.
      std::size_t bytes = 4;
      while (!outbox_.empty()) {
        const auto& op = outbox_.front().op;
        std::size_t size = 9 + op.key.size() + op.member.size();
        if (!batch->empty() && bytes + size > limits_.max_batch_bytes) break;
        bytes += size;
        batch->push_back(std::move(outbox_.front()));
        outbox_.pop_front();
      }
    }
    std::vector<sync_op> ops;
    ops.reserve(batch->size());
    for (const auto& p : *batch) ops.push_back(p.op);
    std::vector<std::uint8_t> payload;
    write_ops(payload, ops);
    ++inflight_;
    std::weak_ptr<rpc::link> used = client_.current_link();
    client_.call(method::sync, payload, limits_.timeout,
                 [this, batch, used](status st, std::span<const std::uint8_t>) {
                   --inflight_;
                   on_synced(st, *batch, used);
                 });
  }
}

void remote_channel_port::on_synced(status st, std::deque<pending_op>& batch,
                                    const std::weak_ptr<rpc::link>& used) {
  if (st == status::overloaded) {
    // The link's queue is full of publishes: the batch waits its turn.
    {
      std::lock_guard lock(mutex_);
      if (up_.load(std::memory_order_acquire))
        outbox_.insert(outbox_.begin(), std::make_move_iterator(batch.begin()),
                       std::make_move_iterator(batch.end()));
    }
    if (!retry_armed_) {
      retry_armed_ = true;
      retry_timer_.expires_after(std::chrono::milliseconds(20));
      retry_timer_.async_wait([this](const std::error_code& ec) {
        retry_armed_ = false;
        if (!ec) flush();
      });
    }
    return;
  }
  bool ok = st == status::ok;
  for (auto& p : batch)
    if (p.done) p.done(ok);
  if (!ok) {
    // Lost changes would leave the channel server out of step: start over
    // on a new link, which sends the whole state again. (A call that failed
    // because its link closed has nothing left to close.)
    if (auto l = used.lock(); l && !l->closed()) {
      log(log_level::warning, "cluster: membership sync with channel server ",
          fe_.topo().channel_servers()[index_].id, " failed (", protocol::rpc::to_string(st),
          "): relinking");
      l->close("membership sync failed");
    }
  }
  flush();
}

void remote_channel_port::publish(const message_ptr& m, done_fn done) {
  if (!up()) {
    // Down: the publisher hears it now (v5 reason code, or no 3.1.1 ack)
    // rather than after the reconnect backoff.
    fe_.count_refused_publish();
    if (done) done(false);
    return;
  }
  auto payload = std::make_shared<std::vector<std::uint8_t>>();
  body_writer w(*payload);
  write_message(w, *m);
  asio::post(io_, [this, payload, done = std::move(done)]() mutable {
    client_.call(method::publish, *payload, timeout_,
                 [this, done = std::move(done)](status st, std::span<const std::uint8_t>) {
                   if (st != status::ok) fe_.count_refused_publish();
                   if (done) done(st == status::ok);
                 });
  });
}

void remote_channel_port::push(push_mode mode, const message_ptr& m, std::vector<std::string> uids,
                               push_done done) {
  if (!up()) {
    push_reply down;
    down.ok = false;
    done(std::move(down));
    return;
  }
  auto payload = encode_push(mode, *m, uids);
  asio::post(io_, [this, payload, done = std::move(done)]() mutable {
    client_.call(method::push, *payload, timeout_,
                 [done = std::move(done)](status st, std::span<const std::uint8_t> p) {
                   done(decode_push(st, p));
                 });
  });
}

void remote_channel_port::on_request(std::uint16_t m, std::span<const std::uint8_t> payload,
                                     rpc::responder respond) {
  body_reader r(payload);
  switch (m) {
    case method::deliver: {
      auto flags = r.u8();
      auto msg = read_message(r);
      if (!msg || r.finish() != rpc_errc::ok) {
        respond.fail(status::error, "malformed deliver");
        return;
      }
      fe_.deliver(msg, flags);
      respond(status::ok);
      return;
    }
    case method::deliver_uids: {
      auto call = read_push_call(payload);
      if (!call) {
        respond.fail(status::error, "malformed deliver_uids");
        return;
      }
      fe_.deliver_uids(call->mode, call->msg, std::move(call->uids), respond_on(io_, respond));
      return;
    }
    case method::takeover: {
      auto id = r.string();
      auto stamp = r.u64();
      if (r.finish() != rpc_errc::ok) {
        respond.fail(status::error, "malformed takeover");
        return;
      }
      fe_.takeover(id, stamp);
      respond(status::ok);
      return;
    }
    default: respond.fail(status::unknown_method, "unknown method");
  }
}

// ---- channel server -> frontend ----

void remote_frontend_port::call(std::uint16_t method,
                                std::shared_ptr<const std::vector<std::uint8_t>> payload,
                                rpc::call_callback cb) {
  asio::post(io_, [this, method, payload = std::move(payload), cb = std::move(cb)]() mutable {
    auto counted = [this, cb = std::move(cb)](status st, std::span<const std::uint8_t> p) {
      if (st != status::ok) failed_.fetch_add(1, std::memory_order_relaxed);
      cb(st, p);
    };
    if (!link_ || link_->closed()) {
      counted(status::error, {});
      return;
    }
    link_->call(method, *payload, timeout_, std::move(counted));
  });
}

void remote_frontend_port::deliver(const deliver_call& c) {
  if (!c.wire) {
    auto payload = std::make_shared<std::vector<std::uint8_t>>();
    body_writer w(*payload);
    w.u8(c.flags);
    write_message(w, *c.msg);
    c.wire = std::move(payload);
  }
  call(method::deliver, c.wire, [](status, std::span<const std::uint8_t>) {});
}

void remote_frontend_port::deliver_uids(push_mode mode, const message_ptr& m,
                                        std::vector<std::string> uids, push_done done) {
  call(method::deliver_uids, encode_push(mode, *m, uids),
       [done = std::move(done)](status st, std::span<const std::uint8_t> p) {
         done(decode_push(st, p));
       });
}

void remote_frontend_port::takeover(const std::string& client_id, std::uint64_t stamp) {
  auto payload = std::make_shared<std::vector<std::uint8_t>>();
  body_writer(*payload).string(client_id).u64(stamp);
  call(method::takeover, std::move(payload), [](status, std::span<const std::uint8_t>) {});
}

}  // namespace pummelo::broker::cluster
