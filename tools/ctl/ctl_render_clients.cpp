// clients list, show and kick as text.
#include <string>
#include <utility>
#include <vector>

#include "ctl_format.hpp"
#include "ctl_json.hpp"
#include "ctl_requests.hpp"
#include "ctl_table.hpp"

namespace pummelo::ctl {

namespace {

std::string protocol_text(const rapidjson::Value& c) {
  const std::string p = get_string(c, "protocol");
  return p.empty() ? "-" : "MQTT " + p;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

// "key:  value" lines with the values aligned.
std::string key_values(const std::vector<std::pair<std::string, std::string>>& lines) {
  std::size_t width = 0;
  for (const auto& [k, v] : lines) width = std::max(width, k.size() + 1);
  std::string out;
  for (const auto& [k, v] : lines) {
    std::string line = k + ":";
    line.resize(width + 2, ' ');
    out += line + printable(v) + "\n";
  }
  return out;
}

}  // namespace

std::string render_clients_list(const rapidjson::Value& result) {
  table t({{"CLIENT ID"},
           {"UID"},
           {"USERNAME"},
           {"FRONTEND"},
           {"ADDRESS"},
           {"PROTOCOL"},
           {"STATE"},
           {"SUBS", align::right}});
  const auto& clients = get_array(result, "clients");
  for (const auto& c : clients.GetArray())
    t.add_row({get_string(c, "client_id"), or_dash(get_string(c, "uid")),
               or_dash(get_string(c, "username")), or_dash(get_string(c, "frontend")),
               or_dash(get_string(c, "address")), protocol_text(c),
               get_bool(c, "connected") ? "online" : "offline",
               std::to_string(get_uint(c, "subscriptions"))});
  const std::uint64_t listed = clients.Size();
  const std::uint64_t total = get_uint(result, "total", listed);
  return t.render() + list_footer(listed, total, get_bool(result, "truncated"), "client", "clients") +
         "\n";
}

std::string render_client(const rapidjson::Value& result) {
  const auto& c = get_object(result, "client");
  std::string out = key_values({
      {"client id", get_string(c, "client_id")},
      {"uid", or_dash(get_string(c, "uid"))},
      {"username", or_dash(get_string(c, "username"))},
      {"frontend", or_dash(get_string(c, "frontend"))},
      {"address", or_dash(get_string(c, "address"))},
      {"protocol", protocol_text(c)},
      {"connected", yes_no(get_bool(c, "connected"))},
      {"keep alive", std::to_string(get_uint(c, "keep_alive_s")) + " s"},
      {"expiry interval", std::to_string(get_uint(c, "expiry_interval_s")) + " s"},
      {"inflight", std::to_string(get_uint(c, "inflight"))},
      {"queued", std::to_string(get_uint(c, "queued"))},
  });
  const auto& subs = get_array(c, "subscriptions");
  out += "subscriptions:    " + std::to_string(subs.Size()) + "\n";
  if (subs.Size() > 0) {
    table t({{"FILTER"}, {"QOS", align::right}});
    for (const auto& s : subs.GetArray())
      t.add_row({get_string(s, "filter"), std::to_string(get_uint(s, "qos"))});
    const std::string rendered = t.render();
    // Indented under "subscriptions:".
    std::size_t start = 0;
    while (start < rendered.size()) {
      const auto end = rendered.find('\n', start);
      out += "  " + rendered.substr(start, end - start + 1);
      start = end + 1;
    }
  }
  return out;
}

std::string render_kick(const rapidjson::Value& result) {
  return "kicked " + plural(get_uint(result, "kicked"), "session", "sessions") + "\n";
}

}  // namespace pummelo::ctl
