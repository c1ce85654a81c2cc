#include "push_support.hpp"

#include <rapidjson/document.h>

#include <cstdio>

namespace pummelo::test {

push_reply parse_push_reply(const std::string& payload) {
  push_reply r;
  r.raw = payload;
  rapidjson::Document d;
  d.Parse(payload.data(), payload.size());
  if (d.HasParseError() || !d.IsObject()) return r;
  r.parsed = true;
  if (auto it = d.FindMember("ok"); it != d.MemberEnd() && it->value.IsBool())
    r.ok = it->value.GetBool();
  if (auto it = d.FindMember("sessions"); it != d.MemberEnd() && it->value.IsInt64())
    r.sessions = it->value.GetInt64();
  if (auto it = d.FindMember("failed_uids"); it != d.MemberEnd() && it->value.IsArray()) {
    r.has_failed_uids = true;
    for (const auto& v : it->value.GetArray())
      r.failed_uids.emplace_back(v.IsString() ? v.GetString() : "<not a string>");
  }
  if (auto it = d.FindMember("error"); it != d.MemberEnd() && it->value.IsString())
    r.error = it->value.GetString();
  if (auto it = d.FindMember("field"); it != d.MemberEnd() && it->value.IsString())
    r.field = std::string(it->value.GetString(), it->value.GetStringLength());
  return r;
}

std::string jstr(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string jarr(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + jstr(items[i]);
  return out + "]";
}

namespace {
std::string tail(const std::string& more) { return more.empty() ? "}" : "," + more + "}"; }
}  // namespace

std::string uids_request(const std::vector<std::string>& uids, const std::string& topic,
                         const std::string& payload, const std::string& more) {
  return "{\"uids\":" + jarr(uids) + ",\"topic\":" + jstr(topic) +
         ",\"payload\":" + jstr(payload) + tail(more);
}

std::string broadcast_request(const std::string& topic, const std::string& payload,
                              bool bound_only, const std::string& more) {
  return "{\"topic\":" + jstr(topic) + ",\"payload\":" + jstr(payload) +
         ",\"bound_only\":" + (bound_only ? "true" : "false") + tail(more);
}

std::string kick_request(const std::vector<std::string>& uids, const std::string& more) {
  return "{\"uids\":" + jarr(uids) + tail(more);
}

std::string with_reply_to(const std::string& json, const std::string& topic) {
  const auto brace = json.find('{');
  if (brace == std::string::npos) return json;
  const auto next = json.find_first_not_of(" \t\r\n", brace + 1);
  const bool empty_obj = next != std::string::npos && json[next] == '}';
  return json.substr(0, brace + 1) + "\"reply_to\":" + jstr(topic) + (empty_obj ? "" : ",") +
         json.substr(brace + 1);
}

connect_opts as_user(const std::string& user, connect_opts o) {
  o.username = user;
  return o;
}

push_requester::push_requester(const broker_process& b, int version, connect_opts o)
    : push_requester(b.uri(), version, std::move(o)) {}

push_requester::push_requester(const std::string& uri, int version, connect_opts o)
    : client_(uri, unique_id("push-req"), version), reply_topic_("reply/" + unique_id("push")) {
  client_.connect(o);
  client_.subscribe(reply_topic_, 1);
}

std::optional<push_reply> push_requester::request(const std::string& api, const std::string& json,
                                                  int qos, ms timeout) {
  // A NUL byte checks that Correlation Data is copied as binary.
  correlation_ = std::string("corr-") + '\0' + unique_id("c");
  if (client_.version() >= mqtt_v5) {
    using prop = mqtt::property;
    client_.publish(api, json, qos, false,
                    props_with({prop(prop::RESPONSE_TOPIC, reply_topic_),
                                prop(prop::CORRELATION_DATA, correlation_)}));
  } else {
    client_.publish(api, with_reply_to(json, reply_topic_), qos);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    if (left <= ms(0)) return std::nullopt;
    auto m = client_.wait_message(left);
    if (!m) return std::nullopt;
    if ((*m)->get_topic() != reply_topic_) {
      others_.push_back(*m);
      continue;
    }
    if (client_.version() >= mqtt_v5) {
      // A late reply to an earlier (timed-out) request is skipped.
      auto c = string_prop((*m)->get_properties(), mqtt::property::CORRELATION_DATA);
      if (c && *c != correlation_) continue;
    }
    push_reply r = parse_push_reply((*m)->get_payload_str());
    r.msg = *m;
    return r;
  }
}

std::vector<mqtt::const_message_ptr> push_requester::others() {
  while (auto m = client_.wait_message(0ms)) others_.push_back(*m);
  return others_;
}

std::vector<mqtt::const_message_ptr> on_topic(const std::vector<mqtt::const_message_ptr>& all,
                                              const std::string& topic) {
  std::vector<mqtt::const_message_ptr> out;
  for (const auto& m : all)
    if (m->get_topic() == topic) out.push_back(m);
  return out;
}

std::vector<mqtt::const_message_ptr> drain(mqtt_client& c, ms d) {
  std::vector<mqtt::const_message_ptr> out;
  const auto deadline = std::chrono::steady_clock::now() + d;
  for (;;) {
    const auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    if (left <= ms(0)) break;
    if (auto m = c.wait_message(left)) out.push_back(*m);
  }
  while (auto m = c.wait_message(0ms)) out.push_back(*m);
  return out;
}

}  // namespace pummelo::test
