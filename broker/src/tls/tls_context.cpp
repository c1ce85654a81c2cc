#include "tls/tls_context.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace pummelo::broker::tls {
namespace {

asio::ssl::context make_context(const std::string& key_prefix) {
  try {
    return asio::ssl::context(asio::ssl::context::tls_server);
  } catch (const std::system_error& e) {
    throw std::runtime_error("'" + key_prefix + "': cannot create a TLS context: " + e.what());
  }
}

// OpenSSL's words for a missing file are vague: say it with errno's first.
void check_readable(const std::string& key, const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("'" + key + "': cannot read '" + path + "': " + std::strerror(errno));
  ::close(fd);
}

void check(const std::error_code& ec, const std::string& key, const std::string& path,
           const char* what) {
  if (!ec) return;
  throw std::runtime_error("'" + key + "': '" + path + "' " + what + ": " + ec.message());
}

}  // namespace

std::string take_openssl_error() {
  const unsigned long e = ::ERR_get_error();
  std::string text;
  if (e != 0) {
    const char* reason = ::ERR_reason_error_string(e);
    text = reason ? reason : "OpenSSL error " + std::to_string(e);
  }
  ::ERR_clear_error();
  return text;
}

server_context::server_context(const tls_config& c, const std::string& key_prefix)
    : ctx_(make_context(key_prefix)), identity_as_username_(c.use_identity_as_username) {
  SSL_CTX* ctx = ctx_.native_handle();
  std::error_code ec;
  const std::string cert_key = key_prefix + ".cert_file";
  const std::string key_key = key_prefix + ".key_file";
  const std::string ca_key = key_prefix + ".ca_file";

  check_readable(cert_key, c.cert_file);
  ctx_.use_certificate_chain_file(c.cert_file, ec);
  check(ec, cert_key, c.cert_file, "is not a PEM certificate chain");
  check_readable(key_key, c.key_file);
  ctx_.use_private_key_file(c.key_file, asio::ssl::context::pem, ec);
  check(ec, key_key, c.key_file, "is not a PEM private key for cert_file");
  ::ERR_clear_error();
  if (::SSL_CTX_check_private_key(ctx) != 1)
    throw std::runtime_error("'" + key_key + "': '" + c.key_file +
                             "' does not match cert_file: " + take_openssl_error());
  if (!c.ca_file.empty()) {
    check_readable(ca_key, c.ca_file);
    ctx_.load_verify_file(c.ca_file, ec);
    check(ec, ca_key, c.ca_file, "holds no PEM CA certificate");
    // Tells clients which CAs their certificate should come from.
    ::ERR_clear_error();
    STACK_OF(X509_NAME)* names = ::SSL_load_client_CA_file(c.ca_file.c_str());
    if (names == nullptr)
      throw std::runtime_error("'" + ca_key + "': '" + c.ca_file +
                               "' holds no PEM CA certificate: " + take_openssl_error());
    ::SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  }
  // Like Mosquitto: client certificates are asked for only when required.
  ctx_.set_verify_mode(c.require_client_cert
                           ? asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert
                           : asio::ssl::verify_none,
                       ec);
  check(ec, key_prefix, "(verify mode)", "cannot be set");

  ::SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  std::uint64_t options =
      SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE;
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  // A client that drops the TCP connection without close_notify is closed
  // quietly, like a plain-TCP client that hangs up.
  options |= SSL_OP_IGNORE_UNEXPECTED_EOF;
#endif
  ::SSL_CTX_set_options(ctx, options);
  // Writes are copies of the write queue's bytes (tls::stream::write): a
  // retried write may come from another buffer, and may be partial. Idle
  // sessions give their record buffers back.
  ::SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
  // Needed for session resumption once peers are verified.
  static constexpr unsigned char session_id_context[] = "pummelo";
  ::SSL_CTX_set_session_id_context(ctx, session_id_context, sizeof session_id_context - 1);
}

}  // namespace pummelo::broker::tls
