#include "conn_scenario.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <memory>

#include "pummelo/protocol/decoder.hpp"
#include "pummelo/protocol/encoder.hpp"

namespace pummelo::bench {

namespace proto = pummelo::protocol;
using asio::ip::tcp;

void conn_result::merge(const conn_result& o) {
  connected += o.connected;
  refused += o.refused;
  failed += o.failed;
  timed_out += o.timed_out;
  dropped += o.dropped;
  if (o.first_connect_ns != 0 && (first_connect_ns == 0 || o.first_connect_ns < first_connect_ns))
    first_connect_ns = o.first_connect_ns;
  last_connack_ns = std::max(last_connack_ns, o.last_connack_ns);
  latency_us.merge(o.latency_us);
}

namespace {

std::int64_t ns_of(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

enum class state : std::uint8_t { connecting, awaiting_connack, connected, done };

struct client {
  explicit client(asio::io_context& io) : sock(io) {}
  tcp::socket sock;
  proto::decoder dec{proto::decoder::role::client};
  std::vector<std::uint8_t> connect_bytes;
  std::array<std::uint8_t, 64> rbuf{};
  steady::time_point started;
  state st = state::connecting;
};

class runner {
 public:
  runner(const conn_options& opt, unsigned worker, unsigned workers, std::uint64_t first,
         std::uint64_t count, steady::time_point deadline, const conn_hooks& hooks)
      : opt_(opt), worker_(worker), first_(first), count_(count), deadline_(deadline),
        hooks_(hooks), pace_(io_), deadline_timer_(io_), release_(io_) {
    inflight_max_ = std::max<std::uint64_t>(1, (opt.inflight + workers - 1) / workers);
    rate_ = opt.rate / workers;
    host_ = asio::ip::make_address(opt.host);
    for (const auto& s : opt.source_addrs) sources_.push_back(asio::ip::make_address(s));
    clients_.reserve(count);
  }

  conn_result run() {
    start_ = steady::now();
    deadline_timer_.expires_at(deadline_);
    deadline_timer_.async_wait([this](asio::error_code ec) {
      if (!ec) finish_connect_phase();
    });
    pump();
    if (count_ == 0) finish_connect_phase();
    io_.run();
    return result_;
  }

 private:
  void pump() {
    if (phase_done_) return;
    while (launched_ < count_ && inflight_ < inflight_max_) {
      if (rate_ > 0) {
        auto due = start_ + std::chrono::duration_cast<steady::duration>(
                                std::chrono::duration<double>(static_cast<double>(launched_) / rate_));
        if (due > steady::now()) {
          if (!pacing_) {
            pacing_ = true;
            pace_.expires_at(due);
            pace_.async_wait([this](asio::error_code ec) {
              pacing_ = false;
              if (!ec) pump();
            });
          }
          return;
        }
      }
      launch(launched_++);
    }
  }

  void launch(std::uint64_t local) {
    const std::uint64_t global = first_ + local;
    auto& c = *clients_.emplace_back(std::make_unique<client>(io_));
    proto::connect_packet p;
    p.protocol_version = proto::version::v3_1_1;
    p.clean_start = true;
    p.keep_alive = opt_.keepalive_s;
    p.client_id = "bench-" + std::to_string(worker_) + "-" + std::to_string(local);
    proto::encode_append(p, proto::version::v3_1_1, c.connect_bytes);

    ++inflight_;
    c.started = steady::now();
    if (result_.first_connect_ns == 0) result_.first_connect_ns = ns_of(c.started);
    tcp::endpoint ep(host_, opt_.ports[global % opt_.ports.size()]);
    asio::error_code ec;
    c.sock.open(ep.protocol(), ec);
    if (!ec && !sources_.empty()) {
      // Pick the source port at connect() time from the full 4-tuple, so each
      // source address gets the whole ephemeral range per destination.
      int one = 1;
      ::setsockopt(c.sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      c.sock.bind(tcp::endpoint(sources_[global % sources_.size()], 0), ec);
    }
    if (ec) {
      asio::post(io_, [this, &c] { outcome(c, state::done, false); });
      return;
    }
    c.sock.async_connect(ep, [this, &c](asio::error_code e) {
      if (e) return outcome(c, state::done, false);
      c.st = state::awaiting_connack;
      c.sock.set_option(tcp::no_delay(true), e);
      asio::async_write(c.sock, asio::buffer(c.connect_bytes), [this, &c](asio::error_code we, std::size_t) {
        if (we) outcome(c, state::done, false);
      });
      read(c);
    });
  }

  void read(client& c) {
    c.sock.async_read_some(asio::buffer(c.rbuf), [this, &c](asio::error_code ec, std::size_t n) {
      if (ec) return closed(c);
      std::span<const std::uint8_t> bytes(c.rbuf.data(), n);
      while (!bytes.empty()) {
        auto r = c.dec.feed(bytes);
        bytes = bytes.subspan(r.consumed);
        if (r.status == proto::decode_status::error) return closed(c);
        if (r.status != proto::decode_status::packet_ready) continue;
        auto pkt = c.dec.take();
        if (c.st != state::awaiting_connack) continue;  // PINGRESP etc. ignored
        auto* ack = std::get_if<proto::connack_packet>(&pkt);
        if (ack == nullptr) return closed(c);
        if (ack->reason != proto::reason_code::success) {
          ++result_.refused;
          return outcome(c, state::done, false, true);
        }
        outcome(c, state::connected, true);
      }
      read(c);
    });
  }

  // The socket closed or broke: a failure before CONNACK, a drop after it.
  void closed(client& c) {
    if (c.st == state::connected) {
      ++result_.dropped;
      c.st = state::done;
      asio::error_code ignored;
      c.sock.close(ignored);
    } else {
      outcome(c, state::done, false);
    }
  }

  void outcome(client& c, state next, bool ok, bool counted = false) {
    if (c.st == state::done || c.st == state::connected || phase_done_) return;
    const auto now = steady::now();
    c.st = next;
    --inflight_;
    if (ok) {
      ++result_.connected;
      result_.last_connack_ns = ns_of(now);
      result_.latency_us.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - c.started).count()));
    } else {
      if (!counted) ++result_.failed;
      asio::error_code ignored;
      c.sock.close(ignored);
    }
    if (result_.connected + result_.refused + result_.failed == count_) finish_connect_phase();
    else pump();
  }

  void finish_connect_phase() {
    if (phase_done_) return;
    phase_done_ = true;
    deadline_timer_.cancel();
    pace_.cancel();
    result_.timed_out = count_ - result_.connected - result_.refused - result_.failed;
    for (auto& c : clients_)
      if (c->st == state::connecting || c->st == state::awaiting_connack) {
        c->st = state::done;
        asio::error_code ignored;
        c->sock.close(ignored);
      }
    if (hooks_.report) hooks_.report(result_, hooks_.ctx);
    if (hooks_.release_fd < 0) return close_all();
    release_.assign(hooks_.release_fd);
    release_.async_read_some(asio::buffer(release_byte_), [this](asio::error_code, std::size_t) {
      close_all();
    });
  }

  void close_all() {
    for (auto& c : clients_) {
      asio::error_code ignored;
      c->sock.close(ignored);
    }
    if (release_.is_open()) release_.release();
    io_.stop();
  }

  const conn_options& opt_;
  unsigned worker_;
  std::uint64_t first_, count_;
  steady::time_point deadline_, start_;
  conn_hooks hooks_;
  asio::io_context io_{1};
  asio::steady_timer pace_, deadline_timer_;
  asio::posix::stream_descriptor release_;
  std::array<char, 1> release_byte_{};
  asio::ip::address host_;
  std::vector<asio::ip::address> sources_;
  std::vector<std::unique_ptr<client>> clients_;
  std::uint64_t launched_ = 0, inflight_ = 0, inflight_max_ = 1;
  double rate_ = 0;
  bool pacing_ = false, phase_done_ = false;
  conn_result result_;
};

}  // namespace

conn_result run_conn_worker(const conn_options& opt, unsigned worker, unsigned workers,
                            std::uint64_t first, std::uint64_t count,
                            steady::time_point deadline, const conn_hooks& hooks) {
  runner r(opt, worker, workers, first, count, deadline, hooks);
  return r.run();
}

}  // namespace pummelo::bench
