// A blocking MQTT-over-TLS client for 127.0.0.1, driven with OpenSSL
// directly (independent of the broker's TLS code): it checks the broker's
// certificate against a CA file and for the address 127.0.0.1, may present a
// client certificate, and frames MQTT packets like raw_client.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "raw_client.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace pummelo::test::raw {

struct tls_client_options {
  std::string ca_file;    // CA the broker's certificate must chain to
  std::string cert_file;  // client certificate; "" = none
  std::string key_file;
  int rcvbuf_bytes = 0;  // > 0: a small SO_RCVBUF, for a slow reader
};

class tls_client {
 public:
  // Connects TCP (throws std::runtime_error when that fails); no TLS yet.
  tls_client(std::uint16_t port, const tls_client_options& o);
  ~tls_client();
  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  // Runs the handshake; returns "" when it succeeded, else OpenSSL's reason
  // (e.g. "certificate verify failed").
  std::string handshake(milliseconds timeout = milliseconds{5000});
  // Sends the ClientHello and stops there (a client stuck mid-handshake).
  void start_handshake();

  bool send(const bytes& data, milliseconds timeout = milliseconds{5000});
  // Next complete packet, or closed (close_notify, EOF, reset or a TLS
  // error such as the broker's alert), or timeout.
  packet read_packet(milliseconds timeout);
  bool wait_closed(milliseconds timeout);
  // Reads the socket itself, TLS aside, until the broker closes it (for a
  // client that stopped mid-handshake).
  bool wait_tcp_closed(milliseconds timeout);
  // What ended the connection when read_packet reported it closed.
  const std::string& close_reason() const { return close_reason_; }

 private:
  bool wait_io(int ssl_error, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  ssl_ctx_st* ctx_ = nullptr;
  ssl_st* ssl_ = nullptr;
  bool closed_ = false;
  std::string close_reason_;
  bytes buffer_;
};

}  // namespace pummelo::test::raw
