// A plain TCP connect, to name why a connection failed: Paho reports a
// failed connect only as "TCP/TLS connect failure", without the errno.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pummelo::ctl {

/// Connects to host:port (every address the name resolves to, in order,
/// within `timeout` in total) and closes again. Returns "" when one accepted,
/// else why not, lower-cased: "connection refused", "connection timed out",
/// "name or service not known".
std::string tcp_probe(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

/// "127.0.0.1:1883", "[::1]:1883".
std::string host_port(const std::string& host, std::uint16_t port);

}  // namespace pummelo::ctl
