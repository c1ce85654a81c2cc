#include "tls/tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>

#include "tls/tls_context.hpp"

namespace pummelo::broker::tls {
namespace {
// Plaintext of one TLS record: each write sends at most one (partial writes).
constexpr std::size_t max_record = 16384;
}  // namespace

std::unique_ptr<stream> stream::accept(server_context& ctx, int fd) {
  ::ERR_clear_error();
  SSL* ssl = ::SSL_new(ctx.native_handle());
  if (ssl == nullptr) {
    ::ERR_clear_error();
    return nullptr;
  }
  if (::SSL_set_fd(ssl, fd) != 1) {
    ::SSL_free(ssl);
    ::ERR_clear_error();
    return nullptr;
  }
  ::SSL_set_accept_state(ssl);
  return std::unique_ptr<stream>(new stream(ssl, ctx.identity_as_username()));
}

stream::~stream() {
  ::SSL_free(ssl_);
}

bool stream::has_pending() const noexcept {
  return ::SSL_has_pending(ssl_) == 1;
}

bool stream::handshake_done() const noexcept {
  return ::SSL_is_init_finished(ssl_) == 1;
}

stream::result stream::read(std::uint8_t* data, std::size_t size) {
  read_wants_write_ = false;
  ::ERR_clear_error();
  errno = 0;  // SSL_ERROR_SYSCALL: errno says what failed
  const int n = ::SSL_read(ssl_, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  if (n > 0) return {status::ok, static_cast<std::size_t>(n), 0, {}};
  return outcome(n, true);
}

stream::result stream::write(const iovec* iov, std::size_t count) {
  write_wants_read_ = false;
  // One buffer per thread: connections of a loop write one at a time.
  thread_local std::array<std::uint8_t, max_record> scratch;
  std::size_t len = 0;
  for (std::size_t i = 0; i < count && len < scratch.size(); ++i) {
    const std::size_t part = std::min(iov[i].iov_len, scratch.size() - len);
    std::memcpy(scratch.data() + len, iov[i].iov_base, part);
    len += part;
  }
  if (len == 0) return {status::ok, 0, 0, {}};
  ::ERR_clear_error();
  errno = 0;
  const int n = ::SSL_write(ssl_, scratch.data(), static_cast<int>(len));
  if (n > 0) return {status::ok, static_cast<std::size_t>(n), 0, {}};
  return outcome(n, false);
}

stream::result stream::outcome(int ret, bool reading) {
  const int saved_errno = errno;
  // A peer that connected and left without a byte (a port probe) is no
  // failed handshake.
  const bool in_handshake = !handshake_done() && ::BIO_number_read(::SSL_get_rbio(ssl_)) > 0;
  result r;
  switch (::SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
      if (!reading) write_wants_read_ = true;
      r.st = status::want_read;
      return r;
    case SSL_ERROR_WANT_WRITE:
      if (reading) read_wants_write_ = true;
      r.st = status::want_write;
      return r;
    case SSL_ERROR_ZERO_RETURN:
      // close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF).
      ::ERR_clear_error();
      if (in_handshake) {
        r.st = status::failed;
        r.error = "TLS handshake failed: connection closed by peer";
        return r;
      }
      r.st = status::closed;
      return r;
    case SSL_ERROR_SYSCALL: {
      failed_ = true;
      std::string reason = take_openssl_error();
      if (reason.empty())
        reason = saved_errno != 0 ? std::strerror(saved_errno) : "connection closed by peer";
      if (in_handshake) {
        r.st = status::failed;
        r.error = "TLS handshake failed: " + reason;
      } else if (saved_errno != 0) {
        r.st = status::socket_error;
        r.sys_errno = saved_errno;
      } else {
        r.st = status::closed;
      }
      return r;
    }
    default: {  // SSL_ERROR_SSL and the rest
      failed_ = true;
      std::string reason = take_openssl_error();
      if (reason.empty()) reason = "unknown OpenSSL error";
      r.st = status::failed;
      r.error = (handshake_done() ? "TLS error: " : "TLS handshake failed: ") + reason;
      return r;
    }
  }
}

void stream::shutdown() noexcept {
  if (failed_ || !handshake_done()) return;
  ::ERR_clear_error();
  ::SSL_shutdown(ssl_);  // sends close_notify; the peer's answer is not awaited
  ::ERR_clear_error();
}

std::optional<std::string> stream::peer_common_name() const {
  X509* cert = ::SSL_get0_peer_certificate(ssl_);
  if (cert == nullptr || ::SSL_get_verify_result(ssl_) != X509_V_OK) return std::nullopt;
  X509_NAME* subject = ::X509_get_subject_name(cert);
  const int at = ::X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) return std::nullopt;
  const ASN1_STRING* data = ::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(subject, at));
  unsigned char* utf8 = nullptr;
  const int len = ::ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return std::nullopt;
  std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  ::OPENSSL_free(utf8);
  // An MQTT user name is UTF-8 without U+0000.
  if (cn.empty() || cn.find('\0') != std::string::npos) return std::nullopt;
  return cn;
}

}  // namespace pummelo::broker::tls
