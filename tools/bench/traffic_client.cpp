// Client I/O, first half: connects and handshakes, non-blocking writes, and
// the publishers: closed-loop window, pace, batches of messages patched into
// one buffer from a single encoding. Sockets are non-blocking; Asio only says
// when they are ready (async_wait), and each wake does one read or write.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "pummelo/protocol/encoder.hpp"
#include "traffic_engine.hpp"
#include "traffic_io.hpp"

namespace pummelo::bench::traffic {

namespace proto = pummelo::protocol;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

void shared_state::fail(const std::string& why) {
  std::lock_guard lk(failure_mu);
  if (first_failure.empty()) first_failure = why;
}

thread_ctx::thread_ctx(shared_state& s, unsigned i) : sh(s), index(i), ping(io), rbuf(64 * 1024) {}

namespace {

constexpr std::size_t batch_bytes = 64 * 1024;  // one write per wake at most this

bool would_block(const asio::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

std::string name(const thread_ctx& t, const client& c) {
  return t.sh.id_prefix + (c.kind == role::subscriber ? "-s-" : "-p-") + std::to_string(::getpid()) +
         "-" + std::to_string(c.ordinal);
}

void next_connects(thread_ctx& t);

void arm_write(thread_ctx& t, client& c);

void on_connected(thread_ctx& t, client& c) {
  asio::error_code ec;
  c.sock.set_option(tcp::no_delay(true), ec);
  c.sock.non_blocking(true, ec);
  if (ec) return closed(t, c, "non_blocking: " + ec.message());
  c.st = cstate::handshake;
  const auto& o = *t.sh.opt;
  proto::connect_packet p;
  p.protocol_version = proto::version::v3_1_1;
  p.clean_start = true;
  p.keep_alive = o.keepalive_s;
  p.client_id = name(t, c);
  proto::encode_append(p, proto::version::v3_1_1, c.out);
  if (c.kind == role::subscriber) {  // allowed before the CONNACK (MQTT 3.1.1, 3.1.4)
    proto::subscribe_packet s;
    s.packet_id = 1;
    s.entries.push_back({c.grp->topic, o.qos});
    proto::encode_append(s, proto::version::v3_1_1, c.out);
  }
  flush(t, c);
  arm_read(t, c);
}

void launch(thread_ctx& t, client& c) {
  c.st = cstate::connecting;
  ++t.inflight;
  tcp::endpoint ep(t.host, c.port);
  asio::error_code ec;
  c.sock.open(ep.protocol(), ec);
  if (!ec && !t.sources.empty()) {
    int one = 1;  // pick the port at connect(): the whole range per source address
    ::setsockopt(c.sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    c.sock.bind(tcp::endpoint(t.sources[c.global % t.sources.size()], 0), ec);
  }
  if (ec) {
    asio::post(t.io, [&t, &c, ec] { closed(t, c, "socket: " + ec.message()); });
    return;
  }
  c.sock.async_connect(ep, [&t, &c](asio::error_code e) {
    if (c.st == cstate::dead) return;
    if (e) return closed(t, c, "connect: " + e.message());
    on_connected(t, c);
  });
}

void next_connects(thread_ctx& t) {
  while (t.next_connect < t.clients.size() && t.inflight < t.inflight_max)
    launch(t, t.clients[t.next_connect++]);
}

void arm_write(thread_ctx& t, client& c) {
  if (c.write_armed) return;
  c.write_armed = true;
  c.sock.async_wait(tcp::socket::wait_write, [&t, &c](asio::error_code ec) {
    c.write_armed = false;
    if (c.st == cstate::dead) return;
    if (ec) return closed(t, c, "write: " + ec.message());
    if (flush(t, c) && c.kind == role::publisher) pump(t, c);
  });
}

void arm_pace(thread_ctx& t, client& c) {
  if (c.pace_armed) return;
  // Wakes fall on a 1 ms grid: the publishers of a thread due in the same
  // millisecond share one wake of the thread.
  constexpr std::int64_t grid = 1'000'000;
  const double at = (static_cast<double>(c.seq) + c.phase) / t.sh.rate_per_pub * 1e9;
  const std::int64_t after = std::max(static_cast<std::int64_t>(at), now_ns() - t.sh.t0_ns);
  const std::int64_t due = t.sh.t0_ns + (after / grid + 1) * grid;
  c.pace->expires_at(steady::time_point(std::chrono::nanoseconds(due)));
  c.pace_armed = true;
  c.pace->async_wait([&t, &c](asio::error_code ec) {
    c.pace_armed = false;
    if (!ec) pump(t, c);
  });
}

// The window is full: ask to be woken once a sixteenth of it is free again.
// Returns true if it already is (then nobody else will wake us).
bool wait_window(client& c, std::uint64_t limit) {
  pub_track& pt = *c.track;
  const std::uint64_t want = std::max<std::uint64_t>(1, std::min(pt.window / 16, limit - c.seq));
  const std::uint64_t target = c.seq - pt.window + want;
  pt.wake_at.store(target);
  if (pt.frontier.load() < target) return false;
  return pt.wake_at.exchange(never) != never;  // else a completer took it and posted a pump
}

void fill(client& c, std::uint64_t n) {
  const std::size_t size = c.tmpl.size();
  c.out.resize(static_cast<std::size_t>(n) * size);
  const std::int64_t ts = now_ns();
  std::uint8_t* p = c.out.data();
  for (std::uint64_t i = 0; i < n; ++i, p += size) {
    std::memcpy(p, c.tmpl.data(), size);
    const std::uint64_t s = c.seq + i;
    if (c.id_off != 0) {
      const auto id = static_cast<std::uint16_t>(s % 65535 + 1);
      p[c.id_off] = static_cast<std::uint8_t>(id >> 8);
      p[c.id_off + 1] = static_cast<std::uint8_t>(id);
    }
    const auto s32 = static_cast<std::uint32_t>(s);
    std::memcpy(p + c.payload_off, &ts, 8);
    std::memcpy(p + c.payload_off + 8, &s32, 4);
    std::memcpy(p + c.payload_off + 12, &c.pub_index, 4);
  }
}

void arm_ping(thread_ctx& t) {
  const auto every = std::chrono::seconds(std::max(1, t.sh.opt->keepalive_s / 2));
  t.ping.expires_after(every);
  t.ping.async_wait([&t](asio::error_code ec) {
    if (ec) return;
    for (auto& c : t.clients)
      if (c.st == cstate::ready) {
        c.out.push_back(0xC0);  // PINGREQ
        c.out.push_back(0x00);
        flush(t, c);
      }
    arm_ping(t);
  });
}

}  // namespace

void finish(thread_ctx& t, client& c) {
  if (!c.track->finished.exchange(true)) t.sh.pubs_finished.fetch_add(1);
  if (c.pace) c.pace->cancel();
}

void handshake_done(thread_ctx& t, client& c) {
  c.st = cstate::ready;
  --t.inflight;
  t.sh.ready.fetch_add(1);
  next_connects(t);
}

bool flush(thread_ctx& t, client& c) {
  if (c.write_armed) return false;
  while (c.out_off < c.out.size()) {
    asio::error_code ec;
    const std::size_t n =
        c.sock.write_some(asio::buffer(c.out.data() + c.out_off, c.out.size() - c.out_off), ec);
    if (would_block(ec)) {
      arm_write(t, c);
      return false;
    }
    if (ec) {
      closed(t, c, "write: " + ec.message());
      return false;
    }
    c.out_off += n;
  }
  c.out.clear();
  c.out_off = 0;
  return true;
}

void closed(thread_ctx& t, client& c, const std::string& why) {
  if (c.st == cstate::dead) return;
  const cstate was = c.st;
  c.st = cstate::dead;
  asio::error_code ignored;
  c.sock.close(ignored);
  if (c.pace) c.pace->cancel();
  if (t.leaving) return;  // the broker closing after our DISCONNECT
  if (was != cstate::ready) {
    --t.inflight;
    t.sh.failed.fetch_add(1);
    t.sh.fail(name(t, c) + ": " + why);
    return;  // the coordinator gives up on the run
  }
  t.sh.disconnected.fetch_add(1);
  t.sh.fail(name(t, c) + " disconnected: " + why);
  if (c.kind == role::publisher) finish(t, c);
  else subscriber_died(c);
}

void pump(thread_ctx& t, client& c) {
  if (c.st != cstate::ready || !t.started || c.track->finished.load(std::memory_order_relaxed)) return;
  if (!c.out.empty()) return;  // the previous batch is still being written
  const auto& o = *t.sh.opt;
  pub_track& pt = *c.track;
  const std::uint64_t limit = o.messages != 0 ? o.messages : never;
  const std::uint64_t batch = std::max<std::uint64_t>(1, batch_bytes / c.tmpl.size());
  for (int round = 0; round < 8; ++round) {
    if (c.seq >= limit || c.grp->live.load() == 0) return finish(t, c);  // done, or nobody listens
    const std::uint64_t f = pt.frontier.load();
    const std::uint64_t room = f + pt.window > c.seq ? f + pt.window - c.seq : 0;
    std::uint64_t n = std::min(limit - c.seq, room);
    const bool ack_bound = o.qos != 0 && c.seq - c.acked >= pt.window;
    if (o.qos != 0) n = std::min(n, pt.window - std::min(pt.window, c.seq - c.acked));
    if (room == 0) {
      if (wait_window(c, limit)) continue;
      return;
    }
    if (ack_bound) return;  // the next PUBACK pumps
    if (t.sh.rate_per_pub > 0) {
      const double x = static_cast<double>(now_ns() - t.sh.t0_ns) / 1e9 * t.sh.rate_per_pub - c.phase;
      const std::uint64_t due = x < 0 ? 0 : static_cast<std::uint64_t>(x) + 1;
      if (due <= c.seq) return arm_pace(t, c);
      n = std::min(n, due - c.seq);
    }
    n = std::min(n, batch);
    fill(c, n);
    c.seq += n;
    pt.published.store(c.seq);
    if (!flush(t, c)) return;  // the write wait pumps again
  }
  asio::post(t.io, [&t, &c] { pump(t, c); });  // let the thread's other clients in
}

void thread_ctx::begin_connects() {
  next_connects(*this);
  if (sh.opt->keepalive_s != 0) arm_ping(*this);
}

void thread_ctx::start_publishing() {
  started = true;
  for (client* p : publishers) pump(*this, *p);
}

void thread_ctx::stop_publishing() {
  for (client* p : publishers) finish(*this, *p);
  sh.stopped_threads.fetch_add(1);
}

void thread_ctx::say_goodbye() {
  leaving = true;
  for (auto& c : clients)
    if (c.st == cstate::ready) {
      c.out.push_back(0xE0);  // DISCONNECT: a normal end for the broker
      c.out.push_back(0x00);
      flush(*this, c);
    }
  sh.said_goodbye.fetch_add(1);
}

}  // namespace pummelo::bench::traffic
