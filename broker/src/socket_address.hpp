// Socket addresses as text, for logs and per-address accounting.
#pragma once

#include <sys/socket.h>

#include <string>

namespace pummelo::broker {

/// The address part ("127.0.0.1", "::1"); "" when not IP.
std::string address_of(const sockaddr_storage& ss);
/// "address:port"; "?:0" when not IP.
std::string endpoint_of(const sockaddr_storage& ss);

}  // namespace pummelo::broker
