// The traffic engine's coordinator: lays the groups and clients out over the
// threads, then drives the phases from the calling thread (connect, publish,
// drain) by polling the shared counters, and sums what the threads measured.
#include "traffic_scenario.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "pummelo/protocol/encoder.hpp"
#include "traffic_engine.hpp"

namespace pummelo::bench {

namespace proto = pummelo::protocol;
using namespace traffic;

namespace {

void raise_file_limit(std::uint64_t need) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
    throw std::runtime_error("the file limit (" + std::to_string(rl.rlim_cur) + ") is below the " +
                             std::to_string(need) + " this run needs");
}

// The encoded PUBLISH every message of publisher c starts from.
void make_template(const traffic_options& o, client& c) {
  proto::publish_packet p;
  p.qos = o.qos;
  p.topic = c.grp->topic;
  p.packet_id = o.qos != 0 ? 1 : 0;
  p.payload.assign(o.payload_bytes, 'x');
  proto::encode_append(p, proto::version::v3_1_1, c.tmpl);
  const auto layout = proto::layout_of(p, proto::version::v3_1_1);
  c.id_off = layout.packet_id_offset;
  c.payload_off = layout.payload_offset;
}

void lay_out(shared_state& sh, std::deque<thread_ctx>& ts) {
  const traffic_options& o = *sh.opt;
  const auto pid = std::to_string(::getpid());
  const std::uint64_t wp = std::max<std::uint64_t>(1, o.window / o.publishers);
  for (std::uint64_t g = 0; g < o.groups; ++g) {
    group& gr = sh.groups.emplace_back();
    gr.topic = "bench/" + o.scenario + "/" + pid;
    if (o.groups > 1 || o.scenario == "p2p") gr.topic.append("/").append(std::to_string(g));
    gr.live = static_cast<std::uint32_t>(o.subscribers);
    for (std::uint64_t j = 0; j < o.publishers; ++j) {
      auto& pt = *gr.pubs.emplace_back(std::make_unique<pub_track>());
      pt.grp = &gr;
      pt.window = wp;
      pt.done = std::make_unique<std::atomic<std::uint32_t>[]>(wp);
    }
  }
  const auto tcount = ts.size();
  const auto ports = o.ports.size();
  // Remembers which sequences arrived over two windows at least.
  const std::size_t words = std::bit_ceil(std::max<std::uint64_t>(64, 2 * wp)) / 64;
  const std::uint64_t subs = o.groups * o.subscribers;
  for (std::uint64_t g = 0; g < o.groups; ++g)
    for (std::uint64_t i = 0; i < o.subscribers; ++i) {
      thread_ctx& t = ts[(g + i) % tcount];
      client& c = t.clients.emplace_back(t.io);
      c.kind = role::subscriber;
      c.ordinal = c.global = g * o.subscribers + i;
      c.port = o.ports[c.ordinal % ports];
      c.grp = &sh.groups[g];
      c.tracks.resize(o.publishers);
      for (auto& tr : c.tracks) tr.bits.assign(words, 0);
    }
  for (std::uint64_t g = 0; g < o.groups; ++g)
    for (std::uint64_t j = 0; j < o.publishers; ++j) {
      thread_ctx& t = ts[(g + j) % tcount];
      client& c = t.clients.emplace_back(t.io);
      c.kind = role::publisher;
      c.ordinal = g * o.publishers + j;
      c.global = subs + c.ordinal;
      c.port = o.ports[(c.ordinal + 1) % ports];  // a p2p pair spans two ports when it can
      c.grp = &sh.groups[g];
      c.track = c.grp->pubs[j].get();
      c.track->pub = &c;
      c.track->owner = &t;
      c.pub_index = static_cast<std::uint32_t>(j);
      make_template(o, c);
      if (o.rate > 0) c.pace = std::make_unique<asio::steady_timer>(t.io);
      // Publishers start staggered over the first period: (0, 1/rate].
      c.phase = static_cast<double>(c.ordinal + 1) / static_cast<double>(o.groups * o.publishers);
      t.publishers.push_back(&c);
    }
}

bool all_resolved(const shared_state& sh) {
  for (const auto& g : sh.groups) {
    if (g.live.load() == 0) continue;
    for (const auto& pt : g.pubs) {
      const auto published = pt->published.load();
      if (pt->frontier.load() < published) return false;
      if (sh.opt->qos != 0 && pt->acked.load() < published) return false;
    }
  }
  return true;
}

// Grows while deliveries (or, with QoS 1, PUBACKs) come in.
std::uint64_t progress(const shared_state& sh) {
  std::uint64_t sum = 0;
  for (const auto& g : sh.groups)
    for (const auto& pt : g.pubs) sum += pt->frontier.load() + pt->acked.load();
  return sum;
}

// Some publisher can send nothing until deliveries (or PUBACKs) come.
bool window_full(const shared_state& sh) {
  for (const auto& g : sh.groups)
    for (const auto& pt : g.pubs) {
      const auto published = pt->published.load();
      if (pt->finished.load()) continue;
      if (published - pt->frontier.load() >= pt->window) return true;
      if (sh.opt->qos != 0 && published - pt->acked.load() >= pt->window) return true;
    }
  return false;
}

template <class Pred>
void wait_until(Pred done, steady::time_point until) {
  while (!done() && steady::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

steady::duration seconds(double s) {
  return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
}

}  // namespace

traffic_result run_traffic(const traffic_options& o) {
  const std::uint64_t total = o.groups * (o.subscribers + o.publishers);
  raise_file_limit(total + 64);
  shared_state sh;
  sh.opt = &o;
  sh.id_prefix = o.scenario == "fanout" ? "fan" : o.scenario;
  std::deque<thread_ctx> ts;
  const auto host = asio::ip::make_address(o.host);
  std::vector<asio::ip::address> sources;
  for (const auto& s : o.source_addrs) sources.push_back(asio::ip::make_address(s));
  for (unsigned i = 0; i < o.threads; ++i) {
    thread_ctx& t = ts.emplace_back(sh, i);
    t.host = host;
    t.sources = sources;
    t.inflight_max = std::max<std::uint64_t>(1, o.connect_inflight / o.threads);
  }
  lay_out(sh, ts);

  const auto start = steady::now();
  const auto deadline = start + seconds(o.timeout_s);
  std::vector<std::thread> threads;
  for (auto& t : ts)
    threads.emplace_back([&t] {
      auto guard = asio::make_work_guard(t.io);
      asio::post(t.io, [&t] { t.begin_connects(); });
      try {
        t.io.run();
      } catch (const std::exception& e) {
        t.sh.failed.fetch_add(1);
        t.sh.fail(std::string("client thread: ") + e.what());
      }
    });

  traffic_result r;
  r.clients = total;
  wait_until([&] { return sh.ready.load() + sh.failed.load() >= total || sh.failed.load() != 0; }, deadline);
  r.connected = sh.ready.load();
  r.connect_failed = sh.failed.load();
  r.connect_seconds = std::chrono::duration<double>(steady::now() - start).count();
  const bool connected = r.connected == total && r.connect_failed == 0;
  if (!connected && r.connect_failed == 0) {
    r.connect_timed_out = true;
    sh.fail("timed out with " + std::to_string(total - r.connected) + " clients not yet connected");
  }

  if (connected) {
    const auto t0 = steady::now();
    sh.t0_ns = traffic::now_ns();
    sh.timed_from_ns = sh.t0_ns + static_cast<std::int64_t>(o.warmup_s * 1e9);
    sh.rate_per_pub = o.rate / static_cast<double>(o.groups * o.publishers);
    for (auto& t : ts) asio::post(t.io, [&t] { t.start_publishing(); });
    const auto publish_end = o.duration_s > 0 ? std::min(deadline, t0 + seconds(o.duration_s)) : deadline;
    const std::uint64_t pubs = o.groups * o.publishers;
    // A window held by messages the broker lost never opens again: when
    // nothing moves for drain_s with a window full, publishing stops.
    auto last_progress = steady::now();
    auto seen = progress(sh);
    auto last_check = last_progress;
    const auto stalled = [&] {  // looks at the counters every 20 ms
      const auto now = steady::now();
      if (now - last_check < std::chrono::milliseconds(20)) return false;
      last_check = now;
      if (const auto p = progress(sh); p != seen) {
        seen = p;
        last_progress = now;
      }
      return now - last_progress >= seconds(o.drain_s);
    };
    bool stuck = false;
    wait_until([&] {
      if (sh.pubs_finished.load() >= pubs) return true;
      stuck = stalled() && window_full(sh);
      return stuck;
    }, publish_end);
    if (stuck) {
      char why[128];
      std::snprintf(why, sizeof why, "closed loop stalled: no delivery for %g s with a window full",
                    o.drain_s);
      sh.fail(why);
    }
    for (auto& t : ts) asio::post(t.io, [&t] { t.stop_publishing(); });
    wait_until([&] { return sh.stopped_threads.load() >= o.threads; }, deadline + seconds(1));
    // Drain: wait while the deliveries still come, until none came for drain_s.
    last_progress = steady::now();
    wait_until([&] { return stuck || all_resolved(sh) || stalled(); }, deadline);
    if (steady::now() >= deadline && !all_resolved(sh)) {
      char why[96];
      std::snprintf(why, sizeof why, "timed out after %g s (--timeout-s) with deliveries outstanding",
                    o.timeout_s);
      sh.fail(why);
    }
  }

  for (auto& t : ts) asio::post(t.io, [&t] { t.say_goodbye(); });
  wait_until([&] { return sh.said_goodbye.load() >= o.threads; }, steady::now() + seconds(1));
  for (auto& t : ts) t.io.stop();  // the sockets close with the thread contexts
  for (auto& th : threads) th.join();

  for (const auto& g : sh.groups)
    for (const auto& pt : g.pubs) {
      const auto published = pt->published.load();
      r.published += published;
      r.acked += o.qos != 0 ? pt->acked.load() : published;
      r.expected += published * o.subscribers;
    }
  std::int64_t last = 0;
  for (auto& t : ts) {
    const auto& s = t.stats;
    r.delivered += s.delivered;
    r.timed += s.timed;
    r.duplicates += s.duplicates;
    r.out_of_order += s.out_of_order;
    r.unexpected += s.unexpected;
    last = std::max(last, s.last_delivery_ns);
    r.latency_us.merge(s.latency_us);
  }
  r.disconnected = sh.disconnected.load();
  if (connected && last > sh.timed_from_ns) r.seconds = static_cast<double>(last - sh.timed_from_ns) / 1e9;
  r.failure = sh.first_failure;
  if (r.failure.empty() && r.lost() != 0)
    r.failure = std::to_string(r.lost()) + " deliveries lost";
  return r;
}

}  // namespace pummelo::bench
