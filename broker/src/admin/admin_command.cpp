#include "admin/admin_command.hpp"

#include <array>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pummelo/protocol/topic.hpp"

namespace pummelo::broker::admin {
namespace {

struct command_spec {
  command_kind kind;
  std::string_view name;
  std::array<std::string_view, 5> params;  // besides "command" and "reply_to"
};

constexpr std::array<command_spec, 8> specs{{
    {command_kind::status, "status", {}},
    {command_kind::clients_list, "clients.list", {"uid", "frontend", "limit"}},
    {command_kind::clients_show, "clients.show", {"client_id"}},
    {command_kind::clients_kick, "clients.kick", {"client_id", "uid"}},
    {command_kind::channels_list, "channels.list", {"prefix", "limit"}},
    {command_kind::channels_show, "channels.show", {"name", "limit"}},
    {command_kind::push, "push", {"topic", "payload", "qos", "uids"}},
    {command_kind::broadcast, "broadcast", {"topic", "payload", "qos"}},
}};

using value = rapidjson::Value;

class reader {
 public:
  explicit reader(const value& obj) : obj_(obj) {}

  // Each returns an error text, empty when fine; absent optional members are fine.
  std::string text(std::string_view key, std::string& out, bool required) const {
    auto it = obj_.FindMember(rapidjson::StringRef(key.data(), key.size()));
    if (it == obj_.MemberEnd()) return required ? "missing parameter: " + std::string(key) : "";
    if (!it->value.IsString())
      return "bad parameter: " + std::string(key) + " (must be a string)";
    out.assign(it->value.GetString(), it->value.GetStringLength());
    if (required && out.empty()) return "bad parameter: " + std::string(key) + " (empty)";
    return {};
  }

  std::string number(std::string_view key, std::size_t lo, std::size_t hi, std::size_t& out) const {
    auto it = obj_.FindMember(rapidjson::StringRef(key.data(), key.size()));
    if (it == obj_.MemberEnd()) return {};
    if (!it->value.IsUint64() || it->value.GetUint64() < lo || it->value.GetUint64() > hi)
      return "bad parameter: " + std::string(key) + " (must be an integer from " +
             std::to_string(lo) + " to " + std::to_string(hi) + ")";
    out = static_cast<std::size_t>(it->value.GetUint64());
    return {};
  }

  std::string strings(std::string_view key, std::size_t max, std::optional<std::vector<std::string>>& out) const {
    auto it = obj_.FindMember(rapidjson::StringRef(key.data(), key.size()));
    if (it == obj_.MemberEnd()) return {};
    const auto bad = "bad parameter: " + std::string(key);
    if (!it->value.IsArray()) return bad + " (must be an array of strings)";
    if (it->value.Size() == 0) return bad + " (empty)";
    if (it->value.Size() > max) return bad + " (more than " + std::to_string(max) + ")";
    out.emplace();
    for (const auto& v : it->value.GetArray()) {
      if (!v.IsString() || v.GetStringLength() == 0) return bad + " (must be non-empty strings)";
      out->emplace_back(v.GetString(), v.GetStringLength());
    }
    return {};
  }

 private:
  const value& obj_;
};

std::string check_topic(const std::string& topic, const parse_limits& lim) {
  if (protocol::validate_topic_name(topic, lim.topic_limits) != protocol::errc::ok) return "bad parameter: topic (not a valid topic name)";
  if (topic[0] == '$') return "bad parameter: topic (may not start with '$')";
  return {};
}

// Fills `c` from `obj` for its kind; returns the first error.
std::string read_params(const reader& r, const parse_limits& lim, command& c) {
  std::string e;
  switch (c.kind) {
    case command_kind::status: return {};
    case command_kind::clients_list:
      if (!(e = r.text("uid", c.uid, false)).empty()) return e;
      if (!(e = r.text("frontend", c.frontend, false)).empty()) return e;
      return r.number("limit", 1, max_list_limit, c.limit);
    case command_kind::clients_show: return r.text("client_id", c.client_id, true);
    case command_kind::clients_kick:
      if (!(e = r.text("client_id", c.client_id, false)).empty()) return e;
      if (!(e = r.text("uid", c.uid, false)).empty()) return e;
      if (c.client_id.empty() == c.uid.empty())
        return "bad parameter: give exactly one of client_id and uid";
      return {};
    case command_kind::channels_list:
      if (!(e = r.text("prefix", c.prefix, false)).empty()) return e;
      return r.number("limit", 1, max_list_limit, c.limit);
    case command_kind::channels_show:
      if (!(e = r.text("name", c.name, true)).empty()) return e;
      return r.number("limit", 1, max_list_limit, c.limit);
    case command_kind::push:
    case command_kind::broadcast: {
      if (!(e = r.text("topic", c.topic, true)).empty()) return e;
      if (!(e = check_topic(c.topic, lim)).empty()) return e;
      if (!(e = r.text("payload", c.payload, false)).empty()) return e;
      if (c.payload.size() > lim.max_payload)
        return "bad parameter: payload (more than " + std::to_string(lim.max_payload) + " bytes)";
      std::size_t qos = 0;
      if (!(e = r.number("qos", 0, 1, qos)).empty()) return e;
      c.qos = static_cast<std::uint8_t>(qos);
      if (c.kind == command_kind::push) return r.strings("uids", lim.max_uids, c.uids);
      return {};
    }
  }
  return {};
}

}  // namespace

std::string_view command_name(command_kind k) noexcept {
  for (const auto& s : specs)
    if (s.kind == k) return s.name;
  return "?";
}

parse_result parse_command(std::string_view json, const parse_limits& lim) {
  parse_result out;
  rapidjson::Document doc;
  // Iterative: no recursion on deep nesting; validated: the texts we echo
  // back (an unknown command's name) stay valid UTF-8.
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(),
                                                                                   json.size());
  if (doc.HasParseError()) {
    out.error = std::string("request is not JSON: ") + rapidjson::GetParseError_En(doc.GetParseError());
    return out;
  }
  if (!doc.IsObject()) {
    out.error = "request is not a JSON object";
    return out;
  }
  reader r(doc);
  std::string reply_to;
  if (r.text("reply_to", reply_to, false).empty() && !reply_to.empty() &&
      protocol::validate_topic_name(reply_to, lim.topic_limits) == protocol::errc::ok)
    out.reply_to = reply_to;
  std::string name;
  if (auto e = r.text("command", name, true); !e.empty()) {
    out.error = e;
    return out;
  }
  const command_spec* spec = nullptr;
  for (const auto& s : specs)
    if (s.name == name) spec = &s;
  if (!spec) {
    out.error = "unknown command: " + name;
    return out;
  }
  for (const auto& m : doc.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "command" || key == "reply_to") continue;
    bool known = false;
    for (auto p : spec->params) known = known || (!p.empty() && p == key);
    if (!known) {
      out.error = "unknown parameter for " + name + ": " + std::string(key);
      return out;
    }
  }
  command c;
  c.kind = spec->kind;
  c.reply_to = out.reply_to;
  if (auto e = read_params(r, lim, c); !e.empty()) {
    out.error = e;
    return out;
  }
  out.cmd = std::move(c);
  return out;
}

}  // namespace pummelo::broker::admin
