#include "ctl_requests.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstdint>

namespace pummelo::ctl {

namespace {

struct api_entry {
  std::string_view cli;  // command_spec::name
  std::string_view api;  // admin API command
};

constexpr api_entry api_names[] = {
    {"status", "status"},
    {"top", "status"},
    {"clients list", "clients.list"},
    {"clients show", "clients.show"},
    {"clients kick", "clients.kick"},
    {"channels list", "channels.list"},
    {"channels show", "channels.show"},
    {"push", "push"},
    {"broadcast", "broadcast"},
};

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key(writer& w, std::string_view k) { w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }

void string_member(writer& w, std::string_view k, const std::string& v) {
  key(w, k);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

// The option `opt` (already checked to be an integer) as the member `k`, if given.
void integer_member(writer& w, const invocation& inv, std::string_view opt, std::string_view k) {
  if (!inv.has(opt)) return;
  const std::string v = inv.value(opt);
  std::uint64_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  key(w, k);
  w.Uint64(n);
}

void optional_string(writer& w, const invocation& inv, std::string_view opt, std::string_view k) {
  if (inv.has(opt)) string_member(w, k, inv.value(opt));
}

}  // namespace

std::string_view api_command(const invocation& inv) {
  for (const auto& e : api_names)
    if (inv.command != nullptr && e.cli == inv.command->name) return e.api;
  return {};
}

std::string request_json(const invocation& inv) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  const std::string api(api_command(inv));
  string_member(w, "command", api);
  if (api == "clients.list") {
    optional_string(w, inv, "uid", "uid");
    optional_string(w, inv, "frontend", "frontend");
    integer_member(w, inv, "limit", "limit");
  } else if (api == "clients.show") {
    string_member(w, "client_id", inv.operands.at(0));
  } else if (api == "clients.kick") {
    optional_string(w, inv, "client", "client_id");
    optional_string(w, inv, "uid", "uid");
  } else if (api == "channels.list") {
    optional_string(w, inv, "prefix", "prefix");
    integer_member(w, inv, "limit", "limit");
  } else if (api == "channels.show") {
    string_member(w, "name", inv.operands.at(0));
    integer_member(w, inv, "limit", "limit");
  } else if (api == "push" || api == "broadcast") {
    string_member(w, "topic", inv.value("topic"));
    string_member(w, "payload", inv.value("payload"));
    key(w, "qos");
    w.Uint(inv.value("qos", "0") == "1" ? 1 : 0);
    if (inv.has("uids")) {
      key(w, "uids");
      w.StartArray();
      for (const auto& uid : split_list(inv.value("uids")))
        w.String(uid.data(), static_cast<rapidjson::SizeType>(uid.size()));
      w.EndArray();
    }
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string render_result(const invocation& inv, const rapidjson::Value& result) {
  const std::string_view name = inv.command->name;
  if (name == "status") return render_status(result);
  if (name == "top") return render_top(result);
  if (name == "clients list") return render_clients_list(result);
  if (name == "clients show") return render_client(result);
  if (name == "clients kick") return render_kick(result);
  if (name == "channels list") return render_channels_list(result);
  if (name == "channels show") return render_channel(result);
  if (name == "push") return render_push(result, inv.value("topic"));
  if (name == "broadcast") return render_broadcast(result);
  return {};
}

std::string or_dash(std::string value) { return value.empty() ? "-" : value; }

}  // namespace pummelo::ctl
