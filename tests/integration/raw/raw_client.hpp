// A tiny blocking TCP client for 127.0.0.1 that speaks MQTT at byte level.
// It frames packets itself (fixed header + remaining length) on purpose:
// these tests must judge the broker independently of the project's codec.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace pummelo::test::raw {

using bytes = std::vector<std::uint8_t>;
using std::chrono::milliseconds;

enum class read_status { packet, closed, timeout };

struct packet {
  read_status status = read_status::timeout;
  std::uint8_t type = 0;   // high nibble of the first byte
  std::uint8_t flags = 0;  // low nibble of the first byte
  bytes body;              // everything after the remaining length
};

// A connected TCP socket to 127.0.0.1:port (TCP_NODELAY), from `source` when
// given; rcvbuf_bytes > 0 shrinks SO_RCVBUF first. Throws std::runtime_error
// naming the step that failed.
int connect_loopback(std::uint16_t port, int rcvbuf_bytes = 0, const char* source = nullptr);

// Milliseconds left until `deadline`, never negative (for poll()).
int remaining_ms(std::chrono::steady_clock::time_point deadline);

// Takes one complete MQTT packet (fixed header + remaining length) off the
// front of data[0, size) into `out`; returns the bytes it used, 0 when the
// packet is not complete yet. Throws on a remaining length over 4 bytes.
std::size_t take_frame(const std::uint8_t* data, std::size_t size, packet& out);

class raw_client {
 public:
  // rcvbuf_bytes > 0 shrinks SO_RCVBUF before connecting, so that the
  // advertised TCP window stays small (slow-reader case).
  // `source`: the loopback address to connect from (127.0.0.0/8).
  explicit raw_client(std::uint16_t port, int rcvbuf_bytes = 0, const char* source = nullptr);
  ~raw_client();
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  // Writes all bytes (blocking, bounded by timeout). False if the peer has
  // gone away or the deadline passed.
  bool send(const bytes& data, milliseconds timeout = milliseconds{5000});

  // Next complete packet, or closed (EOF/reset), or timeout.
  packet read_packet(milliseconds timeout);

  // Reads (and discards into `seen`, when given) until the peer closes.
  // True when closed within the timeout.
  bool wait_closed(milliseconds timeout, std::vector<packet>* seen = nullptr);

  // Closes our side immediately (no DISCONNECT is sent).
  void close();
  bool is_closed() const { return peer_closed_; }

 private:
  bool try_frame(packet& out);

  int fd_ = -1;
  bool peer_closed_ = false;
  bytes buffer_;
  std::size_t start_ = 0;  // first unconsumed byte; compacted lazily
};

}  // namespace pummelo::test::raw
