#include "log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace pummelo::broker {
namespace {
std::atomic<int> current_level{static_cast<int>(log_level::info)};

const char* level_name(log_level level) noexcept {
  switch (level) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
    case log_level::off: break;
  }
  return "off";
}
}  // namespace

bool parse_log_level(std::string_view text, log_level& out) noexcept {
  for (auto l : {log_level::debug, log_level::info, log_level::warning, log_level::error,
                 log_level::off}) {
    if (text == level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void set_log_level(log_level level) noexcept {
  current_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool log_enabled(log_level level) noexcept {
  return static_cast<int>(level) >= current_level.load(std::memory_order_relaxed) &&
         level != log_level::off;
}

void write_log_line(log_level level, std::string_view text) noexcept {
  try {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(millis));
    std::string line;
    line.reserve(text.size() + 48);
    line.append(stamp).append(" ").append(level_name(level)).append(" ").append(text).append("\n");
    // One write() per line: the kernel keeps each line whole.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  } catch (...) {
    // Logging must never take the broker down.
  }
}

}  // namespace pummelo::broker
