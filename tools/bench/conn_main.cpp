// pummelo-bench conn: the command line of the connect-storm scenario.
#include <arpa/inet.h>
#include <signal.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "cli_util.hpp"
#include "conn_scenario.hpp"
#include "scenarios.hpp"
#include "worker.hpp"

using namespace pummelo::bench;

namespace {

constexpr const char* usage_text =
    "usage: pummelo-bench conn --host H --port P [--port P2 ...] --clients N\n"
    "         [--rate R|max] [--inflight K] [--hold-s S] [--keepalive-s 300]\n"
    "         [--source-addrs A-B] [--workers W] [--broker-pid PID ...]\n"
    "         [--timeout-s T] [--json]\n"
    "\n"
    "conn: opens N MQTT 3.1.1 clean sessions (client ids bench-<worker>-<i>),\n"
    "  at most K (default 1000) CONNECTs awaiting CONNACK, optionally paced at\n"
    "  R connects/s, round-robin over the ports and the IPv4 source addresses\n"
    "  A..B (e.g. 127.0.0.1-127.0.0.8), in W worker processes (default\n"
    "  ceil(N/19000)); holds them S seconds (default 0), then closes them.\n"
    "  --broker-pid: report the broker's RSS growth per session, and the\n"
    "  memory its processes hold at the end (VmRSS and PSS sums).\n"
    "  --timeout-s bounds the connect phase (default 120); the whole run takes\n"
    "  at most T + S + 10 s + N/20000 s (closing).\n"
    "exit: 0 every session connected, 1 otherwise, 2 usage error\n";

conn_options parse(int argc, char** argv) {
  conn_options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view f = argv[i];
    if (f == "--json") { o.json = true; continue; }
    if (i + 1 >= argc) throw usage_error("missing value for " + std::string(f));
    std::string_view v = argv[++i];
    if (f == "--host") o.host = v;
    else if (f == "--port") o.ports.push_back(number<std::uint16_t>(f, v));
    else if (f == "--clients") o.clients = number<std::uint64_t>(f, v);
    else if (f == "--rate") o.rate = v == "max" ? 0 : number<double>(f, v);
    else if (f == "--inflight") o.inflight = number<std::uint64_t>(f, v);
    else if (f == "--hold-s") o.hold_s = number<double>(f, v);
    else if (f == "--keepalive-s") o.keepalive_s = number<std::uint16_t>(f, v);
    else if (f == "--source-addrs") o.source_addrs = expand_range(v);
    else if (f == "--workers") o.workers = number<unsigned>(f, v);
    else if (f == "--broker-pid") o.broker_pids.push_back(number<int>(f, v));
    else if (f == "--timeout-s") o.timeout_s = number<double>(f, v);
    else throw usage_error("unknown option: " + std::string(f));
  }
  if (o.ports.empty()) throw usage_error("--port is required");
  if (o.clients == 0) throw usage_error("--clients must be > 0");
  if (o.inflight == 0 || o.rate < 0 || o.hold_s < 0 || o.timeout_s <= 0)
    throw usage_error("--inflight, --rate, --hold-s and --timeout-s must be positive");
  if (o.workers == 0) o.workers = static_cast<unsigned>((o.clients + 18999) / 19000);
  if ((o.clients + o.workers - 1) / o.workers > 19000)
    throw usage_error("more than 19000 clients per worker; raise --workers");
  if (o.workers > o.clients) o.workers = static_cast<unsigned>(o.clients);
  return o;
}

struct rss_row {
  int pid;
  std::optional<std::uint64_t> before, after;
  std::optional<std::uint64_t> pss_after;
};

// Sums over the brokers' processes, once the sessions are held: nullopt if
// any process could not be read.
std::optional<std::uint64_t> sum_after(const std::vector<rss_row>& rss,
                                       std::optional<std::uint64_t> rss_row::*field) {
  std::uint64_t total = 0;
  for (const auto& x : rss) {
    if (!(x.*field)) return std::nullopt;
    total += *(x.*field);
  }
  return rss.empty() ? std::nullopt : std::optional<std::uint64_t>(total);
}

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

void print(const conn_options& o, const conn_result& r, const std::vector<rss_row>& rss, bool complete) {
  const double secs = r.last_connack_ns > r.first_connect_ns
                          ? static_cast<double>(r.last_connack_ns - r.first_connect_ns) / 1e9 : 0;
  const double rate = secs > 0 ? static_cast<double>(r.connected) / secs : 0;
  const auto& h = r.latency_us;
  auto per_session = [&](const rss_row& x) -> std::optional<double> {
    if (!x.before || !x.after || r.connected == 0) return std::nullopt;
    return (static_cast<double>(*x.after) - static_cast<double>(*x.before)) / static_cast<double>(r.connected);
  };
  std::optional<double> total_ps;
  for (const auto& x : rss)
    if (auto v = per_session(x)) total_ps = total_ps.value_or(0) + *v;
  if (o.json) {
    std::printf("{\"scenario\":\"conn\",\"clients\":%llu,\"workers\":%u,\"connected\":%llu,"
                "\"refused\":%llu,\"failed\":%llu,\"timed_out\":%llu,\"dropped\":%llu,"
                "\"complete\":%s,\"connect_seconds\":%.3f,\"connect_rate\":%.1f,"
                "\"connack_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f},\"rss\":[",
                static_cast<unsigned long long>(o.clients), o.workers,
                static_cast<unsigned long long>(r.connected), static_cast<unsigned long long>(r.refused),
                static_cast<unsigned long long>(r.failed), static_cast<unsigned long long>(r.timed_out),
                static_cast<unsigned long long>(r.dropped), complete ? "true" : "false", secs, rate,
                ms(h.percentile(0.5)), ms(h.percentile(0.99)), ms(h.percentile(0.999)), ms(h.max()));
    for (std::size_t i = 0; i < rss.size(); ++i) {
      auto v = per_session(rss[i]);
      std::printf("%s{\"pid\":%d,\"before\":%lld,\"after\":%lld,\"bytes_per_session\":", i ? "," : "",
                  rss[i].pid, rss[i].before ? static_cast<long long>(*rss[i].before) : -1,
                  rss[i].after ? static_cast<long long>(*rss[i].after) : -1);
      v ? std::printf("%.0f}", *v) : std::printf("null}");
    }
    std::printf("]");
    if (total_ps) std::printf(",\"rss_bytes_per_session\":%.0f", *total_ps);
    if (auto t = sum_after(rss, &rss_row::after))
      std::printf(",\"rss_total_after\":%llu", static_cast<unsigned long long>(*t));
    if (auto t = sum_after(rss, &rss_row::pss_after))
      std::printf(",\"pss_total_after\":%llu", static_cast<unsigned long long>(*t));
    std::printf("}\n");
    return;
  }
  const auto& row = print_row;
  auto fmt = [](const char* f, auto... a) { return format(f, a...); };
  std::printf("conn: %llu clients, %u worker(s)%s\n", static_cast<unsigned long long>(o.clients), o.workers,
              complete ? "" : "  (INCOMPLETE: deadline or worker failure)");
  row("connected", std::to_string(r.connected));
  row("refused", std::to_string(r.refused));
  row("failed", std::to_string(r.failed));
  row("timed out", std::to_string(r.timed_out));
  row("dropped while held", std::to_string(r.dropped));
  row("connect time", fmt("%.3f s", secs));
  row("connect rate", fmt("%.0f CONNACK/s", rate));
  row("CONNACK p50", fmt("%.3f ms", ms(h.percentile(0.5))));
  row("CONNACK p99", fmt("%.3f ms", ms(h.percentile(0.99))));
  row("CONNACK p99.9", fmt("%.3f ms", ms(h.percentile(0.999))));
  row("CONNACK max", fmt("%.3f ms", ms(h.max())));
  for (const auto& x : rss) {
    auto v = per_session(x);
    row(fmt("RSS pid %d", x.pid).c_str(),
        x.before && x.after ? fmt("%.1f -> %.1f MiB, %s B/session", static_cast<double>(*x.before) / 1048576.0,
                                  static_cast<double>(*x.after) / 1048576.0,
                                  v ? fmt("%.0f", *v).c_str() : "n/a")
                            : std::string("unreadable"));
  }
  if (rss.size() > 1 && total_ps) row("RSS total", fmt("%.0f B/session", *total_ps));
  // Each on its own: smaps_rollup may be unreadable where status is not.
  if (auto t = sum_after(rss, &rss_row::after))
    row("memory held (VmRSS)", fmt("%.1f MiB, all broker processes", static_cast<double>(*t) / 1048576.0));
  if (auto t = sum_after(rss, &rss_row::pss_after))
    row("memory held (PSS)", fmt("%.1f MiB, shared pages counted once", static_cast<double>(*t) / 1048576.0));
}

}  // namespace

int pummelo::bench::conn_main(int argc, char** argv) {
  int exit_code = 0;
  auto parsed = start_command(argc, argv, usage_text, [&] { return parse(argc, argv); }, exit_code);
  if (!parsed) return exit_code;
  const conn_options& opt = *parsed;
  std::vector<rss_row> rss;
  for (int pid : opt.broker_pids) rss.push_back({pid, rss_bytes(pid), std::nullopt, std::nullopt});

  const auto start = steady::now();
  const auto secs = [](double s) {
    return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
  };
  const auto deadline = start + secs(opt.timeout_s);
  conn_result total;
  bool ok = true;
  try {
    auto ws = spawn_conn_workers(opt, deadline);
    ok = collect_reports(ws, total, deadline + secs(5));
    for (auto& x : rss) {
      x.after = rss_bytes(x.pid);
      x.pss_after = pss_bytes(x.pid);
    }
    std::this_thread::sleep_for(secs(opt.hold_s));
    ok = release_workers(ws, total, steady::now() + release_allowance(opt.clients)) && ok;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pummelo-bench: %s\n", e.what());
    ok = false;
  }
  const bool complete = ok && total.connected + total.refused + total.failed + total.timed_out == opt.clients;
  print(opt, total, rss, complete);
  return complete && total.connected == opt.clients ? 0 : 1;
}
