// Answers to requests made over MQTT ($push, $gate): published to the
// request's MQTT 5 response topic with its correlation data, or to the
// "reply_to" topic a 3.1.1 client put in its JSON.
#pragma once

#include <optional>
#include <string>

namespace pummelo::broker {

class server;

struct reply_address {
  std::optional<std::string> topic;
  std::optional<std::string> correlation_data;
};

/// Publishes `json` (QoS 1, content type application/json) to `to`. Does
/// nothing without a topic; never replies into '$' topics (logged).
void send_reply(server& srv, const reply_address& to, std::string json);

/// The admin API's answer: as send_reply, but to a topic under
/// admin::response_prefix too (only there among '$' topics), delivered to
/// this server's own sessions (see reply.cpp).
void send_admin_reply(server& srv, const reply_address& to, std::string json);

}  // namespace pummelo::broker
