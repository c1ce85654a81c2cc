#include "raw_tcp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pummelo::test {

namespace {
using clock_type = std::chrono::steady_clock;

int ms_left(clock_type::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}
}  // namespace

raw_tcp::raw_tcp(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

raw_tcp::~raw_tcp() { close(); }

void raw_tcp::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void raw_tcp::send(const bytes& b) {
  std::size_t off = 0;
  while (off < b.size()) {
    const ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
}

std::optional<bytes> raw_tcp::recv_exact(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  bytes out(n);
  std::size_t got = 0;
  while (got < n) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, ms_left(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    const ssize_t k = ::recv(fd_, out.data() + got, n - got, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return std::nullopt;
    got += static_cast<std::size_t>(k);
  }
  return out;
}

std::optional<bytes> raw_tcp::recv_packet(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  auto left = [&] { return std::chrono::milliseconds(ms_left(deadline)); };
  auto head = recv_exact(1, left());
  if (!head) return std::nullopt;
  bytes pkt = *head;
  std::uint32_t len = 0;
  for (int shift = 0; shift < 28; shift += 7) {
    auto b = recv_exact(1, left());
    if (!b) return std::nullopt;
    pkt.push_back((*b)[0]);
    len |= static_cast<std::uint32_t>((*b)[0] & 0x7F) << shift;
    if (((*b)[0] & 0x80) == 0) break;
  }
  if (len > 0) {
    auto body = recv_exact(len, left());
    if (!body) return std::nullopt;
    pkt.insert(pkt.end(), body->begin(), body->end());
  }
  return pkt;
}

bool raw_tcp::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, ms_left(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    std::uint8_t buf[256];
    const ssize_t k = ::recv(fd_, buf, sizeof buf, 0);
    if (k <= 0) return true;  // EOF or reset
  }
}

void put_u8(bytes& b, std::uint8_t v) { b.push_back(v); }

void put_u16(bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

void put_u32(bytes& b, std::uint32_t v) {
  put_u16(b, static_cast<std::uint16_t>(v >> 16));
  put_u16(b, static_cast<std::uint16_t>(v & 0xFFFF));
}

void put_str(bytes& b, const std::string& s) {
  put_u16(b, static_cast<std::uint16_t>(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}

void put_varint(bytes& b, std::uint32_t v) {
  do {
    std::uint8_t digit = v & 0x7F;
    v >>= 7;
    if (v > 0) digit |= 0x80;
    b.push_back(digit);
  } while (v > 0);
}

bytes frame(std::uint8_t first_byte, const bytes& body) {
  bytes out{first_byte};
  put_varint(out, static_cast<std::uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace pummelo::test
