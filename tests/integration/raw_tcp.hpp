// Minimal blocking TCP client on 127.0.0.1 for the few cases Paho cannot
// express (dropping a connection without DISCONNECT, reading a raw CONNACK),
// plus helpers to append MQTT wire fields when building packets by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pummelo::test {

using bytes = std::vector<std::uint8_t>;

class raw_tcp {
 public:
  explicit raw_tcp(std::uint16_t port);  // throws std::runtime_error
  ~raw_tcp();
  raw_tcp(const raw_tcp&) = delete;
  raw_tcp& operator=(const raw_tcp&) = delete;

  void send(const bytes& b);
  // Reads exactly n bytes, or nullopt on timeout / EOF.
  std::optional<bytes> recv_exact(std::size_t n, std::chrono::milliseconds timeout);
  // Reads one whole MQTT packet (fixed header, remaining length, body).
  std::optional<bytes> recv_packet(std::chrono::milliseconds timeout);
  // True once the peer has closed the connection (EOF or error) in time.
  bool wait_closed(std::chrono::milliseconds timeout);
  // Closes the socket abruptly (no DISCONNECT is sent).
  void close();

 private:
  int fd_ = -1;
};

// Wire-format helpers (MQTT big-endian integers, length-prefixed strings,
// variable byte integers).
void put_u8(bytes& b, std::uint8_t v);
void put_u16(bytes& b, std::uint16_t v);
void put_u32(bytes& b, std::uint32_t v);
void put_str(bytes& b, const std::string& s);
void put_varint(bytes& b, std::uint32_t v);
// Fixed header byte + remaining length + body.
bytes frame(std::uint8_t first_byte, const bytes& body);

}  // namespace pummelo::test
