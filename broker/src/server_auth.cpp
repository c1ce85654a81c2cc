// Reloading the password file and the ACL on SIGHUP, like Mosquitto: no
// session is dropped; each loop switches to the new rules on its own thread.
#include <asio/post.hpp>

#include "log.hpp"
#include "server.hpp"

namespace pummelo::broker {

bool server::reload_auth() {
  auto loaded = auth::load_rules(config_.auth);
  if (!loaded.value) {
    log(log_level::error, "SIGHUP: keeping the access rules in force: ", loaded.error);
    return false;
  }
  for (auto& l : loops_) {
    event_loop* loop = l.get();
    asio::post(loop->context(), [loop, rules = *loaded.value] { loop->set_auth(rules); });
  }
  log(log_level::info, "SIGHUP: access rules reloaded",
      config_.auth.password_file.empty() ? "" : " (password file " + config_.auth.password_file + ")",
      config_.auth.acl_file.empty() ? "" : " (ACL " + config_.auth.acl_file + ")");
  return true;
}

void server::watch_reload_signal() {
  if (!reload_signals_) reload_signals_ = std::make_unique<asio::signal_set>(loops_[0]->context(), SIGHUP);
  reload_signals_->async_wait([this](const std::error_code& ec, int) {
    if (ec) return;
    reload_auth();
    watch_reload_signal();
  });
}

}  // namespace pummelo::broker
