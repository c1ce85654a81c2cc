#include "ctl_format.hpp"

#include <cmath>
#include <cstdio>

namespace pummelo::ctl {

namespace {

std::string two_digits(std::uint64_t n) {
  return n < 10 ? "0" + std::to_string(n) : std::to_string(n);
}

}  // namespace

std::string format_uptime(std::uint64_t seconds) {
  constexpr std::uint64_t minute = 60, hour = 60 * minute, day = 24 * hour;
  if (seconds < minute) return std::to_string(seconds) + "s";
  if (seconds < hour) return std::to_string(seconds / minute) + "m " + two_digits(seconds % minute) + "s";
  if (seconds < day) return std::to_string(seconds / hour) + "h " + two_digits(seconds % hour / minute) + "m";
  return std::to_string(seconds / day) + "d " + two_digits(seconds % day / hour) + "h";
}

std::string format_mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string format_rate(double per_second) {
  if (!std::isfinite(per_second) || per_second < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", per_second);
  return buf;
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string list_footer(std::uint64_t listed, std::uint64_t total, bool truncated,
                        std::string_view one, std::string_view many) {
  if (!truncated && total <= listed) return plural(total, one, many);
  return "listed " + std::to_string(listed) + " of " + plural(total, one, many) +
         " (--limit N lists more)";
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  return out;
}

std::string openssl_reason(std::string_view text) {
  const auto blank = " \t\r\n";
  const auto first = text.find_first_not_of(blank);
  if (first == std::string_view::npos) return {};
  text = text.substr(first, text.find_last_not_of(blank) - first + 1);
  const auto error = text.find(":error:");
  if (error == std::string_view::npos) return std::string(text);
  std::string_view rest = text.substr(error + 7);  // CODE:LIB:FUNC:REASON:FILE:LINE:DATA
  for (int field = 0; field < 3; ++field) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return std::string(text);
    rest.remove_prefix(colon + 1);
  }
  const std::string_view reason = rest.substr(0, rest.find(':'));
  return reason.empty() ? std::string(text) : std::string(reason);
}

std::size_t display_width(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;  // not a continuation byte
  return n;
}

}  // namespace pummelo::ctl
