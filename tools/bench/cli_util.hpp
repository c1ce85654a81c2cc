// Command-line helpers shared by the pummelo-bench scenarios.
#pragma once

#include <arpa/inet.h>

#include <charconv>
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

/// VmRSS of a process in bytes, or nullopt if unreadable.
inline std::optional<std::uint64_t> rss_bytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  return std::nullopt;
}

}  // namespace pummelo::bench
