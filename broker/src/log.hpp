// Leveled log lines to stderr. Thread-safe: each line is written with one
// write() so lines from different event loops never interleave.
#pragma once

#include <sstream>
#include <string_view>

namespace pummelo::broker {

enum class log_level : int { debug = 0, info = 1, warning = 2, error = 3, off = 4 };

/// Parses "debug", "info", "warning", "error" or "off"; false if unknown.
bool parse_log_level(std::string_view text, log_level& out) noexcept;

void set_log_level(log_level level) noexcept;
bool log_enabled(log_level level) noexcept;
void write_log_line(log_level level, std::string_view text) noexcept;

/// log(log_level::info, "client ", id, " connected") — the parts are streamed
/// only when the level is enabled.
template <class... Parts>
void log(log_level level, const Parts&... parts) {
  if (!log_enabled(level)) return;
  std::ostringstream line;
  (line << ... << parts);
  write_log_line(level, line.view());
}

}  // namespace pummelo::broker
