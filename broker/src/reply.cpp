#include "reply.hpp"

#include <memory>

#include "admin/admin_api.hpp"
#include "log.hpp"
#include "message.hpp"
#include "server.hpp"

namespace pummelo::broker {

namespace {

void reply(server& srv, const reply_address& to, std::string json, bool admin) {
  if (!to.topic) return;
  // Replies never go into the broker's own namespaces ($SYS, $push, ...),
  // except the admin API's answers to pummeloctl: only admin_service sends
  // those, so nobody else can inject into an admin's answer topic.
  const bool admin_answer = admin && to.topic->starts_with(admin::response_prefix);
  if (to.topic->empty() || ((*to.topic)[0] == '$' && !admin_answer)) {
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
  if (admin_answer) {
    // pummeloctl listens here, on the server it asked: delivered locally, so
    // that the answer does not depend on the channel server owning its topic
    // (the status of a cluster with a channel server down must still come).
    srv.route(m);
    return;
  }
  srv.publish(m);
}

}  // namespace

void send_reply(server& srv, const reply_address& to, std::string json) {
  reply(srv, to, std::move(json), false);
}

void send_admin_reply(server& srv, const reply_address& to, std::string json) {
  reply(srv, to, std::move(json), true);
}

}  // namespace pummelo::broker
