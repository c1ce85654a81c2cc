#include "socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace pummelo::broker {

std::string address_of(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, host, sizeof host);
  } else if (ss.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, host, sizeof host);
  }
  return host;
}

std::string endpoint_of(const sockaddr_storage& ss) {
  unsigned port = 0;
  if (ss.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  } else if (ss.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  }
  const std::string host = address_of(ss);
  return (host.empty() ? std::string("?") : host) + ":" + std::to_string(port);
}

}  // namespace pummelo::broker
