// A TLS listener's server context: its certificate chain and key, the CAs
// that client certificates must chain to, and how peers are verified. Built
// once per listener with Asio's asio::ssl::context; connections then make
// their sessions from it (tls::stream).
#pragma once

#include <asio/ssl/context.hpp>
#include <string>

#include "config.hpp"

namespace pummelo::broker::tls {

class server_context {
 public:
  /// Loads the files `c` names. Throws std::runtime_error naming the key
  /// (`key_prefix` + ".cert_file" ...), the file and OpenSSL's reason.
  server_context(const tls_config& c, const std::string& key_prefix);
  server_context(const server_context&) = delete;
  server_context& operator=(const server_context&) = delete;

  SSL_CTX* native_handle() noexcept { return ctx_.native_handle(); }
  /// The verified client certificate's common name is the MQTT username.
  bool identity_as_username() const noexcept { return identity_as_username_; }

 private:
  asio::ssl::context ctx_;
  bool identity_as_username_;
};

/// Text of OpenSSL's oldest queued error ("" when none), and clears the queue.
std::string take_openssl_error();

}  // namespace pummelo::broker::tls
