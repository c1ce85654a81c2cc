#include "tls_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pummelo::test::raw {

namespace {

using clock = std::chrono::steady_clock;

std::string take_openssl_error() {
  const unsigned long e = ::ERR_get_error();
  ::ERR_clear_error();
  if (e == 0) return {};
  const char* reason = ::ERR_reason_error_string(e);
  return reason ? reason : "OpenSSL error " + std::to_string(e);
}

}  // namespace

tls_client::tls_client(std::uint16_t port, const tls_client_options& o) {
  // OpenSSL writes with write(2): a broker that hung up must not kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  auto fail = [this](const std::string& what) {
    const std::string reason = take_openssl_error();
    if (ssl_) ::SSL_free(ssl_);
    if (ctx_) ::SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error(what + (reason.empty() ? "" : ": " + reason));
  };
  fd_ = connect_loopback(port, o.rcvbuf_bytes);
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);

  ctx_ = ::SSL_CTX_new(::TLS_client_method());
  if (!ctx_) fail("SSL_CTX_new");
  ::SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  if (::SSL_CTX_load_verify_locations(ctx_, o.ca_file.c_str(), nullptr) != 1)
    fail("cannot load CA file " + o.ca_file);
  if (!o.cert_file.empty()) {
    if (::SSL_CTX_use_certificate_chain_file(ctx_, o.cert_file.c_str()) != 1)
      fail("cannot load " + o.cert_file);
    if (::SSL_CTX_use_PrivateKey_file(ctx_, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      fail("cannot load " + o.key_file);
  }
  ssl_ = ::SSL_new(ctx_);
  if (!ssl_ || ::SSL_set_fd(ssl_, fd_) != 1) fail("SSL_new");
  // The broker's certificate must name the address we connected to.
  if (::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl_), "127.0.0.1") != 1)
    fail("X509_VERIFY_PARAM_set1_ip_asc");
  ::SSL_set_connect_state(ssl_);
}

tls_client::~tls_client() {
  ::SSL_free(ssl_);
  ::SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool tls_client::wait_io(int ssl_error, clock::time_point deadline) {
  pollfd p{fd_, static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
  for (;;) {
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

std::string tls_client::handshake(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    ::ERR_clear_error();
    const int r = ::SSL_connect(ssl_);
    if (r == 1) return {};
    const int e = ::SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (!wait_io(e, deadline)) return "handshake timed out";
      continue;
    }
    closed_ = true;
    std::string reason = take_openssl_error();
    if (reason.empty()) reason = e == SSL_ERROR_SYSCALL ? "connection closed" : "handshake failed";
    close_reason_ = reason;
    return reason;
  }
}

void tls_client::start_handshake() {
  ::ERR_clear_error();
  ::SSL_connect(ssl_);  // sends the ClientHello, then wants the broker's answer
  ::ERR_clear_error();
}

bool tls_client::send(const bytes& data, milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  std::size_t done = 0;
  while (done < data.size() && !closed_) {
    ::ERR_clear_error();
    const int n = ::SSL_write(ssl_, data.data() + done, static_cast<int>(data.size() - done));
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    const int e = ::SSL_get_error(ssl_, n);
    if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && wait_io(e, deadline)) continue;
    ::ERR_clear_error();
    return false;
  }
  return done == data.size();
}

packet tls_client::read_packet(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  packet out;
  for (;;) {
    if (const std::size_t used = take_frame(buffer_.data(), buffer_.size(), out); used > 0) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(used));
      return out;
    }
    if (closed_) {
      out.status = read_status::closed;
      return out;
    }
    std::uint8_t chunk[65536];
    ::ERR_clear_error();
    const int n = ::SSL_read(ssl_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.insert(buffer_.end(), chunk, chunk + n);
      continue;
    }
    const int e = ::SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (!wait_io(e, deadline)) {
        out.status = read_status::timeout;
        return out;
      }
      continue;
    }
    closed_ = true;  // close_notify, EOF, reset or an alert: the broker is gone
    close_reason_ = e == SSL_ERROR_ZERO_RETURN ? "close_notify" : take_openssl_error();
    if (close_reason_.empty()) close_reason_ = "connection closed";
  }
}

bool tls_client::wait_closed(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    const packet p = read_packet(milliseconds{remaining_ms(deadline)});
    if (p.status == read_status::closed) return true;
    if (p.status == read_status::timeout) return false;
  }
}

bool tls_client::wait_tcp_closed(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    std::uint8_t chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
}

}  // namespace pummelo::test::raw
