// Command-line helpers shared by the pummelo-bench scenarios.
#pragma once

#include <arpa/inet.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pummelo::bench {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
inline T number(std::string_view flag, std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    throw usage_error("bad value for " + std::string(flag) + ": " + std::string(s));
  return v;
}

inline std::vector<std::string> expand_range(std::string_view spec) {
  auto dash = spec.find('-');
  std::string a(spec.substr(0, dash)), b(dash == spec.npos ? a : std::string(spec.substr(dash + 1)));
  in_addr lo{}, hi{};
  if (inet_pton(AF_INET, a.c_str(), &lo) != 1 || inet_pton(AF_INET, b.c_str(), &hi) != 1)
    throw usage_error("bad --source-addrs: " + std::string(spec));
  std::uint32_t l = ntohl(lo.s_addr), h = ntohl(hi.s_addr);
  if (h < l || h - l > 65535) throw usage_error("bad --source-addrs range: " + std::string(spec));
  std::vector<std::string> out;
  for (std::uint32_t x = l;; ++x) {
    in_addr addr{htonl(x)};
    char buf[INET_ADDRSTRLEN];
    out.emplace_back(inet_ntop(AF_INET, &addr, buf, sizeof buf));
    if (x == h) break;
  }
  return out;
}

/// A "<key> <n> kB" line of /proc/<pid>/<file>, in bytes; nullopt if unreadable.
inline std::optional<std::uint64_t> proc_kib_field(int pid, const char* file, std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(key)) return std::stoull(line.substr(key.size())) * 1024;
  return std::nullopt;
}

/// VmRSS of a process in bytes, or nullopt if unreadable.
inline std::optional<std::uint64_t> rss_bytes(int pid) { return proc_kib_field(pid, "status", "VmRSS:"); }

/// Proportional set size of a process in bytes (its private pages plus its
/// share of pages it shares, such as the shared libraries' code), or nullopt
/// if unreadable. Summed over processes it counts a shared page once, which
/// a sum of VmRSS does not: 55 processes of one binary share ~6 MiB of
/// library pages that a VmRSS sum counts 55 times.
inline std::optional<std::uint64_t> pss_bytes(int pid) { return proc_kib_field(pid, "smaps_rollup", "Pss:"); }

/// printf into a std::string, of any length.
template <class... A>
std::string format(const char* f, A... a) {
  const int n = std::snprintf(nullptr, 0, f, a...);
  if (n <= 0) return {};
  std::string out(static_cast<std::size_t>(n), '\0');
  std::snprintf(out.data(), out.size() + 1, f, a...);
  return out;
}

/// One "  key   value" line of a scenario's table.
inline void print_row(const std::string& key, const std::string& value) {
  std::printf("  %-22s %s\n", key.c_str(), value.c_str());
}

/// The start every scenario shares: --help prints `usage` to stdout (exit
/// 0); a usage_error from parse() prints it with the usage to stderr (exit
/// 2); otherwise SIGPIPE is ignored for the run and the options returned.
/// On nullopt, return `exit_code`.
template <class Parse>
auto start_command(int argc, char** argv, const std::string& usage, Parse parse, int& exit_code)
    -> std::optional<decltype(parse())> {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(usage.c_str(), stdout);
      exit_code = 0;
      return std::nullopt;
    }
  try {
    auto options = parse();
    ::signal(SIGPIPE, SIG_IGN);
    return options;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "pummelo-bench: %s\n\n%s", e.what(), usage.c_str());
    exit_code = 2;
    return std::nullopt;
  }
}

}  // namespace pummelo::bench
