#include "admin/admin_merge.hpp"

#include <algorithm>
#include <map>
#include <rapidjson/writer.h>

#include "admin/json_text.hpp"

namespace pummelo::broker::admin {
namespace {

using value = rapidjson::Value;

void write_value(json_writer& w, const value& v) { v.Accept(w); }

// The parts that could not be asked, for lists that are then incomplete.
void write_unreachable(json_writer& w, const std::vector<server_part>& parts) {
  w.Key("unreachable");
  w.StartArray();
  for (const auto& p : parts)
    if (!p.ok()) {
      w.StartObject();
      put(w, "id", p.id);
      put(w, "error", p.error);
      w.EndObject();
    }
  w.EndArray();
}

std::string unreachable_suffix(const std::vector<server_part>& parts) {
  std::string ids;
  for (const auto& p : parts)
    if (!p.ok()) ids += (ids.empty() ? "" : ", ") + p.id + ": " + p.error;
  return ids.empty() ? "" : " (not asked: " + ids + ")";
}

std::uint64_t uint_member(const value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsUint64() ? v[key].GetUint64() : 0;
}

std::string text_member(const value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
}

const value* array_member(const value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsArray() ? &v[key] : nullptr;
}

// A server's roles and addresses as the config gives them.
void write_configured(json_writer& w, const config& cfg, const std::string& id) {
  std::vector<std::string_view> roles;
  std::string mqtt, rpc;
  if (cfg.cluster) {
    auto scan = [&](const std::vector<cluster_server>& list, std::string_view role) {
      for (const auto& s : list) {
        if (s.id != id) continue;
        roles.push_back(role);
        if (s.mqtt_port && mqtt.empty()) mqtt = s.host + ":" + std::to_string(s.mqtt_port);
        if (s.rpc_port && rpc.empty()) rpc = s.host + ":" + std::to_string(s.rpc_port);
      }
    };
    scan(cfg.cluster->frontends, "frontend");
    scan(cfg.cluster->channel_servers, "channel");
    scan(cfg.cluster->gates, "gate");
  }
  put(w, "id", id);
  w.Key("roles");
  w.StartArray();
  for (auto r : roles) put(w, r);
  w.EndArray();
  put(w, "mqtt", mqtt);
  put(w, "rpc", rpc);
}

// A lookup that one server answers ({"<key>": {...}}): the first part that
// has it, else `not_found` with the servers that could not be asked.
std::string first_found(const std::vector<server_part>& parts, const char* key,
                        const std::string& not_found) {
  for (const auto& p : parts) {
    if (!p.ok() || !p.result.IsObject() || !p.result.HasMember(key)) continue;
    const auto& found = p.result[key];
    if (!found.IsObject()) continue;
    return ok_answer([&](json_writer& w) {
      w.StartObject();
      w.Key(key);
      write_value(w, found);
      w.EndObject();
    });
  }
  return error_answer(not_found + unreachable_suffix(parts));
}

}  // namespace

std::string merge_status(std::vector<server_part>& parts, const config& cfg) {
  return ok_answer([&](json_writer& w) {
    w.StartObject();
    w.Key("servers");
    w.StartArray();
    for (const auto& p : parts) {
      if (p.ok() && p.result.IsObject()) {
        write_value(w, p.result);
        continue;
      }
      w.StartObject();
      write_configured(w, cfg, p.id);
      w.Key("reachable");
      w.Bool(false);
      put(w, "error", p.error);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

std::string merge_client_list(std::vector<server_part>& parts, const command& c) {
  std::vector<const value*> rows;
  std::uint64_t total = 0;
  for (const auto& p : parts) {
    if (!p.ok()) continue;
    total += uint_member(p.result, "total");
    if (const auto* list = array_member(p.result, "clients"))
      for (const auto& r : list->GetArray()) rows.push_back(&r);
  }
  std::sort(rows.begin(), rows.end(), [](const value* a, const value* b) {
    return text_member(*a, "client_id") < text_member(*b, "client_id");
  });
  if (rows.size() > c.limit) rows.resize(c.limit);
  return ok_answer([&](json_writer& w) {
    w.StartObject();
    w.Key("clients");
    w.StartArray();
    for (const auto* r : rows) write_value(w, *r);
    w.EndArray();
    w.Key("total");
    w.Uint64(total);
    w.Key("truncated");
    w.Bool(total > rows.size());
    write_unreachable(w, parts);
    w.EndObject();
  });
}

std::string merge_client_show(std::vector<server_part>& parts, const command& c) {
  return first_found(parts, "client", "no such client: " + c.client_id);
}

std::string merge_client_kick(std::vector<server_part>& parts, const command& c) {
  std::uint64_t kicked = 0;
  bool offline = false;
  for (const auto& p : parts) {
    if (!p.ok()) continue;
    kicked += uint_member(p.result, "kicked");
    offline = offline || (p.result.HasMember("offline") && p.result["offline"].IsTrue());
  }
  if (kicked == 0 && offline) return error_answer("client " + c.client_id + " is not connected");
  if (kicked == 0) return error_answer("no such client: " + c.client_id + unreachable_suffix(parts));
  return ok_answer([&](json_writer& w) {
    w.StartObject();
    w.Key("kicked");
    w.Uint64(kicked);
    w.EndObject();
  });
}

std::string merge_channel_list(std::vector<server_part>& parts, const command& c) {
  std::map<std::string, const value*> by_name;
  std::uint64_t total = 0;
  for (const auto& p : parts) {
    if (!p.ok()) continue;
    total += uint_member(p.result, "total");
    if (const auto* list = array_member(p.result, "channels"))
      for (const auto& ch : list->GetArray()) by_name.emplace(text_member(ch, "name"), &ch);
  }
  return ok_answer([&](json_writer& w) {
    w.StartObject();
    w.Key("channels");
    w.StartArray();
    std::size_t n = 0;
    for (const auto& [name, ch] : by_name) {
      if (n++ >= c.limit) break;
      write_value(w, *ch);
    }
    w.EndArray();
    w.Key("total");
    w.Uint64(std::max<std::uint64_t>(total, std::min(by_name.size(), c.limit)));
    w.Key("truncated");
    w.Bool(std::max<std::uint64_t>(total, by_name.size()) > c.limit);
    write_unreachable(w, parts);
    w.EndObject();
  });
}

std::string merge_channel_show(std::vector<server_part>& parts, const command& c) {
  return first_found(parts, "channel", "no such channel: " + c.name);
}

}  // namespace pummelo::broker::admin
