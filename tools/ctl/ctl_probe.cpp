#include "ctl_probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ctl_format.hpp"

namespace pummelo::ctl {

namespace {

using clock_type = std::chrono::steady_clock;

// One non-blocking connect to `ai`, waiting until `deadline`; 0 or the errno.
int connect_one(const addrinfo& ai, clock_type::time_point deadline) {
  const int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return errno;
  int err = 0;
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    err = errno;
    while (err == EINPROGRESS || err == EINTR) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      if (left.count() <= 0) {
        err = ETIMEDOUT;
        break;
      }
      pollfd p{fd, POLLOUT, 0};
      const int n = ::poll(&p, 1, static_cast<int>(left.count()));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = errno;
        break;
      }
      if (n == 0) continue;  // the deadline check above ends it
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      break;
    }
  }
  ::close(fd);
  return err;
}

}  // namespace

std::string host_port(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string tcp_probe(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list); rc != 0)
    return lower_ascii(rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc));
  int err = ECONNREFUSED;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    err = connect_one(*ai, deadline);
    if (err == 0 || clock_type::now() >= deadline) break;
  }
  ::freeaddrinfo(list);
  return err == 0 ? std::string{} : lower_ascii(std::strerror(err));
}

}  // namespace pummelo::ctl
