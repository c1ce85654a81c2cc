// One connection's TLS session, driven with OpenSSL directly on the
// connection's own non-blocking descriptor (client sockets are raw
// descriptors in the loop's epoll set, not Asio sockets). Reads and writes
// report "would block" in the direction OpenSSL is waiting for, so the
// connection can watch the socket for that; the handshake runs inside the
// first reads. No OpenSSL header here: connection.hpp includes this file.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

struct ssl_st;  // OpenSSL's SSL

namespace pummelo::broker::tls {

class server_context;

class stream {
 public:
  enum class status : std::uint8_t {
    ok,            // `bytes` were read or written
    want_read,     // call again once the socket is readable
    want_write,    // call again once the socket is writable
    closed,        // the peer ended the connection (close_notify, or EOF after the handshake)
    socket_error,  // the socket failed after the handshake (`sys_errno`)
    failed,        // a TLS failure, or any failure during the handshake: see `error`
  };
  struct result {
    status st = status::ok;
    std::size_t bytes = 0;
    int sys_errno = 0;
    std::string error;  // for failed: what to log, e.g. "TLS handshake failed: ..."
  };

  /// A server-side session on `fd` (not owned), before its handshake. Null
  /// when OpenSSL cannot make one (out of memory).
  static std::unique_ptr<stream> accept(server_context& ctx, int fd);
  ~stream();
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  /// SSL_read: runs the handshake first while it is not done.
  result read(std::uint8_t* data, std::size_t size);
  /// SSL_write of a copy of the first bytes of `iov` (one TLS record at
  /// most). After want_read / want_write, call again with the same bytes at
  /// the front (more may follow them).
  result write(const iovec* iov, std::size_t count);

  /// Bytes OpenSSL has read from the socket but not handed out yet: the
  /// socket is then not readable although a read would return data.
  bool has_pending() const noexcept;
  bool handshake_done() const noexcept;
  /// The last read stopped because OpenSSL must write first (a handshake
  /// step or a key update), or the last write because it must read first.
  bool read_wants_write() const noexcept { return read_wants_write_; }
  bool write_wants_read() const noexcept { return write_wants_read_; }

  /// Sends close_notify, best effort, when the session is still usable.
  void shutdown() noexcept;

  /// The listener takes the client certificate's CN as the MQTT username.
  bool identity_as_username() const noexcept { return identity_as_username_; }
  /// CN of the verified client certificate; none without one.
  std::optional<std::string> peer_common_name() const;

  /// "address:port" of the client, for logs once the socket has forgotten it.
  const std::string& peer() const noexcept { return peer_; }
  void set_peer(std::string p) { peer_ = std::move(p); }

 private:
  stream(ssl_st* ssl, bool identity_as_username) noexcept
      : ssl_(ssl), identity_as_username_(identity_as_username) {}
  result outcome(int ret, bool reading);

  ssl_st* ssl_;
  std::string peer_;
  bool identity_as_username_;
  bool read_wants_write_ = false;
  bool write_wants_read_ = false;
  bool failed_ = false;  // a fatal error: no close_notify then
};

}  // namespace pummelo::broker::tls
