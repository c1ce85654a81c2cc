// pummelo-bench channel: the command line of the channel-push scenario.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "channel_scenario.hpp"
#include "cli_util.hpp"
#include "scenarios.hpp"

using namespace pummelo::bench;

namespace {

constexpr const char* usage_text =
    "usage: pummelo-bench channel --host H --port P [--port P2 ...] --members N --topic T\n"
    "         [--qos 0|1] [--payload-bytes B] [--pushes K] [--publish-port P]\n"
    "         [--source-addrs A-B] [--workers W] [--inflight K] [--uids]\n"
    "         [--push-timeout-s S] [--sys-wait-s S] [--timeout-s T] [--json]\n"
    "\n"
    "channel: N members (MQTT 3.1.1 clean sessions, keep-alive 300, client ids\n"
    "  <run>-<worker>-<i> unique per run; --uids: username = client id, one uid\n"
    "  each) connect round-robin over the ports and the IPv4 source addresses\n"
    "  A..B, in W worker processes (default ceil(N/19000)), at most K (default\n"
    "  1000) awaiting CONNACK or SUBACK, and SUBSCRIBE to T at QoS --qos. Once\n"
    "  every SUBACK is in, one more client publishes on T (on --publish-port,\n"
    "  default the first port) a payload of B bytes (default 64) stamped with\n"
    "  the steady clock; K pushes (default 1), each after the previous one\n"
    "  reached every member or timed out (--push-timeout-s, default 60).\n"
    "  Per push: members reached and missing, time from the publish to the last\n"
    "  delivery, delivery latency p50/p99, deliveries/s; and, on pummelo, the\n"
    "  deliver frames (push-frames/received) and link traffic the frontends\n"
    "  counted in $SYS/broker/cluster/..., read on every port before and after\n"
    "  (needs sys.interval_s > 0; waits at most --sys-wait-s, default 25, each\n"
    "  time; n/a on other brokers). Link figures include the links' heartbeats;\n"
    "  'idle' is the same counters over an equally long idle window.\n"
    "  --timeout-s bounds the whole run (default 300), plus 10 s to close.\n"
    "exit: 0 every member got every push, 1 otherwise, 2 usage error\n";

channel_options parse(int argc, char** argv) {
  channel_options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view f = argv[i];
    if (f == "--json") { o.json = true; continue; }
    if (f == "--uids") { o.uids = true; continue; }
    if (i + 1 >= argc) throw usage_error("missing value for " + std::string(f));
    std::string_view v = argv[++i];
    if (f == "--host") o.host = v;
    else if (f == "--port") o.ports.push_back(number<std::uint16_t>(f, v));
    else if (f == "--publish-port") o.publish_port = number<std::uint16_t>(f, v);
    else if (f == "--members") o.members = number<std::uint64_t>(f, v);
    else if (f == "--topic") o.topic = v;
    else if (f == "--qos") o.qos = number<std::uint8_t>(f, v);
    else if (f == "--payload-bytes") o.payload_bytes = number<std::size_t>(f, v);
    else if (f == "--pushes") o.pushes = number<std::uint32_t>(f, v);
    else if (f == "--source-addrs") o.source_addrs = expand_range(v);
    else if (f == "--workers") o.workers = number<unsigned>(f, v);
    else if (f == "--inflight") o.inflight = number<std::uint64_t>(f, v);
    else if (f == "--push-timeout-s") o.push_timeout_s = number<double>(f, v);
    else if (f == "--sys-wait-s") o.sys_wait_s = number<double>(f, v);
    else if (f == "--timeout-s") o.timeout_s = number<double>(f, v);
    else throw usage_error("unknown option: " + std::string(f));
  }
  if (o.ports.empty()) throw usage_error("--port is required");
  if (std::find(o.ports.begin(), o.ports.end(), 0) != o.ports.end() || o.publish_port == 0)
    throw usage_error("ports must be 1..65535");
  if (o.members == 0) throw usage_error("--members must be > 0");
  if (o.topic.empty()) throw usage_error("--topic is required");
  if (o.topic.find_first_of("+#") != std::string::npos || o.topic.starts_with("$") ||
      o.topic.size() > 65535)
    throw usage_error("--topic must be a topic name (no wildcards, not starting with '$')");
  if (o.qos > 1) throw usage_error("--qos must be 0 or 1");
  if (o.payload_bytes > 16 * 1024 * 1024) throw usage_error("--payload-bytes must be <= 16 MiB");
  if (o.pushes == 0 || o.pushes > 10'000) throw usage_error("--pushes must be 1..10000");
  if (o.inflight == 0 || o.timeout_s <= 0 || o.push_timeout_s <= 0 || o.sys_wait_s < 0)
    throw usage_error("--inflight, --timeout-s and --push-timeout-s must be positive");
  if (o.workers == 0) o.workers = static_cast<unsigned>((o.members + 18999) / 19000);
  if ((o.members + o.workers - 1) / o.workers > 19000)
    throw usage_error("more than 19000 members per worker; raise --workers");
  if (o.workers > o.members) o.workers = static_cast<unsigned>(o.members);
  return o;
}

std::string json_str(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", ch);
      out += b;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

template <class... A>
std::string fmt(const char* f, A... a) {
  return format(f, a...);
}

using ull = unsigned long long;
using ll = long long;

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

double time_to_last_ms(const push_result& p) {
  return p.reached ? static_cast<double>(p.last_ns - p.published_ns) / 1e6 : 0;
}

double rate(const push_result& p) {
  const double t = time_to_last_ms(p);
  return t > 0 ? static_cast<double>(p.reached) / (t / 1000.0) : 0;
}

bool push_ok(const channel_options& o, const push_result& p) { return p.reached == o.members; }

void print_json(const channel_options& o, const channel_result& r, bool ok) {
  const auto& s = r.setup;
  std::string out = fmt("{\"scenario\":\"channel\",\"run_id\":%s,\"members\":%llu,\"ports\":[",
                        json_str(r.run_id).c_str(), static_cast<ull>(o.members));
  for (std::size_t i = 0; i < o.ports.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(o.ports[i]);
  }
  out += fmt("],\"publish_port\":%u,\"workers\":%u,\"topic\":%s,\"qos\":%u,\"payload_bytes\":%zu,",
             static_cast<unsigned>(o.publish_port.value_or(o.ports.front())), o.workers,
             json_str(o.topic).c_str(), static_cast<unsigned>(o.qos), o.payload_bytes);
  out += fmt("\"subscribed\":%llu,\"refused\":%llu,\"suback_refused\":%llu,\"failed\":%llu,"
             "\"timed_out\":%llu,\"setup_complete\":%s,\"setup_seconds\":%.3f,",
             static_cast<ull>(s.connected), static_cast<ull>(s.refused), static_cast<ull>(s.sub_refused),
             static_cast<ull>(s.failed), static_cast<ull>(s.timed_out), r.setup_complete ? "true" : "false",
             r.setup_s);
  out += fmt("\"suback_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},", ms(s.latency_us.percentile(0.5)),
             ms(s.latency_us.percentile(0.99)), ms(s.latency_us.max()));
  out += fmt("\"publisher_ok\":%s,", r.publisher_ok ? "true" : "false");
  if (!r.publisher_ok) out += "\"publisher_error\":" + json_str(r.publisher_error) + ",";
  out += "\"versions\":[";
  for (std::size_t i = 0; i < r.versions.size(); ++i) {
    if (i) out += ',';
    out += json_str(r.versions[i]);
  }
  out += "],\"pushes\":[";
  for (std::size_t i = 0; i < r.pushes.size(); ++i) {
    const auto& p = r.pushes[i];
    out += fmt("%s{\"seq\":%u,\"reached\":%llu,\"missing\":%llu,\"duplicates\":%llu,"
               "\"timed_out\":%s,\"time_to_last_ms\":%.3f,\"deliveries_per_s\":%.0f,"
               "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},",
               i ? "," : "", p.seq, static_cast<ull>(p.reached),
               static_cast<ull>(o.members - std::min(o.members, p.reached)), static_cast<ull>(p.duplicates),
               p.timed_out ? "true" : "false", time_to_last_ms(p), rate(p),
               ms(p.latency_us.percentile(0.5)), ms(p.latency_us.percentile(0.99)), ms(p.latency_us.max()));
    out += p.puback_ms ? fmt("\"puback_ms\":%.3f,", *p.puback_ms) : std::string("\"puback_ms\":null,");
    auto delta = [](const counter_delta& d) {
      std::string x = fmt("{\"push_frames\":%llu,\"link_frames_received\":%lld,\"link_bytes_received\":%lld,"
                          "\"link_frames_sent\":%lld,\"link_bytes_sent\":%lld,\"window_s\":%.3f",
                          static_cast<ull>(d.push_frames), static_cast<ll>(d.frames_rx),
                          static_cast<ll>(d.bytes_rx), static_cast<ll>(d.frames_tx),
                          static_cast<ll>(d.bytes_tx), d.window_s);
      if (d.idle_frames_rx >= 0)
        x += fmt(",\"idle_frames_received\":%.1f,\"idle_bytes_received\":%.0f,\"idle_frames_sent\":%.1f,"
                 "\"idle_bytes_sent\":%.0f",
                 d.idle_frames_rx, d.idle_bytes_rx, d.idle_frames_tx, d.idle_bytes_tx);
      return x + "}";
    };
    out += "\"counters\":" + (p.counters ? delta(*p.counters) : std::string("null"));
    out += ",\"per_frontend\":[";
    for (std::size_t j = 0; j < p.per_port.size(); ++j) {
      const auto& pp = p.per_port[j];
      if (j) out += ',';
      out += fmt("{\"port\":%u,\"counters\":", static_cast<unsigned>(pp.port));
      out += pp.delta ? delta(*pp.delta) : std::string("null");
      out += '}';
    }
    out += "]}";
  }
  out += fmt("],\"pushes_not_attempted\":%u,", r.not_attempted);
  if (!r.counters_note.empty()) out += "\"counters_note\":" + json_str(r.counters_note) + ",";
  out += fmt("\"dropped\":%llu,\"foreign\":%llu,\"bad_packets\":%llu,\"workers_ok\":%s,\"complete\":%s}\n",
             static_cast<ull>(std::max(r.held.dropped, s.dropped)), static_cast<ull>(r.held.foreign),
             static_cast<ull>(r.held.bad_packets), r.workers_ok ? "true" : "false", ok ? "true" : "false");
  std::fputs(out.c_str(), stdout);
}

void print_table(const channel_options& o, const channel_result& r, bool ok) {
  const auto& s = r.setup;
  const auto& row = print_row;
  std::printf("channel: %llu members on %zu port(s), %u worker(s), topic %s, QoS %u, %zu B, run %s\n",
              static_cast<ull>(o.members), o.ports.size(), o.workers, o.topic.c_str(),
              static_cast<unsigned>(o.qos), o.payload_bytes, r.run_id.c_str());
  row("subscribed", fmt("%llu of %llu (refused %llu, SUBACK refused %llu, failed %llu, timed out %llu)%s",
                        static_cast<ull>(s.connected), static_cast<ull>(o.members), static_cast<ull>(s.refused),
                        static_cast<ull>(s.sub_refused), static_cast<ull>(s.failed),
                        static_cast<ull>(s.timed_out), r.setup_complete ? "" : "  INCOMPLETE"));
  row("setup time", fmt("%.3f s", r.setup_s));
  row("SUBACK p50/p99/max", fmt("%.3f / %.3f / %.3f ms (from TCP connect)", ms(s.latency_us.percentile(0.5)),
                                ms(s.latency_us.percentile(0.99)), ms(s.latency_us.max())));
  if (!r.publisher_ok) row("publisher", "FAILED: " + r.publisher_error);
  for (const auto& p : r.pushes) {
    std::printf("  push %u%s\n", p.seq, p.timed_out ? "  (timed out)" : "");
    auto sub = [&](const std::string& k, const std::string& v) { row("  " + k, v); };
    sub("reached", fmt("%llu of %llu (missing %llu, duplicates %llu)", static_cast<ull>(p.reached),
                       static_cast<ull>(o.members), static_cast<ull>(o.members - std::min(o.members, p.reached)),
                       static_cast<ull>(p.duplicates)));
    sub("time to last", fmt("%.3f ms", time_to_last_ms(p)));
    sub("latency p50/p99/max", fmt("%.3f / %.3f / %.3f ms", ms(p.latency_us.percentile(0.5)),
                                   ms(p.latency_us.percentile(0.99)), ms(p.latency_us.max())));
    sub("deliveries/s", fmt("%.0f", rate(p)));
    if (o.qos) sub("PUBACK", p.puback_ms ? fmt("%.3f ms", *p.puback_ms) : std::string("none"));
    if (!p.counters) {
      std::uint64_t frames = 0, read = 0;
      for (const auto& pp : p.per_port)
        if (pp.delta) {
          frames += pp.delta->push_frames;
          ++read;
        }
      sub("push frames", read ? fmt("n/a (%llu on the %llu of %zu ports read)", static_cast<ull>(frames),
                                    static_cast<ull>(read), p.per_port.size())
                              : std::string("n/a"));
      sub("link traffic", "n/a");
      continue;
    }
    const auto& d = *p.counters;
    std::string per;
    if (p.per_port.size() > 1) {
      per = "  (per frontend:";
      if (p.per_port.size() <= 16) {
        for (const auto& pp : p.per_port) per += ' ' + std::to_string(pp.delta->push_frames);
      } else {
        std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
        for (const auto& pp : p.per_port) {
          lo = std::min(lo, pp.delta->push_frames);
          hi = std::max(hi, pp.delta->push_frames);
        }
        per += fmt(" min %llu, max %llu", static_cast<ull>(lo), static_cast<ull>(hi));
      }
      per += ")";
    }
    sub("push frames", std::to_string(d.push_frames) + per);
    auto idle = [&](double f, double b) {
      return f >= 0 ? fmt("; idle %.1f frames, %.0f B", f, b) : std::string("; idle unknown");
    };
    sub("link received", fmt("%lld frames, %lld B", static_cast<ll>(d.frames_rx), static_cast<ll>(d.bytes_rx)) +
                             idle(d.idle_frames_rx, d.idle_bytes_rx) + fmt(" (%.1f s window)", d.window_s));
    sub("link sent", fmt("%lld frames, %lld B", static_cast<ll>(d.frames_tx), static_cast<ll>(d.bytes_tx)) +
                         idle(d.idle_frames_tx, d.idle_bytes_tx));
  }
  if (r.not_attempted) row("pushes not sent", std::to_string(r.not_attempted) + " (every member missed them)");
  if (!r.counters_note.empty()) row("counters", "n/a: " + r.counters_note);
  row("dropped while held", std::to_string(std::max(r.held.dropped, s.dropped)));
  if (r.held.foreign) row("foreign publishes", std::to_string(r.held.foreign));
  if (r.held.bad_packets) row("undecodable input", std::to_string(r.held.bad_packets));
  if (!r.workers_ok) row("workers", "FAILED (a worker died or reported garbage)");
  row("result", ok ? "every member got every push" : "INCOMPLETE: some member missed a push");
}

}  // namespace

int pummelo::bench::channel_main(int argc, char** argv) {
  int exit_code = 0;
  auto parsed = start_command(argc, argv, usage_text, [&] { return parse(argc, argv); }, exit_code);
  if (!parsed) return exit_code;
  const channel_options& opt = *parsed;
  channel_result r;
  try {
    r = run_channel(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pummelo-bench: %s\n", e.what());
    return 1;
  }
  bool ok = r.workers_ok && r.not_attempted == 0 && !r.pushes.empty();
  for (const auto& p : r.pushes) ok = ok && push_ok(opt, p);
  if (opt.json) print_json(opt, r, ok);
  else print_table(opt, r, ok);
  return ok ? 0 : 1;
}
