// status and top as text.
#include <string>

#include "ctl_format.hpp"
#include "ctl_json.hpp"
#include "ctl_requests.hpp"
#include "ctl_table.hpp"

namespace pummelo::ctl {

namespace {

std::string roles_text(const rapidjson::Value& server) {
  std::string out;
  for (const auto& r : get_array(server, "roles").GetArray())
    if (r.IsString()) out += (out.empty() ? "" : ",") + std::string(r.GetString());
  return out;
}

// "channel-1 up, channel-2 down"; "-" without links.
std::string links_text(const rapidjson::Value& server) {
  std::string out;
  for (const auto& l : get_array(server, "links").GetArray())
    out += (out.empty() ? "" : ", ") + get_string(l, "peer", "?") + " " + get_string(l, "state", "?");
  return or_dash(out);
}

// "0" when nothing was dropped, else the non-zero counters:
// "messages 3, link_calls_failed 1" (any counter the server reports).
std::string drops_text(const rapidjson::Value& server) {
  std::string out;
  for (const auto& m : get_object(server, "drops").GetObject()) {
    if (!m.value.IsUint64() || m.value.GetUint64() == 0) continue;
    out += (out.empty() ? "" : ", ") + std::string(m.name.GetString()) + " " +
           std::to_string(m.value.GetUint64());
  }
  return out.empty() ? "0" : out;
}

std::string unreachable_text(const rapidjson::Value& server) {
  return "unreachable: " + get_string(server, "error", "unknown error");
}

}  // namespace

std::string render_status(const rapidjson::Value& result) {
  table t({{"ID"},
           {"ROLES"},
           {"MQTT"},
           {"UPTIME", align::right},
           {"SESSIONS", align::right},
           {"CHANNELS", align::right},
           {"IN/S", align::right},
           {"OUT/S", align::right},
           {"RSS MIB", align::right},
           {"DROPS"},
           {"LINKS"}});
  for (const auto& s : get_array(result, "servers").GetArray()) {
    std::vector<std::string> row{get_string(s, "id", "?"), or_dash(roles_text(s)),
                                 or_dash(get_string(s, "mqtt"))};
    if (!get_bool(s, "reachable", true)) {
      row.insert(row.end(), {"-", "-", "-", "-", "-", "-", "-", unreachable_text(s)});
    } else {
      row.insert(row.end(), {format_uptime(get_uint(s, "uptime_s")),
                             std::to_string(get_uint(s, "sessions")),
                             std::to_string(get_uint(s, "channels")),
                             format_rate(get_double(s, "messages_in_per_s")),
                             format_rate(get_double(s, "messages_out_per_s")),
                             format_mib(get_uint(s, "memory_rss_bytes")), drops_text(s),
                             links_text(s)});
    }
    t.add_row(std::move(row));
  }
  return t.render();
}

std::string render_top(const rapidjson::Value& result) {
  table t({{"SERVER"},
           {"ROLES"},
           {"IN/S", align::right},
           {"OUT/S", align::right},
           {"SESSIONS", align::right},
           {"CONNECTIONS", align::right}});
  double in = 0, out = 0;
  std::uint64_t sessions = 0, connections = 0;
  std::string notes;
  for (const auto& s : get_array(result, "servers").GetArray()) {
    const std::string id = get_string(s, "id", "?");
    if (!get_bool(s, "reachable", true)) {
      t.add_row({id, or_dash(roles_text(s)), "-", "-", "-", "-"});
      notes += id + ": " + unreachable_text(s) + "\n";
      continue;
    }
    in += get_double(s, "messages_in_per_s");
    out += get_double(s, "messages_out_per_s");
    sessions += get_uint(s, "sessions");
    connections += get_uint(s, "connections");
    t.add_row({id, or_dash(roles_text(s)), format_rate(get_double(s, "messages_in_per_s")),
               format_rate(get_double(s, "messages_out_per_s")),
               std::to_string(get_uint(s, "sessions")), std::to_string(get_uint(s, "connections"))});
  }
  t.add_row({"TOTAL", "", format_rate(in), format_rate(out), std::to_string(sessions),
             std::to_string(connections)});
  return t.render() + notes;
}

}  // namespace pummelo::ctl
