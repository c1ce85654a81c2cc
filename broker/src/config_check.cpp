#include "config_check.hpp"

#include <exception>
#include <vector>

#include "auth/rules.hpp"
#include "config.hpp"
#include "tls/tls_context.hpp"

namespace pummelo::broker {
namespace {

// The files one server's config names must load, as the server would load them.
std::string check_files(const config& cfg) {
  if (auto rules = auth::load_rules(cfg.auth); !rules.value) return rules.error;
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
    if (!cfg.listeners[i].tls) continue;
    try {
      [[maybe_unused]] const tls::server_context loaded(*cfg.listeners[i].tls,
                                                        "listeners[" + std::to_string(i) + "].tls");
    } catch (const std::exception& e) {
      return e.what();
    }
  }
  return {};
}

std::string address_list(const config& cfg) {
  std::string out;
  for (const auto& l : cfg.listeners) {
    if (!out.empty()) out += ", ";
    out += l.host + ":" + std::to_string(l.port) + (l.tls ? " (TLS)" : "");
  }
  return out;
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

config_check_result check_config_file(const std::string& path, const std::string& server_id) {
  config_check_result r;
  auto loaded = load_config_file(path);
  if (!loaded.value) {
    r.error = loaded.error;
    return r;
  }
  const config& base = *loaded.value;
  std::vector<std::string> ids;
  if (!base.cluster || !server_id.empty()) {
    ids.push_back(server_id);
  } else {
    for (const auto* list : {&base.cluster->frontends, &base.cluster->channel_servers,
                             &base.cluster->gates})
      for (const auto& s : *list) ids.push_back(s.id);
  }
  for (const auto& id : ids) {
    config one = base;
    if (auto e = select_server(one, id); !e.empty()) {
      r.error = e;
      return r;
    }
    if (auto e = check_files(one); !e.empty()) {
      r.error = base.cluster ? "server '" + id + "': " + e : e;
      return r;
    }
  }
  r.ok = true;
  if (base.cluster) {
    const auto& c = *base.cluster;
    r.summary = "cluster of " + plural(c.frontends.size(), "frontend", "frontends") + ", " +
                plural(c.channel_servers.size(), "channel server", "channel servers") + ", " +
                plural(c.gates.size(), "gate", "gates");
    if (!server_id.empty()) r.summary += "; server '" + server_id + "'";
  } else {
    r.summary = "standalone, listening on " + address_list(base);
  }
  return r;
}

}  // namespace pummelo::broker
