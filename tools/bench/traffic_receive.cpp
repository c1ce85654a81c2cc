// Client I/O, second half: reads, the PUBLISH fast path, the accounting of
// deliveries (order, gaps, duplicates, latency) and the closed loop.
//
// The codec's decoder hands out packets that own their topic and payload (a
// heap allocation per message), so PUBLISH is parsed in place here; every
// other packet goes through protocol::decode_packet.
#include <algorithm>
#include <cstring>

#include "pummelo/protocol/decoder.hpp"
#include "traffic_engine.hpp"
#include "traffic_io.hpp"

namespace pummelo::bench::traffic {

namespace proto = pummelo::protocol;

namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::uint32_t max_packet = 64u << 20;

void on_read(thread_ctx& t, client& c, std::size_t n);

void resolve(pub_track& pt, std::uint64_t k) {
  const std::uint32_t v = pt.done[k % pt.window].fetch_add(1) + 1;
  if (v >= pt.grp->live.load(std::memory_order_relaxed)) advance(pt);
}

void deliver(thread_ctx& t, client& c, std::uint32_t pi, std::uint32_t seq32, std::int64_t ts,
             std::int64_t now) {
  sub_track& tr = c.tracks[pi];
  pub_track& pt = *c.grp->pubs[pi];
  auto& st = t.stats;
  const std::uint64_t bits = tr.bits.size() * 64, mask = bits - 1;
  // The 64-bit sequence nearest to the next one expected.
  const std::int64_t d = static_cast<std::int32_t>(seq32 - static_cast<std::uint32_t>(tr.next));
  if (d >= 0) {
    // The publisher is never a window ahead of a live subscriber.
    if (static_cast<std::uint64_t>(d) >= pt.window) {
      ++st.unexpected;
      return;
    }
    // Sequences skipped are resolved too: on an ordered broker they are lost
    // (and count as out of order should they still come).
    const std::uint64_t s = tr.next + static_cast<std::uint64_t>(d);
    for (std::uint64_t k = tr.next; k <= s; ++k) {
      tr.bits[(k & mask) >> 6] &= ~(std::uint64_t{1} << (k & 63));
      resolve(pt, k);
    }
    tr.bits[(s & mask) >> 6] |= std::uint64_t{1} << (s & 63);
    tr.next = s + 1;
  } else {
    const auto age = static_cast<std::uint64_t>(-d);
    if (age > bits) {  // too old to tell: counted as a duplicate, not a delivery
      ++st.duplicates;
      return;
    }
    const std::uint64_t s = tr.next - age;
    std::uint64_t& word = tr.bits[(s & mask) >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (s & 63);
    if ((word & bit) != 0) {
      ++st.duplicates;
      return;
    }
    word |= bit;
    ++st.out_of_order;
  }
  ++st.delivered;
  st.last_delivery_ns = now;
  if (ts >= t.sh.timed_from_ns) {
    ++st.timed;
    st.latency_us.record(now > ts ? static_cast<std::uint64_t>(now - ts) / 1000 : 0);
  }
}

bool on_publish(thread_ctx& t, client& c, std::uint8_t first, const std::uint8_t* b, std::uint32_t n,
                std::int64_t now) {
  const unsigned qos = (first >> 1) & 3u;
  if (qos > 1 || n < 2) return protocol_error(t, c, "PUBLISH with QoS 2 or without a topic");
  const std::size_t tlen = static_cast<std::size_t>(b[0]) << 8 | b[1];
  const std::size_t payload = 2 + tlen + (qos != 0 ? 2 : 0);
  if (payload > n) return protocol_error(t, c, "PUBLISH shorter than its topic");
  if (qos != 0) {
    const std::uint8_t hi = b[2 + tlen], lo = b[3 + tlen];
    if ((hi | lo) == 0) return protocol_error(t, c, "PUBLISH with packet id 0");
    const std::uint8_t ack[4] = {0x40, 0x02, hi, lo};  // PUBACK, sent after this read
    c.out.insert(c.out.end(), ack, ack + 4);
  }
  auto& st = t.stats;
  const std::string& topic = c.grp->topic;
  if (c.kind != role::subscriber || c.st != cstate::ready || tlen != topic.size() ||
      std::memcmp(b + 2, topic.data(), tlen) != 0 || n - payload < payload_header_bytes) {
    ++st.unexpected;
    return true;
  }
  std::int64_t ts = 0;
  std::uint32_t seq32 = 0, pi = 0;
  std::memcpy(&ts, b + payload, 8);
  std::memcpy(&seq32, b + payload + 8, 4);
  std::memcpy(&pi, b + payload + 12, 4);
  if (pi >= c.tracks.size()) {
    ++st.unexpected;
    return true;
  }
  deliver(t, c, pi, seq32, ts, now);
  return true;
}

bool on_control(thread_ctx& t, client& c, std::uint8_t first, const std::uint8_t* b, std::uint32_t n) {
  proto::packet pkt;
  if (proto::decode_packet(first, {b, n}, proto::version::v3_1_1, proto::limits{}, pkt) != proto::errc::ok)
    return protocol_error(t, c, "undecodable packet of type " + std::to_string(first >> 4));
  auto& st = t.stats;
  if (const auto* ack = std::get_if<proto::connack_packet>(&pkt)) {
    if (c.st != cstate::handshake || c.connacked) return ++st.unexpected, true;
    if (ack->reason != proto::reason_code::success)
      return protocol_error(t, c, "CONNACK refused, code " + std::to_string(static_cast<int>(ack->reason)));
    c.connacked = true;
    if (c.kind == role::publisher || c.subacked) handshake_done(t, c);
  } else if (const auto* sa = std::get_if<proto::suback_packet>(&pkt)) {
    if (c.st != cstate::handshake || c.kind != role::subscriber || c.subacked) return ++st.unexpected, true;
    if (sa->reasons.size() != 1 || static_cast<unsigned>(sa->reasons[0]) >= 0x80)
      return protocol_error(t, c, "SUBSCRIBE refused");
    c.subacked = true;
    if (c.connacked) handshake_done(t, c);
  } else if (const auto* pa = std::get_if<proto::puback_packet>(&pkt)) {
    // PUBACKs come in publish order (MQTT 3.1.1, 4.6).
    if (c.kind != role::publisher || c.acked >= c.seq) return ++st.unexpected, true;
    if (pa->packet_id != c.acked % 65535 + 1) ++st.unexpected;
    c.track->acked.store(++c.acked);
  } else if (!std::holds_alternative<proto::pingresp_packet>(pkt)) {
    ++st.unexpected;
  }
  return true;
}

// Handles the whole packets in p[0, len); `used` gets the bytes consumed.
// Returns false if the client was closed.
bool parse(thread_ctx& t, client& c, const std::uint8_t* p, std::size_t len, std::int64_t now,
           std::size_t& used) {
  std::size_t pos = 0;
  while (len - pos >= 2) {
    const std::uint8_t first = p[pos];
    std::size_t i = pos + 1;
    std::uint32_t rl = 0;
    int shift = 0;
    bool whole = false;
    while (i < len) {
      const std::uint8_t b = p[i++];
      rl |= static_cast<std::uint32_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        whole = true;
        break;
      }
      shift += 7;
      if (shift == 28) return protocol_error(t, c, "malformed remaining length");
    }
    if (!whole) break;
    if (rl > max_packet) return protocol_error(t, c, "packet over 64 MiB");
    if (len - i < rl) break;
    const bool ok = (first >> 4) == 3 ? on_publish(t, c, first, p + i, rl, now)
                                       : on_control(t, c, first, p + i, rl);
    if (!ok) return false;
    pos = i + rl;
  }
  used = pos;
  return true;
}

// Handles `n` bytes read into c.small. A full c.small means more may wait:
// read on into the thread's buffer (at most four more reads per wake), then
// parse everything in one pass. Stream end or error after data: the data
// is handled first.
void on_read(thread_ctx& t, client& c, std::size_t n) {
  const std::uint8_t* data = c.small.data();
  std::size_t total = n;
  asio::error_code ec;
  if (!c.in.empty() || n == c.small.size()) {
    const std::size_t have = c.in.size();
    if (t.rbuf.size() < have + n + read_chunk) t.rbuf.resize(have + n + read_chunk);
    if (have != 0) std::memcpy(t.rbuf.data(), c.in.data(), have);
    std::memcpy(t.rbuf.data() + have, c.small.data(), n);
    total = have + n;
    for (int round = 0; round < 4 && n == c.small.size(); ++round) {
      if (t.rbuf.size() < total + read_chunk) t.rbuf.resize(total + read_chunk);
      const std::size_t space = t.rbuf.size() - total;
      const std::size_t m = c.sock.read_some(asio::buffer(t.rbuf.data() + total, space), ec);
      if (ec) break;
      total += m;
      if (m < space) break;
    }
    data = t.rbuf.data();
  }
  std::size_t used = 0;
  if (!parse(t, c, data, total, traffic::now_ns(), used)) return;
  c.in.assign(data + used, data + total);
  if (c.in.empty() && c.in.capacity() > 4096) std::vector<std::uint8_t>().swap(c.in);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again)
    return closed(t, c, ec == asio::error::eof ? "closed by the broker" : "read: " + ec.message());
  if (!c.out.empty() && !flush(t, c) && c.st == cstate::dead) return;
  if (c.kind == role::publisher) pump(t, c);
  arm_read(t, c);
}

}  // namespace

bool protocol_error(thread_ctx& t, client& c, const std::string& why) {
  closed(t, c, "protocol error: " + why);
  return false;
}

// async_read_some, not async_wait: Asio tries the read first and then waits
// for the next edge without re-arming epoll (one system call a wake, not two).
void arm_read(thread_ctx& t, client& c) {
  if (c.read_armed || c.st == cstate::dead) return;
  c.read_armed = true;
  c.sock.async_read_some(asio::buffer(c.small), [&t, &c](asio::error_code ec, std::size_t n) {
    c.read_armed = false;
    if (c.st == cstate::dead) return;
    if (ec) return closed(t, c, ec == asio::error::eof ? "closed by the broker" : "read: " + ec.message());
    on_read(t, c, n);
  });
}

void advance(pub_track& pt) {
  std::uint64_t f = 0;
  {
    std::lock_guard lk(pt.mu);
    f = pt.frontier.load(std::memory_order_relaxed);
    const std::uint64_t f0 = f, published = pt.published.load();
    const std::uint32_t live = pt.grp->live.load();
    while (f < published && pt.done[f % pt.window].load() >= live) {
      pt.done[f % pt.window].store(0, std::memory_order_relaxed);
      ++f;
    }
    if (f == f0) return;
    pt.frontier.store(f);
  }
  // Pairs with wait_window(): store wake_at, then load frontier.
  if (f >= pt.wake_at.load() && pt.wake_at.exchange(never) != never) {
    thread_ctx* owner = pt.owner;
    client* pub = pt.pub;
    asio::post(owner->io, [owner, pub] { pump(*owner, *pub); });
  }
}

void subscriber_died(client& c) {
  group& g = *c.grp;
  for (std::size_t i = 0; i < g.pubs.size(); ++i) {
    pub_track& pt = *g.pubs[i];
    std::lock_guard lk(pt.mu);  // no frontier move while we take our counts back
    for (std::uint64_t k = pt.frontier.load(); k < c.tracks[i].next; ++k) pt.done[k % pt.window].fetch_sub(1);
  }
  g.live.fetch_sub(1);
  for (auto& pt : g.pubs) advance(*pt);
}

}  // namespace pummelo::bench::traffic
