// Who the client is (CONNECT credentials against the password file) and what
// it may do (the ACL, on every SUBSCRIBE filter, PUBLISH topic and will).
#include <sys/socket.h>

#include <asio/steady_timer.hpp>
#include <memory>

#include "connection.hpp"
#include "event_loop.hpp"
#include "log.hpp"
#include "server.hpp"
#include "session.hpp"
#include "socket_address.hpp"

namespace pummelo::broker {

std::string connection::peer_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd_ < 0 || ::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return address_of(ss);
}

bool connection::authenticate(protocol::connect_packet& p) {
  using rc = protocol::reason_code;
  if (const auto* tls = tls_stream(); tls && tls->identity_as_username()) {
    // The handshake verified the client certificate: it says who this is.
    auto cn = tls->peer_common_name();
    if (!cn) {
      refuse_login(rc::not_authorized, "the client certificate has no usable common name");
      return false;
    }
    p.username = std::move(*cn);
    p.password.reset();
    return true;
  }
  const auto& cfg = server_().cfg();
  const auth::password_file* passwords = loop_->auth().passwords.get();
  if (!p.username) {
    if (cfg.anonymous_allowed()) return true;
    refuse_login(rc::not_authorized, "anonymous access is disabled (allow_anonymous)");
    return false;
  }
  if (!passwords) {
    // No password file: a username is only a name (the uid), unchecked,
    // where anonymous clients are welcome; else nobody can log in.
    if (cfg.anonymous_allowed()) return true;
    refuse_login(rc::not_authorized, "no auth.password_file, and anonymous access is disabled");
    return false;
  }
  switch (passwords->check(*p.username, p.password.value_or(std::string()))) {
    case auth::verdict::ok:
      if (!server_().login_failures().none_tracked()) server_().login_failures().succeeded(peer_address());
      return true;
    case auth::verdict::unknown_user:
      refuse_login(rc::bad_user_name_or_password, "unknown user '" + *p.username + "'");
      return false;
    case auth::verdict::bad_password:
      break;
  }
  refuse_login(rc::bad_user_name_or_password, "wrong password for user '" + *p.username + "'");
  return false;
}

void connection::refuse_login(protocol::reason_code reason, std::string why) {
  loop_->stats().auth_failures.add();
  const auto delay = server_().login_failures().failed(peer_address());
  if (delay.count() == 0) {
    refuse_connect(reason, why);
    return;
  }
  loop_->stats().auth_delayed.add();
  // Repeated failures from this address: it learns the answer only after
  // the delay (the connection sits idle meanwhile: no reads, no deadline).
  reading_ = false;
  update_interest();
  loop_->deadlines().cancel(*this);
  auto timer = std::make_shared<asio::steady_timer>(loop_->context(), delay);
  timer->async_wait([self = shared_from_this(), timer, reason, why = std::move(why),
                     delay](const std::error_code& ec) {
    if (ec || self->state_ != state::awaiting_connect) return;
    self->refuse_connect(reason, why + " (answered after " + std::to_string(delay.count()) +
                                     " ms: repeated failures from this address)");
  });
}

bool connection::permitted(auth::action a, std::string_view topic) {
  if (!session_) return false;
  return permitted(a, topic, auth::identity{session_->username(), session_->client_id()});
}

bool connection::permitted(auth::action a, std::string_view topic, const auth::identity& who) {
  const auth::acl* acl = loop_->auth().access.get();
  if (!acl || acl->allows(a, who, topic)) return true;
  // A client hammering a forbidden topic costs a counter, not a log line
  // (nor the text of one) each time.
  std::uint64_t unlogged = 0;
  if (!loop_->count_denial(unlogged)) return false;
  log(log_level::warning, "denied by the ACL: ",
      a == auth::action::subscribe ? "subscribe to '" : "publish to '", topic, "' by ",
      who.username ? "user '" + std::string(*who.username) + "'" : std::string("an anonymous client"),
      " (client ", who.client_id, ")",
      unlogged > 0 ? " (and " + std::to_string(unlogged) + " more since the last such line)" : "");
  return false;
}

}  // namespace pummelo::broker
