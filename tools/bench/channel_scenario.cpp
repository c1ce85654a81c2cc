#include "channel_scenario.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <charconv>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "pummelo/protocol/decoder.hpp"
#include "pummelo/protocol/encoder.hpp"
#include "worker.hpp"

namespace pummelo::bench {
namespace {

namespace proto = pummelo::protocol;
using asio::ip::tcp;

std::int64_t ns_of(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

steady::duration secs(double s) {
  return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
}

// Runs handlers until pred() holds (true) or `until` passes (false).
template <class Pred>
bool run_until(asio::io_context& io, Pred pred, steady::time_point until) {
  while (!pred()) {
    if (steady::now() >= until) return false;
    io.run_one_until(until);
  }
  return true;
}

// A plain MQTT 3.1.1 client for the parent's few connections (the publisher
// and one $SYS reader per frontend).
class mini_client {
 public:
  using packet_fn = std::function<void(proto::packet&, steady::time_point)>;

  mini_client(asio::io_context& io, tcp::endpoint ep, std::string client_id, packet_fn on_packet)
      : sock_(io), ping_(io), ep_(ep), id_(std::move(client_id)), on_packet_(std::move(on_packet)) {}

  void start() {
    sock_.async_connect(ep_, [this](asio::error_code ec) {
      if (ec) return fail("connect to port " + std::to_string(ep_.port()) + ": " + ec.message());
      sock_.set_option(tcp::no_delay(true), ec);
      proto::connect_packet p;
      p.protocol_version = proto::version::v3_1_1;
      p.clean_start = true;
      // Not 0: pummelo (0.1.0) closes a keep-alive 0 session once
      // timeouts.connect_timeout_ms has passed since its connect.
      p.keep_alive = keep_alive_s;
      p.client_id = id_;
      send(p);
      read();
      ping();
    });
  }

  void send(const proto::packet& p) {
    std::vector<std::uint8_t> bytes;
    proto::encode_append(p, proto::version::v3_1_1, bytes);
    out_.push_back(std::move(bytes));
    if (!writing_) write();
  }

  void close() {
    asio::error_code ignored;
    sock_.close(ignored);
    ping_.cancel();
  }

  bool connected() const { return connected_; }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

 private:
  static constexpr std::uint16_t keep_alive_s = 60;

  void ping() {
    ping_.expires_after(std::chrono::seconds(keep_alive_s / 2));
    ping_.async_wait([this](asio::error_code ec) {
      if (ec || failed_) return;
      send(proto::pingreq_packet{});
      ping();
    });
  }

  void write() {
    if (out_.empty() || failed_) return;
    writing_ = true;
    asio::async_write(sock_, asio::buffer(out_.front()), [this](asio::error_code ec, std::size_t) {
      writing_ = false;
      if (ec) return fail("write: " + ec.message());
      out_.pop_front();
      write();
    });
  }

  void read() {
    sock_.async_read_some(asio::buffer(buf_), [this](asio::error_code ec, std::size_t n) {
      if (ec) return fail(ec == asio::error::eof ? "closed by the broker" : ec.message());
      const auto now = steady::now();
      std::span<const std::uint8_t> bytes(buf_.data(), n);
      while (!bytes.empty()) {
        auto r = dec_.feed(bytes);
        bytes = bytes.subspan(r.consumed);
        if (r.status == proto::decode_status::error) return fail("undecodable input");
        if (r.status != proto::decode_status::packet_ready) continue;
        auto pkt = dec_.take();
        if (auto* ack = std::get_if<proto::connack_packet>(&pkt)) {
          if (ack->reason != proto::reason_code::success) return fail("CONNACK refused");
          connected_ = true;
        }
        on_packet_(pkt, now);
        if (failed_) return;
      }
      read();
    });
  }

  void fail(std::string why) {
    if (failed_) return;
    failed_ = true;
    connected_ = false;
    error_ = std::move(why);
    close();
  }

  tcp::socket sock_;
  asio::steady_timer ping_;
  tcp::endpoint ep_;
  std::string id_;
  packet_fn on_packet_;
  proto::decoder dec_{proto::decoder::role::client};
  std::deque<std::vector<std::uint8_t>> out_;
  std::array<std::uint8_t, 16384> buf_{};
  bool writing_ = false, connected_ = false, failed_ = false;
  std::string error_;
};

constexpr const char* sys_version = "$SYS/broker/version";
constexpr const char* sys_push_frames = "$SYS/broker/cluster/push-frames/received";
constexpr const char* sys_frames_rx = "$SYS/broker/cluster/link/frames/received";
constexpr const char* sys_bytes_rx = "$SYS/broker/cluster/link/bytes/received";
constexpr const char* sys_frames_tx = "$SYS/broker/cluster/link/frames/sent";
constexpr const char* sys_bytes_tx = "$SYS/broker/cluster/link/bytes/sent";

// One frontend's $SYS reader.
struct sys_port {
  std::uint16_t port = 0;
  std::unique_ptr<mini_client> client;
  std::string version;                       // "" until known
  std::map<std::string, std::uint64_t> latest;
  std::vector<counter_snapshot> snaps;       // one per complete $SYS cycle
  // Chosen readings.
  std::optional<counter_snapshot> before;
  std::optional<double> idle_s;              // length of the idle window below
  std::optional<counter_snapshot> idle_delta;  // the idle cycle's growth
  double interval_s = 0;                     // measured $SYS period (0 unknown)

  bool not_pummelo() const { return !version.empty() && !version.starts_with("pummelo"); }

  void on_publish(const proto::publish_packet& p, steady::time_point now) {
    if (p.topic == sys_version) {
      version = p.payload;
      return;
    }
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(p.payload.data(), p.payload.data() + p.payload.size(), v);
    if (ec != std::errc{}) return;
    latest[p.topic] = v;
    // link/bytes/received is the last counter of a cycle (sys_publisher.cpp).
    if (p.topic != sys_bytes_rx) return;
    for (const char* t : {sys_push_frames, sys_frames_rx, sys_frames_tx, sys_bytes_tx})
      if (!latest.contains(t)) return;
    counter_snapshot s;
    s.at_ns = ns_of(now);
    s.push_frames = latest[sys_push_frames];
    s.frames_rx = latest[sys_frames_rx];
    s.bytes_rx = latest[sys_bytes_rx];
    s.frames_tx = latest[sys_frames_tx];
    s.bytes_tx = latest[sys_bytes_tx];
    snaps.push_back(s);
  }

  std::size_t fresh_since(std::int64_t t) const {
    return static_cast<std::size_t>(std::count_if(snaps.begin(), snaps.end(),
                                                  [t](const auto& s) { return s.at_ns >= t; }));
  }
};

// A worker's pipe, read inside the parent's io_context.
struct worker_pipe {
  worker_proc* w = nullptr;
  std::unique_ptr<asio::posix::stream_descriptor> sd;
  std::array<char, 4096> buf{};
  bool reported = false, eof = false;
  hold_status status;
  push_progress progress;               // of the push under way (current_seq_)
};

class orchestrator {
 public:
  explicit orchestrator(const channel_options& opt) : opt_(opt) {}

  channel_result run() {
    const auto start = steady::now();
    const auto deadline = start + secs(opt_.timeout_s);
    char id[32];
    std::snprintf(id, sizeof id, "pb%x%06llx", static_cast<unsigned>(::getpid()),
                  static_cast<unsigned long long>(ns_of(start) / 1000) & 0xffffffULL);
    res_.run_id = id;

    conn_options co;
    co.host = opt_.host;
    co.ports = opt_.ports;
    co.source_addrs = opt_.source_addrs;
    co.clients = opt_.members;
    co.inflight = opt_.inflight;
    co.keepalive_s = 300;
    co.workers = opt_.workers;
    co.client_id_prefix = res_.run_id;
    co.username_is_client_id = opt_.uids;
    co.subscribe_topic = opt_.topic;
    co.subscribe_qos = opt_.qos;
    co.run_id = res_.run_id;
    co.pushes = opt_.pushes;
    // Fork before this process opens any socket, so no worker inherits one.
    workers_ = spawn_conn_workers(co, deadline);
    pipes_.resize(workers_.size());
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      auto& p = pipes_[i];
      p.w = &workers_[i];
      p.sd = std::make_unique<asio::posix::stream_descriptor>(io_, workers_[i].report_fd);
      read_pipe(p);
    }

    const auto host = asio::ip::make_address(opt_.host);
    std::vector<std::uint16_t> sys_ports = opt_.ports;
    const std::uint16_t pub_port = opt_.publish_port.value_or(opt_.ports.front());
    sys_ports.push_back(pub_port);
    std::sort(sys_ports.begin(), sys_ports.end());
    sys_ports.erase(std::unique(sys_ports.begin(), sys_ports.end()), sys_ports.end());
    sys_.resize(sys_ports.size());
    for (std::size_t i = 0; i < sys_ports.size(); ++i) {
      auto& s = sys_[i];
      s.port = sys_ports[i];
      s.client = std::make_unique<mini_client>(
          io_, tcp::endpoint(host, s.port), res_.run_id + "-sys-" + std::to_string(s.port),
          [this, &s](proto::packet& pkt, steady::time_point now) {
            if (std::holds_alternative<proto::connack_packet>(pkt)) {
              proto::subscribe_packet sp;
              sp.packet_id = 1;
              for (const char* t : {sys_version, sys_push_frames, "$SYS/broker/cluster/link/#"})
                sp.entries.push_back({t, 0});
              s.client->send(sp);
            } else if (auto* p = std::get_if<proto::publish_packet>(&pkt)) {
              s.on_publish(*p, now);
            }
          });
      s.client->start();
    }
    publisher_ = std::make_unique<mini_client>(
        io_, tcp::endpoint(host, pub_port), res_.run_id + "-pub",
        [this](proto::packet& pkt, steady::time_point now) {
          if (auto* a = std::get_if<proto::puback_packet>(&pkt)) pubacks_[a->packet_id] = ns_of(now);
        });
    publisher_->start();

    // Setup: every worker reports its connect+subscribe phase (bounded by
    // the run's deadline inside the workers), and the publisher is in.
    asio::executor_work_guard<asio::io_context::executor_type> guard(io_.get_executor());
    res_.setup_complete = run_until(io_, [&] { return all_reported(); }, deadline + secs(2)) &&
                          std::none_of(pipes_.begin(), pipes_.end(),
                                       [](const auto& p) { return !p.reported; });
    const auto ready = steady::now();
    res_.setup_s = std::chrono::duration<double>(ready - start).count();
    run_until(io_, [&] { return publisher_->connected() || publisher_->failed(); },
              std::min(deadline, ready + secs(10)));
    res_.publisher_ok = publisher_->connected();
    if (!res_.publisher_ok)
      res_.publisher_error = publisher_->failed() ? publisher_->error() : "no CONNACK in time";

    if (res_.setup_complete && res_.publisher_ok && res_.setup.connected > 0) {
      read_baseline(ns_of(ready), deadline);
      for (std::uint32_t k = 1; k <= opt_.pushes; ++k) {
        if (steady::now() >= deadline) break;
        res_.pushes.push_back(do_push(k, deadline));
        if (publisher_->failed()) {
          res_.publisher_ok = false;
          res_.publisher_error = publisher_->error();
          break;
        }
      }
    }
    res_.not_attempted = opt_.pushes - static_cast<std::uint32_t>(res_.pushes.size());

    for (auto& s : sys_) res_.versions.push_back(s.version);
    teardown();
    return std::move(res_);
  }

 private:
  bool all_reported() const {
    return std::all_of(pipes_.begin(), pipes_.end(), [](const auto& p) { return p.reported || p.eof; });
  }

  void read_pipe(worker_pipe& p) {
    p.sd->async_read_some(asio::buffer(p.buf), [this, &p](asio::error_code ec, std::size_t n) {
      if (ec) {
        if (ec != asio::error::operation_aborted) p.eof = true;
        return;
      }
      auto& w = *p.w;
      w.buffer.append(p.buf.data(), n);
      for (auto nl = w.buffer.find('\n'); nl != std::string::npos; nl = w.buffer.find('\n')) {
        on_line(p, w.buffer.substr(0, nl));
        w.buffer.erase(0, nl + 1);
      }
      read_pipe(p);
    });
  }

  void on_line(worker_pipe& p, const std::string& line) {
    if (line.starts_with("R ")) {
      if (p.reported) return;
      p.reported = true;
      p.w->reported = true;
      if (!parse_report_line(line, res_.setup)) res_.workers_ok = false;
    } else if (line.starts_with("P ")) {
      std::uint32_t seq = 0;
      push_progress pp;
      hold_status st;
      if (!parse_progress_line(line, seq, pp, st)) {
        res_.workers_ok = false;
        return;
      }
      p.status = st;
      if (seq != 0 && seq == current_seq_) p.progress = std::move(pp);  // late lines of old pushes: too late
    }
  }

  hold_status held() const {
    hold_status t;
    for (const auto& p : pipes_) {
      t.dropped += p.status.dropped;
      t.foreign += p.status.foreign;
      t.bad_packets += p.status.bad_packets;
    }
    return t;
  }

  std::uint64_t received() const {
    std::uint64_t n = 0;
    for (const auto& p : pipes_) n += p.progress.received;
    return n;
  }

  push_progress sum() const {
    push_progress t;
    for (const auto& p : pipes_) {
      const auto& x = p.progress;
      t.received += x.received;
      t.duplicates += x.duplicates;
      if (x.first_ns != 0 && (t.first_ns == 0 || x.first_ns < t.first_ns)) t.first_ns = x.first_ns;
      t.last_ns = std::max(t.last_ns, x.last_ns);
      t.latency_us.merge(x.latency_us);
    }
    return t;
  }

  // Two fresh $SYS cycles per pummelo port after setup: the second is the
  // "before" reading, the growth between them the idle links' traffic.
  void read_baseline(std::int64_t ready_ns, steady::time_point deadline) {
    const auto until = std::min(deadline, steady::now() + secs(opt_.sys_wait_s));
    run_until(io_, [&] {
      return std::all_of(sys_.begin(), sys_.end(), [&](const sys_port& s) {
        return s.not_pummelo() || s.client->failed() || s.fresh_since(ready_ns) >= 2;
      });
    }, until);
    for (auto& s : sys_) {
      if (s.not_pummelo() || s.fresh_since(ready_ns) == 0) continue;
      s.before = s.snaps.back();
      if (s.fresh_since(ready_ns) >= 2) {
        const auto& a = s.snaps[s.snaps.size() - 2];
        const auto& b = s.snaps.back();
        s.interval_s = static_cast<double>(b.at_ns - a.at_ns) / 1e9;
        if (s.interval_s > 0 && b.frames_rx >= a.frames_rx && b.frames_tx >= a.frames_tx) {
          s.idle_s = s.interval_s;
          s.idle_delta = counter_snapshot{0, b.push_frames - a.push_frames, b.frames_rx - a.frames_rx,
                                          b.bytes_rx - a.bytes_rx, b.frames_tx - a.frames_tx,
                                          b.bytes_tx - a.bytes_tx};
        }
      }
    }
    if (std::all_of(sys_.begin(), sys_.end(), [](const sys_port& s) { return s.not_pummelo(); }))
      res_.counters_note = "not pummelo ($SYS/broker/version: " + sys_.front().version + ")";
  }

  push_result do_push(std::uint32_t k, steady::time_point deadline) {
    push_result r;
    r.seq = k;
    const std::uint64_t members = res_.setup.connected;
    const auto until = std::min(deadline, steady::now() + secs(opt_.push_timeout_s));

    proto::publish_packet pub;
    pub.topic = opt_.topic;
    pub.qos = opt_.qos;
    pub.packet_id = opt_.qos ? static_cast<std::uint16_t>((k - 1) % 65535 + 1) : 0;
    current_seq_ = k;
    for (auto& p : pipes_) p.progress = push_progress{};
    pubacks_.erase(pub.packet_id);
    const auto t0 = steady::now();
    r.published_ns = ns_of(t0);
    pub.payload = res_.run_id + ' ' + std::to_string(k) + ' ' + std::to_string(r.published_ns);
    if (pub.payload.size() < opt_.payload_bytes) {
      pub.payload.push_back(' ');
      pub.payload.append(opt_.payload_bytes - std::min(opt_.payload_bytes, pub.payload.size()), 'x');
    }
    publisher_->send(pub);

    auto done = [&] {
      const auto got = received();
      const bool acked = opt_.qos == 0 || pubacks_.contains(pub.packet_id) || publisher_->failed();
      const bool dead = std::all_of(pipes_.begin(), pipes_.end(), [](const auto& p) { return p.eof; });
      return (acked && got + held().dropped >= members) || dead;
    };
    r.timed_out = !run_until(io_, done, until);
    const auto complete = steady::now();
    auto t = sum();
    r.reached = t.received;
    r.duplicates = t.duplicates;
    r.last_ns = t.last_ns;
    r.latency_us = t.latency_us;
    if (auto it = pubacks_.find(pub.packet_id); opt_.qos && it != pubacks_.end())
      r.puback_ms = static_cast<double>(it->second - r.published_ns) / 1e6;
    read_after(r, ns_of(complete), deadline);
    return r;
  }

  // The first $SYS cycle clearly after the push completed, on every port
  // that had a "before" reading; the differences are the push's cost.
  void read_after(push_result& r, std::int64_t complete_ns, steady::time_point deadline) {
    auto margin = [](const sys_port& s) {
      return static_cast<std::int64_t>((s.interval_s > 0 ? s.interval_s / 2 : 0.5) * 1e9);
    };
    auto has_after = [&](const sys_port& s) {
      return !s.snaps.empty() && s.snaps.back().at_ns >= complete_ns + margin(s);
    };
    const auto until = std::min(deadline, steady::now() + secs(opt_.sys_wait_s));
    run_until(io_, [&] {
      return std::all_of(sys_.begin(), sys_.end(), [&](const sys_port& s) {
        return !s.before || s.client->failed() || has_after(s);
      });
    }, until);

    bool all = !sys_.empty();
    counter_delta total;
    bool idle_known = true;
    std::vector<std::string> missing;
    for (auto& s : sys_) {
      port_delta pd{s.port, std::nullopt};
      if (s.before && has_after(s)) {
        const auto& a = *s.before;
        const auto b = *std::find_if(s.snaps.begin(), s.snaps.end(), [&](const auto& x) {
          return x.at_ns >= complete_ns + margin(s);
        });
        counter_delta d;
        d.push_frames = b.push_frames - a.push_frames;
        d.frames_rx = static_cast<std::int64_t>(b.frames_rx - a.frames_rx);
        d.bytes_rx = static_cast<std::int64_t>(b.bytes_rx - a.bytes_rx);
        d.frames_tx = static_cast<std::int64_t>(b.frames_tx - a.frames_tx);
        d.bytes_tx = static_cast<std::int64_t>(b.bytes_tx - a.bytes_tx);
        d.window_s = static_cast<double>(b.at_ns - a.at_ns) / 1e9;
        if (s.idle_s && s.idle_delta) {
          const double f = d.window_s / *s.idle_s;
          d.idle_frames_rx = f * static_cast<double>(s.idle_delta->frames_rx);
          d.idle_bytes_rx = f * static_cast<double>(s.idle_delta->bytes_rx);
          d.idle_frames_tx = f * static_cast<double>(s.idle_delta->frames_tx);
          d.idle_bytes_tx = f * static_cast<double>(s.idle_delta->bytes_tx);
        } else {
          idle_known = false;
        }
        // Link counters are those of the current links: a relink restarts them.
        if (b.frames_rx < a.frames_rx || b.frames_tx < a.frames_tx || b.push_frames < a.push_frames) {
          missing.push_back(std::to_string(s.port) + " (a link restarted)");
        } else {
          pd.delta = d;
          total.push_frames += d.push_frames;
          total.frames_rx += d.frames_rx;
          total.bytes_rx += d.bytes_rx;
          total.frames_tx += d.frames_tx;
          total.bytes_tx += d.bytes_tx;
          total.window_s = std::max(total.window_s, d.window_s);
          if (idle_known) {
            total.idle_frames_rx = std::max(0.0, total.idle_frames_rx) + d.idle_frames_rx;
            total.idle_bytes_rx = std::max(0.0, total.idle_bytes_rx) + d.idle_bytes_rx;
            total.idle_frames_tx = std::max(0.0, total.idle_frames_tx) + d.idle_frames_tx;
            total.idle_bytes_tx = std::max(0.0, total.idle_bytes_tx) + d.idle_bytes_tx;
          }
        }
        s.before = b;  // the next push starts from here
      } else if (!s.not_pummelo()) {
        missing.push_back(std::to_string(s.port) +
                          (s.client->failed() ? " ($SYS reader: " + s.client->error() + ")"
                           : s.before         ? std::string(" (no $SYS cycle after the push)")
                                              : std::string(" (no $SYS cluster counters)")));
        s.before.reset();
      }
      if (s.not_pummelo()) missing.push_back(std::to_string(s.port) + " (not pummelo)");
      if (!pd.delta) all = false;
      r.per_port.push_back(pd);
    }
    if (!idle_known) total.idle_frames_rx = total.idle_bytes_rx = total.idle_frames_tx = total.idle_bytes_tx = -1;
    if (all) {
      r.counters = total;
    } else if (res_.counters_note.empty()) {
      std::string note = "no reading on port";
      for (std::size_t i = 0; i < missing.size(); ++i) {
        note += i ? ", " : " ";
        note += missing[i];
      }
      res_.counters_note = note;
    }
  }

  void teardown() {
    res_.held = held();
    // Hand the pipes back to the poll-based helpers: release, "D" lines, reap.
    for (auto& p : pipes_) {
      if (p.sd) {
        if (p.eof) {
          ::close(p.sd->release());
          p.w->report_fd = -1;
        } else {
          p.sd->release();
        }
      }
    }
    for (auto& s : sys_) s.client->close();
    if (publisher_) publisher_->close();
    io_.poll();  // the aborted handlers
    conn_result rest;
    res_.workers_ok = release_workers(workers_, rest,
                                       steady::now() + std::max<steady::duration>(secs(10), release_allowance(opt_.members))) && res_.workers_ok;
    res_.setup.dropped += rest.dropped;
    for (std::size_t i = 0; i < pipes_.size(); ++i)
      if (pipes_[i].eof) {
        std::fprintf(stderr, "pummelo-bench: worker %zu's report pipe closed before the release\n", i);
        res_.workers_ok = false;
      }
  }

  const channel_options& opt_;
  asio::io_context io_{1};
  std::vector<worker_proc> workers_;
  std::vector<worker_pipe> pipes_;
  std::vector<sys_port> sys_;
  std::unique_ptr<mini_client> publisher_;
  std::map<std::uint16_t, std::int64_t> pubacks_;
  std::uint32_t current_seq_ = 0;
  channel_result res_;
};

}  // namespace

channel_result run_channel(const channel_options& opt) {
  orchestrator o(opt);
  return o.run();
}

}  // namespace pummelo::bench
