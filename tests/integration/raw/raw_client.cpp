#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pummelo::test::raw {

using clock = std::chrono::steady_clock;

int remaining_ms(clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

int connect_loopback(std::uint16_t port, int rcvbuf_bytes, const char* source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  auto fail = [fd](const std::string& what) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error(what + ": " + err);
  };
  if (rcvbuf_bytes > 0) {
    // Must precede connect(): the window scale is negotiated in the SYN.
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof rcvbuf_bytes);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source != nullptr) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0)
      fail(std::string("bind ") + source);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    fail("connect 127.0.0.1:" + std::to_string(port));
  return fd;
}

std::size_t take_frame(const std::uint8_t* data, std::size_t size, packet& out) {
  std::uint32_t length = 0;
  std::size_t pos = 1;
  for (int shift = 0;; shift += 7, ++pos) {
    if (pos >= size) return 0;
    if (shift > 21) throw std::runtime_error("broker sent a remaining length longer than 4 bytes");
    const std::uint8_t b = data[pos];
    length |= static_cast<std::uint32_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
  }
  ++pos;
  if (size - pos < length) return 0;
  out.status = read_status::packet;
  out.type = static_cast<std::uint8_t>(data[0] >> 4);
  out.flags = static_cast<std::uint8_t>(data[0] & 0x0F);
  out.body.assign(data + pos, data + pos + length);
  return pos + length;
}

raw_client::raw_client(std::uint16_t port, int rcvbuf_bytes, const char* source)
    : fd_(connect_loopback(port, rcvbuf_bytes, source)) {}

raw_client::~raw_client() { close(); }

void raw_client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool raw_client::send(const bytes& data, milliseconds timeout) {
  if (fd_ < 0) return false;
  const auto deadline = clock::now() + timeout;
  std::size_t done = 0;
  while (done < data.size()) {
    pollfd p{fd_, POLLOUT, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    // MSG_NOSIGNAL: a broker that already closed us must not SIGPIPE the test.
    const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool raw_client::try_frame(packet& out) {
  const std::size_t used = take_frame(buffer_.data() + start_, buffer_.size() - start_, out);
  if (used == 0) return false;
  start_ += used;
  // Compact only once the consumed prefix dominates: keeps a flood of small
  // packets from costing a memmove each.
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 65536 && start_ * 2 > buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  return true;
}

packet raw_client::read_packet(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  packet out;
  for (;;) {
    if (try_frame(out)) return out;
    if (peer_closed_ || fd_ < 0) {
      out.status = read_status::closed;
      return out;
    }
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      out.status = read_status::timeout;
      return out;
    }
    std::uint8_t chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buffer_.insert(buffer_.end(), chunk, chunk + n);
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      peer_closed_ = true;  // EOF or ECONNRESET: either way the broker is gone
    }
  }
}

bool raw_client::wait_closed(milliseconds timeout, std::vector<packet>* seen) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    packet p = read_packet(milliseconds{remaining_ms(deadline)});
    if (p.status == read_status::closed) return true;
    if (p.status == read_status::timeout) return false;
    if (seen != nullptr) seen->push_back(std::move(p));
  }
}

}  // namespace pummelo::test::raw
