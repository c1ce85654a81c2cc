#include "gate_api.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cluster/services.hpp"
#include "log.hpp"
#include "reply.hpp"
#include "server.hpp"

namespace pummelo::broker {
namespace {

std::string error_json(std::string_view error) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("ok");
  w.Bool(false);
  w.Key("error");
  w.String(error.data(), static_cast<rapidjson::SizeType>(error.size()));
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string answer_json(const cluster_server& f) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("ok");
  w.Bool(true);
  w.Key("frontend");
  w.String(f.id.c_str(), static_cast<rapidjson::SizeType>(f.id.size()));
  w.Key("host");
  w.String(f.host.c_str(), static_cast<rapidjson::SizeType>(f.host.size()));
  w.Key("port");
  w.Uint(f.mqtt_port);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace

bool is_gate_topic(std::string_view topic) noexcept {
  return topic.starts_with("$gate/");
}

void handle_gate_request(server& srv, std::string_view topic, const std::string& payload,
                         const protocol::properties& props, const std::string& requester_uid) {
  reply_address to{props.response_topic, props.correlation_data};
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(payload.c_str(), payload.size());  // no recursion on deep nesting
  bool is_object = !doc.HasParseError() && doc.IsObject();
  if (is_object && !to.topic) {
    auto it = doc.FindMember("reply_to");
    if (it != doc.MemberEnd() && it->value.IsString())
      to.topic = std::string(it->value.GetString(), it->value.GetStringLength());
  }
  auto& cl = srv.cluster();
  if (topic != gate_lookup_topic) {
    send_reply(srv, to, error_json("unknown gate topic; use $gate/lookup"));
    return;
  }
  if (!cl.topo().is_gate()) {
    send_reply(srv, to, error_json("this server is not a gate"));
    return;
  }
  if (!is_object) {
    send_reply(srv, to, error_json("the request must be a JSON object"));
    return;
  }
  std::string uid = requester_uid;
  auto it = doc.FindMember("uid");
  if (it != doc.MemberEnd()) {
    if (!it->value.IsString() || it->value.GetStringLength() == 0) {
      send_reply(srv, to, error_json("'uid' must be a non-empty string"));
      return;
    }
    uid.assign(it->value.GetString(), it->value.GetStringLength());
  }
  if (uid.empty()) {
    send_reply(srv, to, error_json("no 'uid' given and the requester has none"));
    return;
  }
  auto pick = cl.pick_frontend(uid);
  if (!pick) {
    send_reply(srv, to, error_json("no frontend is reachable"));
    return;
  }
  send_reply(srv, to, answer_json(cl.topo().frontends()[*pick]));
}

std::optional<std::string> redirect_for(server& srv, const std::string& uid) {
  const auto& cfg = srv.cfg();
  if (!cfg.cluster || !cfg.cluster->redirect || uid.empty()) return std::nullopt;
  auto& cl = srv.cluster();
  auto self = cl.topo().self_frontend();
  if (!self) return std::nullopt;
  // The gate's own choice: the first live frontend on the uid's ring.
  auto pick = cl.pick_frontend(uid);
  if (!pick || *pick == *self) return std::nullopt;
  const auto& f = cl.topo().frontends()[*pick];
  return f.host + ":" + std::to_string(f.mqtt_port);
}

}  // namespace pummelo::broker
