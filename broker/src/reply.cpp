#include "reply.hpp"

#include <memory>

#include "log.hpp"
#include "message.hpp"
#include "server.hpp"

namespace pummelo::broker {

void send_reply(server& srv, const reply_address& to, std::string json) {
  if (!to.topic) return;
  // Replies never go into the broker's own namespaces ($SYS, $push, ...).
  if (to.topic->empty() || (*to.topic)[0] == '$') {
    log(log_level::info, "not replying on '", *to.topic, "': reply topics may not start with '$'");
    return;
  }
  auto m = std::make_shared<message>();
  m->topic = *to.topic;
  m->payload = std::move(json);
  m->qos = 1;
  m->props.correlation_data = to.correlation_data;
  m->props.content_type = "application/json";
  m->origin_frontend = srv.frontend_index();
  srv.publish(m);
}

}  // namespace pummelo::broker
