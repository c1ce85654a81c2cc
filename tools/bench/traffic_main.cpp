// pummelo-bench fanout and p2p: the command lines of the traffic scenarios.
#include <arpa/inet.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cli_util.hpp"
#include "scenarios.hpp"
#include "traffic_scenario.hpp"

using namespace pummelo::bench;

namespace {

constexpr const char* common_text =
    "         [--host H] [--port P ...] [--qos 0|1] [--payload-bytes B]\n"
    "         [--rate R|max] [--window W] [--messages M] [--duration-s S]\n"
    "         [--warmup-s S] [--threads T] [--source-addrs A-B]\n"
    "         [--connect-inflight K] [--timeout-s T] [--drain-s D] [--json]\n"
    "\n";

constexpr const char* options_text =
    "  --host H, --port P     broker address (default 127.0.0.1:1883); several\n"
    "                         --port: subscriber i uses port i mod K, publisher j\n"
    "                         port (j+1) mod K\n"
    "  --qos 0|1              publish and subscribe QoS (default 0); QoS 1\n"
    "                         subscribers PUBACK every message\n"
    "  --payload-bytes B      payload size, at least 16 (default 64): send time,\n"
    "                         sequence number and publisher index, then filler\n"
    "  --rate R|max           messages/s published over all publishers (default\n"
    "                         max: as fast as the window allows)\n"
    "  --window W             closed loop: messages a publisher may be ahead of\n"
    "                         the slowest subscriber (default 1000, per group,\n"
    "                         split over its publishers); with QoS 1 also the\n"
    "                         publishes awaiting PUBACK; at most 65535 per\n"
    "                         publisher with QoS 1\n"
    "  --messages M           messages per publisher (default: no bound)\n"
    "  --duration-s S         length of the publish phase (default 10 when\n"
    "                         --messages is not given); stops at the first bound\n"
    "  --warmup-s S           deliveries sent in the first S seconds are neither\n"
    "                         timed nor counted in the rate (default 0)\n"
    "  --threads T            client threads, each with its own share (default 2)\n"
    "  --source-addrs A-B     bind clients round-robin to IPv4 sources A..B\n"
    "  --connect-inflight K   handshakes under way at once (default 500)\n"
    "  --timeout-s T          bound on the whole run (default 120)\n"
    "  --drain-s D            after publishing, wait for outstanding deliveries\n"
    "                         until none came for D s (default 5), then count\n"
    "                         them lost; publishing also stops when nothing is\n"
    "                         delivered for D s while a window is full\n"
    "  --json                 one JSON object instead of the table\n"
    "\n"
    "Clients: MQTT 3.1.1, clean session, keep-alive 300 s, ids <kind>-<pid>-<i>;\n"
    "every subscriber has its SUBACK before publishing starts. At most 19000\n"
    "clients. Latency: send time in the payload to receipt (steady clock). In\n"
    "the closed loop (--rate max) it is mostly queueing, about W x subscribers\n"
    "per group / deliveries per second: use --rate or a small --window for it.\n"
    "exit: 0 complete (nothing lost, no failure), 1 otherwise, 2 usage error\n";

std::string usage(bool p2p) {
  std::string s = p2p ? "usage: pummelo-bench p2p --pairs N\n"
                      : "usage: pummelo-bench fanout --subscribers N [--publishers P]\n";
  s += common_text;
  s += p2p ? "p2p: N publisher/subscriber pairs (ids p2p-p-*, p2p-s-*), each pair on its\n"
             "  own topic bench/p2p/<pid>/<i>, each publisher at most W messages ahead of\n"
             "  its subscriber; deliveries/s summed over the pairs.\n\n"
           : "fanout: P publishers (ids fan-p-*) to N subscribers (ids fan-s-*) of one\n"
             "  topic, bench/fanout/<pid>; every message goes to every subscriber.\n\n";
  return s + options_text;
}

traffic_options parse(bool p2p, int argc, char** argv) {
  traffic_options o;
  o.scenario = p2p ? "p2p" : "fanout";
  bool have_duration = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view f = argv[i];
    if (f == "--json") { o.json = true; continue; }
    if (i + 1 >= argc) throw usage_error("missing value for " + std::string(f));
    std::string_view v = argv[++i];
    if (f == "--host") o.host = v;
    else if (f == "--port") o.ports.push_back(number<std::uint16_t>(f, v));
    else if (!p2p && f == "--subscribers") o.subscribers = number<std::uint64_t>(f, v);
    else if (!p2p && f == "--publishers") o.publishers = number<std::uint64_t>(f, v);
    else if (p2p && f == "--pairs") o.groups = number<std::uint64_t>(f, v);
    else if (f == "--qos") o.qos = number<std::uint8_t>(f, v);
    else if (f == "--payload-bytes") o.payload_bytes = number<std::size_t>(f, v);
    else if (f == "--rate") {
      o.rate = v == "max" ? 0 : number<double>(f, v);
      if (v != "max" && !(o.rate > 0 && o.rate < 1e12)) throw usage_error("--rate must be > 0 or max");
    }
    else if (f == "--window") o.window = number<std::uint64_t>(f, v);
    else if (f == "--messages") o.messages = number<std::uint64_t>(f, v);
    else if (f == "--duration-s") { o.duration_s = number<double>(f, v); have_duration = true; }
    else if (f == "--warmup-s") o.warmup_s = number<double>(f, v);
    else if (f == "--threads") o.threads = number<unsigned>(f, v);
    else if (f == "--source-addrs") o.source_addrs = expand_range(v);
    else if (f == "--connect-inflight") o.connect_inflight = number<std::uint64_t>(f, v);
    else if (f == "--timeout-s") o.timeout_s = number<double>(f, v);
    else if (f == "--drain-s") o.drain_s = number<double>(f, v);
    else throw usage_error("unknown option: " + std::string(f));
  }
  if (p2p) {
    if (o.groups == 0) throw usage_error("--pairs is required and must be > 0");
    o.publishers = o.subscribers = 1;
  } else {
    if (o.subscribers == 0) throw usage_error("--subscribers is required and must be > 0");
    if (o.publishers == 0) throw usage_error("--publishers must be > 0");
  }
  if (o.ports.empty()) o.ports.push_back(1883);
  in6_addr probe{};
  if (::inet_pton(AF_INET, o.host.c_str(), &probe) != 1 && ::inet_pton(AF_INET6, o.host.c_str(), &probe) != 1)
    throw usage_error("--host must be an IPv4 or IPv6 address: " + o.host);
  if (o.qos > 1) throw usage_error("--qos must be 0 or 1");
  if (o.payload_bytes < payload_header_bytes)
    throw usage_error("--payload-bytes must be at least " + std::to_string(payload_header_bytes));
  if (o.payload_bytes > (16u << 20)) throw usage_error("--payload-bytes must be at most 16 MiB");
  if (o.window == 0) throw usage_error("--window must be > 0");
  if (o.qos == 1 && o.window / o.publishers > 65535)
    throw usage_error("with --qos 1, --window per publisher must be at most 65535");
  if (o.window > (1u << 24)) throw usage_error("--window must be at most 16777216");
  if (!(o.duration_s >= 0) || (have_duration && o.duration_s == 0))
    throw usage_error("--duration-s must be > 0");
  if (!have_duration && o.messages == 0) o.duration_s = 10;
  if (!(o.warmup_s >= 0) || (o.duration_s > 0 && o.warmup_s >= o.duration_s))
    throw usage_error("--warmup-s must be >= 0 and shorter than the publish phase");
  if (o.threads == 0 || o.threads > 64) throw usage_error("--threads must be 1..64");
  if (o.connect_inflight == 0) throw usage_error("--connect-inflight must be > 0");
  if (!(o.timeout_s > 0) || !(o.drain_s >= 0)) throw usage_error("--timeout-s must be > 0, --drain-s >= 0");
  const std::uint64_t per_group = o.publishers + o.subscribers;
  if (per_group > max_clients || o.groups > max_clients / per_group)
    throw usage_error("at most " + std::to_string(max_clients) + " clients per process");
  return o;
}

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

void print(const traffic_options& o, const traffic_result& r, bool complete) {
  const bool p2p = o.scenario == "p2p";
  const double rate = r.seconds > 0 ? static_cast<double>(r.timed) / r.seconds : 0;
  const auto& h = r.latency_us;
  const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  if (o.json) {
    std::string failure;  // JSON-escaped
    for (char ch : r.failure) {
      if (ch == '"' || ch == '\\') failure += '\\';
      if (static_cast<unsigned char>(ch) >= 0x20) failure += ch;
    }
    std::printf("{\"scenario\":\"%s\",\"%s\":%llu,\"publishers\":%llu,\"qos\":%u,\"payload_bytes\":%llu,",
                o.scenario.c_str(), p2p ? "pairs" : "subscribers",
                u(p2p ? o.groups : o.subscribers), u(o.groups * o.publishers), o.qos, u(o.payload_bytes));
    o.rate > 0 ? std::printf("\"rate\":%.3f,", o.rate) : std::printf("\"rate\":\"max\",");
    std::printf("\"window\":%llu,\"threads\":%u,\"clients\":%llu,\"connected\":%llu,"
                "\"connect_failed\":%llu,\"connect_seconds\":%.3f,\"disconnected\":%llu,"
                "\"messages_published\":%llu,\"unacked\":%llu,\"deliveries_expected\":%llu,"
                "\"delivered\":%llu,\"lost\":%llu,\"duplicates\":%llu,\"out_of_order\":%llu,"
                "\"unexpected\":%llu,\"timed_deliveries\":%llu,\"seconds\":%.3f,"
                "\"deliveries_per_second\":%.1f,"
                "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f},"
                "\"complete\":%s,\"failure\":",
                u(o.window), o.threads, u(r.clients), u(r.connected), u(r.connect_failed),
                r.connect_seconds, u(r.disconnected), u(r.published), u(r.unacked()), u(r.expected),
                u(r.delivered), u(r.lost()), u(r.duplicates), u(r.out_of_order), u(r.unexpected),
                u(r.timed), r.seconds, rate, ms(h.percentile(0.5)), ms(h.percentile(0.99)),
                ms(h.percentile(0.999)), ms(h.max()), complete ? "true" : "false");
    r.failure.empty() ? std::printf("null}\n") : std::printf("\"%s\"}\n", failure.c_str());
    return;
  }
  const auto& row = print_row;
  auto fmt = [](const char* f, auto... a) { return format(f, a...); };
  const std::string rate_text = o.rate > 0 ? fmt("%g msg/s", o.rate) : std::string("max");
  if (p2p)
    std::printf("p2p: %llu pairs", u(o.groups));
  else
    std::printf("fanout: %llu publisher(s) -> %llu subscribers", u(o.publishers), u(o.subscribers));
  std::printf(", QoS %u, %llu B payload, rate %s, window %llu, %u thread(s)%s\n", o.qos,
              u(o.payload_bytes), rate_text.c_str(), u(o.window), o.threads,
              complete ? "" : "  (INCOMPLETE)");
  row("connected", fmt("%llu of %llu in %.3f s", u(r.connected), u(r.clients), r.connect_seconds));
  if (r.connect_failed != 0) row("connect failed", std::to_string(r.connect_failed));
  row("disconnected", std::to_string(r.disconnected));
  row("messages published", std::to_string(r.published));
  if (o.qos != 0) row("unacked publishes", std::to_string(r.unacked()));
  row("deliveries expected", std::to_string(r.expected));
  row("delivered", std::to_string(r.delivered));
  row("lost", std::to_string(r.lost()));
  row("duplicates", std::to_string(r.duplicates));
  row("out of order", std::to_string(r.out_of_order));
  row("unexpected packets", std::to_string(r.unexpected));
  row("time", fmt("%.3f s%s", r.seconds, o.warmup_s > 0 ? " (after the warm-up)" : ""));
  row("deliveries/s", fmt("%.0f", rate));
  row("latency p50", fmt("%.3f ms", ms(h.percentile(0.5))));
  row("latency p99", fmt("%.3f ms", ms(h.percentile(0.99))));
  row("latency p99.9", fmt("%.3f ms", ms(h.percentile(0.999))));
  row("latency max", fmt("%.3f ms", ms(h.max())));
  if (!r.failure.empty()) row("failure", r.failure);
}

int traffic_main(bool p2p, int argc, char** argv) {
  int exit_code = 0;
  auto parsed = start_command(argc, argv, usage(p2p), [&] { return parse(p2p, argc, argv); }, exit_code);
  if (!parsed) return exit_code;
  const traffic_options& opt = *parsed;
  traffic_result r;
  try {
    r = run_traffic(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pummelo-bench: %s\n", e.what());
    return 1;
  }
  const bool complete = r.failure.empty() && r.connected == r.clients && r.lost() == 0 &&
                        r.disconnected == 0 && r.unacked() == 0;
  print(opt, r, complete);
  return complete ? 0 : 1;
}

}  // namespace

int pummelo::bench::fanout_main(int argc, char** argv) { return traffic_main(false, argc, argv); }
int pummelo::bench::p2p_main(int argc, char** argv) { return traffic_main(true, argc, argv); }
