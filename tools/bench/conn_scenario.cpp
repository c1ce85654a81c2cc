#include "conn_scenario.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <charconv>
#include <map>
#include <memory>
#include <string_view>

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
  sub_refused += o.sub_refused;
  if (o.first_connect_ns != 0 && (first_connect_ns == 0 || o.first_connect_ns < first_connect_ns))
    first_connect_ns = o.first_connect_ns;
  last_connack_ns = std::max(last_connack_ns, o.last_connack_ns);
  latency_us.merge(o.latency_us);
}

namespace {

std::int64_t ns_of(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

enum class state : std::uint8_t { connecting, awaiting_connack, awaiting_suback, connected, done };

struct client {
  explicit client(asio::io_context& io) : sock(io) {}
  tcp::socket sock;
  proto::decoder dec{proto::decoder::role::client};
  std::vector<std::uint8_t> connect_bytes;
  // Small packets (SUBSCRIBE, PUBACK, PINGREQ) the socket did not take at
  // once: `out` is being written, `next` collects what comes meanwhile.
  std::string out, next;
  steady::time_point started;
  std::uint32_t last_seq = 0;  // latest stamped push received
  state st = state::connecting;
  bool writing = false;
};

// A stamped payload: "<run id> <seq> <steady ns>" and any padding after.
struct stamp {
  std::uint32_t seq = 0;
  std::int64_t ns = 0;
};

bool parse_stamp(std::string_view payload, std::string_view run_id, stamp& out) {
  if (!payload.starts_with(run_id) || payload.size() <= run_id.size() ||
      payload[run_id.size()] != ' ')
    return false;
  payload.remove_prefix(run_id.size() + 1);
  auto [p, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), out.seq);
  if (ec != std::errc{} || p == payload.data() + payload.size() || *p != ' ') return false;
  payload.remove_prefix(static_cast<std::size_t>(p - payload.data()) + 1);
  auto [q, ec2] = std::from_chars(payload.data(), payload.data() + payload.size(), out.ns);
  return ec2 == std::errc{} && (q == payload.data() + payload.size() || *q == ' ');
}

class runner {
 public:
  runner(const conn_options& opt, unsigned worker, unsigned workers, std::uint64_t first,
         std::uint64_t count, steady::time_point deadline, const conn_hooks& hooks)
      : opt_(opt), worker_(worker), first_(first), count_(count), deadline_(deadline),
        hooks_(hooks), pace_(io_), deadline_timer_(io_), progress_timer_(io_), ping_timer_(io_),
        release_(io_) {
    inflight_max_ = std::max<std::uint64_t>(1, (opt.inflight + workers - 1) / workers);
    rate_ = opt.rate / workers;
    host_ = asio::ip::make_address(opt.host);
    for (const auto& s : opt.source_addrs) sources_.push_back(asio::ip::make_address(s));
    clients_.reserve(count);
    subscribing_ = !opt.subscribe_topic.empty();
    if (subscribing_) {
      proto::subscribe_packet sp;
      sp.packet_id = 1;
      sp.entries.push_back({opt.subscribe_topic, opt.subscribe_qos});
      proto::encode_append(sp, proto::version::v3_1_1, subscribe_bytes_);
    }
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
  // Opens connections up to the in-flight bound, a slice per turn: the
  // first ones' CONNECTs then go out while the rest of the window is still
  // being opened, instead of after it (a connect() costs the whole loopback
  // handshake, so 1000 of them take tens of milliseconds).
  void pump() {
    if (phase_done_) return;
    constexpr unsigned slice = 32;
    for (unsigned n = 0; launched_ < count_ && inflight_ < inflight_max_; ++n) {
      if (n == slice) {
        if (!pump_posted_) {
          pump_posted_ = true;
          asio::post(io_, [this] {
            pump_posted_ = false;
            pump();
          });
        }
        return;
      }
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
    p.client_id = opt_.client_id_prefix + "-" + std::to_string(worker_) + "-" + std::to_string(local);
    if (opt_.username_is_client_id) p.username = p.client_id;
    proto::encode_append(p, proto::version::v3_1_1, c.connect_bytes);

    ++inflight_;
    c.started = steady::now();
    if (result_.first_connect_ns == 0) result_.first_connect_ns = ns_of(c.started);
    tcp::endpoint ep(host_, opt_.ports[global % opt_.ports.size()]);
    asio::error_code ec;
    c.sock.open(ep.protocol(), ec);
    if (!ec) c.sock.non_blocking(true, ec);  // reads and small writes never block
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

  // Waits for input, then drains the socket into the worker's one buffer:
  // idle sessions hold no read buffer of their own.
  void read(client& c) {
    c.sock.async_wait(tcp::socket::wait_read, [this, &c](asio::error_code ec) {
      if (ec) return closed(c);
      for (;;) {
        const std::size_t n = c.sock.read_some(asio::buffer(rbuf_), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) return closed(c);  // EOF included
        if (!feed(c, std::span<const std::uint8_t>(rbuf_.data(), n), steady::now())) return;
        if (n < rbuf_.size()) break;
      }
      read(c);
    });
  }

  // Decodes and handles `bytes`; false once the client is closed.
  bool feed(client& c, std::span<const std::uint8_t> bytes, steady::time_point now) {
    while (!bytes.empty()) {
      auto r = c.dec.feed(bytes);
      bytes = bytes.subspan(r.consumed);
      if (r.status == proto::decode_status::error) {
        if (c.st == state::connected) ++status_.bad_packets;
        closed(c);
        return false;
      }
      if (r.status != proto::decode_status::packet_ready) continue;
      auto pkt = c.dec.take();
      if (c.st == state::awaiting_connack) {
        auto* ack = std::get_if<proto::connack_packet>(&pkt);
        if (ack == nullptr) {
          closed(c);
          return false;
        }
        if (ack->reason != proto::reason_code::success) {
          ++result_.refused;
          outcome(c, state::done, false, true);
          return false;
        }
        if (!subscribing_) {
          outcome(c, state::connected, true);
          continue;
        }
        c.st = state::awaiting_suback;
        send(c, subscribe_bytes_.data(), subscribe_bytes_.size());
        if (c.st == state::done) return false;
        continue;
      }
      if (!subscribing_) continue;  // conn: PINGRESP etc. ignored
      if (auto* pub = std::get_if<proto::publish_packet>(&pkt)) {
        on_publish(c, *pub, now);
        if (c.st == state::done) return false;
      } else if (auto* sa = std::get_if<proto::suback_packet>(&pkt);
                 sa != nullptr && c.st == state::awaiting_suback) {
        if (sa->reasons.empty() || proto::is_error(sa->reasons.front())) {
          ++result_.refused;
          ++result_.sub_refused;
          outcome(c, state::done, false, true);
          return false;
        }
        outcome(c, state::connected, true);
      }
    }
    return true;
  }

  void on_publish(client& c, const proto::publish_packet& p, steady::time_point now) {
    if (p.qos == 1) {
      const std::uint8_t ack[4] = {0x40, 0x02, static_cast<std::uint8_t>(p.packet_id >> 8),
                                   static_cast<std::uint8_t>(p.packet_id & 0xff)};
      send(c, ack, sizeof ack);
    }
    stamp s;
    if (!parse_stamp(p.payload, opt_.run_id, s) || s.seq == 0 || s.seq > opt_.pushes) {
      ++status_.foreign;
      status_dirty_ = true;
      arm_progress();
      return;
    }
    if (s.seq > newest_seq_) {
      // Pushes go one after the other: forget all but the previous one.
      newest_seq_ = s.seq;
      pushes_.erase(pushes_.begin(), pushes_.lower_bound(s.seq - 1));
    }
    auto& entry = pushes_[s.seq];
    auto& pp = entry.progress;
    if (c.last_seq == s.seq) {
      ++pp.duplicates;
    } else {
      c.last_seq = std::max(c.last_seq, s.seq);
      const std::int64_t t = ns_of(now);
      ++pp.received;
      if (pp.first_ns == 0 || t < pp.first_ns) pp.first_ns = t;
      pp.last_ns = std::max(pp.last_ns, t);
      pp.latency_us.record(t > s.ns ? static_cast<std::uint64_t>(t - s.ns) / 1000 : 0);
    }
    entry.dirty = true;
    if (pp.received == result_.connected) {
      report_progress();  // this worker is done with the push: say so now
    } else {
      arm_progress();
    }
  }

  // Writes a small packet now if the socket takes it, else queues it.
  void send(client& c, const std::uint8_t* p, std::size_t n) {
    if (c.writing) {
      c.next.append(reinterpret_cast<const char*>(p), n);
      return;
    }
    asio::error_code ec;
    std::size_t w = c.sock.write_some(asio::buffer(p, n), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      w = 0;
    } else if (ec) {
      closed(c);
      return;
    }
    if (w == n) return;
    c.out.assign(reinterpret_cast<const char*>(p) + w, n - w);
    flush(c);
  }

  void flush(client& c) {
    c.writing = true;
    asio::async_write(c.sock, asio::buffer(c.out), [this, &c](asio::error_code ec, std::size_t) {
      c.writing = false;
      c.out.clear();
      if (ec) return;  // the read side sees the failure too
      if (c.next.empty()) return;
      c.out.swap(c.next);
      flush(c);
    });
  }

  void arm_progress() {
    if (progress_armed_ || !hooks_.progress) return;
    progress_armed_ = true;
    progress_timer_.expires_after(std::chrono::milliseconds(50));
    progress_timer_.async_wait([this](asio::error_code ec) {
      progress_armed_ = false;
      if (!ec) report_progress();
    });
  }

  void report_progress() {
    if (!hooks_.progress) return;
    bool any = false;
    for (auto& [seq, e] : pushes_) {
      if (!e.dirty) continue;
      e.dirty = false;
      any = true;
      hooks_.progress(seq, e.progress, status_, hooks_.ctx);
    }
    if (status_dirty_ && !any) hooks_.progress(0, push_progress{}, status_, hooks_.ctx);
    status_dirty_ = false;
  }

  // The socket closed or broke: a failure before the final ack, a drop after it.
  void closed(client& c) {
    if (c.st == state::connected) {
      ++result_.dropped;
      ++status_.dropped;
      status_dirty_ = true;
      arm_progress();
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
      if (c->st == state::connecting || c->st == state::awaiting_connack ||
          c->st == state::awaiting_suback) {
        c->st = state::done;
        asio::error_code ignored;
        c->sock.close(ignored);
      }
    if (hooks_.report) hooks_.report(result_, hooks_.ctx);
    if (subscribing_) ping();
    if (hooks_.release_fd < 0) return close_all();
    release_.assign(hooks_.release_fd);
    release_.async_read_some(asio::buffer(release_byte_), [this](asio::error_code, std::size_t) {
      close_all();
    });
  }

  // Members are held for a while: keep their sessions alive (PINGREQ every
  // half keep-alive).
  void ping() {
    if (opt_.keepalive_s == 0) return;
    ping_timer_.expires_after(std::chrono::seconds(std::max(1, opt_.keepalive_s / 2)));
    ping_timer_.async_wait([this](asio::error_code ec) {
      if (ec) return;
      static constexpr std::uint8_t pingreq[2] = {0xc0, 0x00};
      for (auto& c : clients_)
        if (c->st == state::connected) send(*c, pingreq, sizeof pingreq);
      ping();
    });
  }

  void close_all() {
    report_progress();
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
  asio::steady_timer pace_, deadline_timer_, progress_timer_, ping_timer_;
  asio::posix::stream_descriptor release_;
  std::array<char, 1> release_byte_{};
  std::array<std::uint8_t, 65536> rbuf_{};
  asio::ip::address host_;
  std::vector<asio::ip::address> sources_;
  std::vector<std::unique_ptr<client>> clients_;
  std::uint64_t launched_ = 0, inflight_ = 0, inflight_max_ = 1;
  double rate_ = 0;
  bool pacing_ = false, phase_done_ = false, pump_posted_ = false;
  conn_result result_;
  // Subscribe mode.
  bool subscribing_ = false;
  std::vector<std::uint8_t> subscribe_bytes_;
  struct seq_entry {
    push_progress progress;
    bool dirty = false;  // changed since the last report
  };
  std::map<std::uint32_t, seq_entry> pushes_;  // the latest two pushes, by seq
  std::uint32_t newest_seq_ = 0;
  hold_status status_;
  bool status_dirty_ = false, progress_armed_ = false;
};

}  // namespace

conn_result run_conn_worker(const conn_options& opt, unsigned worker, unsigned workers,
                            std::uint64_t first, std::uint64_t count,
                            steady::time_point deadline, const conn_hooks& hooks) {
  auto r = std::make_unique<runner>(opt, worker, workers, first, count, deadline, hooks);
  return r->run();
}

}  // namespace pummelo::bench
