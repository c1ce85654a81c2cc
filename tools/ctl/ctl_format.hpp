// Text formatting of pummeloctl's output: durations, sizes, rates, counts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pummelo::ctl {

/// "45s", "12m 05s", "3h 07m", "2d 03h": the two largest units.
std::string format_uptime(std::uint64_t seconds);

/// Bytes as MiB with one decimal: 9437184 -> "9.0".
std::string format_mib(std::uint64_t bytes);

/// A messages-per-second rate with one decimal: 1.5 -> "1.5"; negative or
/// non-finite values (never sent by a sane server) -> "-".
std::string format_rate(double per_second);

/// "1 client", "2 clients".
std::string plural(std::uint64_t n, std::string_view one, std::string_view many);

/// The last line of a list: "3 clients", or "listed 100 of 250 clients
/// (--limit N lists more)" when the list was cut.
std::string list_footer(std::uint64_t listed, std::uint64_t total, bool truncated,
                        std::string_view one, std::string_view many);

/// ASCII letters lower-cased, everything else kept ("Connection refused" ->
/// "connection refused").
std::string lower_ascii(std::string_view text);

/// Control characters (which would break a table or a terminal) replaced
/// by '?'; printable ASCII and UTF-8 are kept.
std::string printable(std::string_view text);

/// The reason of an OpenSSL error line ("...:error:0A000086:SSL
/// routines:tls_post_process_server_certificate:certificate verify
/// failed:../ssl/statem/statem_clnt.c:1889:" -> "certificate verify
/// failed"); other text is returned trimmed.
std::string openssl_reason(std::string_view text);

/// Display width of UTF-8 text: its code points (no wide-character table).
std::size_t display_width(std::string_view text);

}  // namespace pummelo::ctl
