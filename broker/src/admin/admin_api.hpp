// The admin API (pummeloctl's server side): JSON requests published to
// $CONTROL/pummelo/v1, answered on the request's response topic (MQTT 5,
// with its correlation data) or its "reply_to" (3.1.1). Who may publish
// there is the ACL's business: with an ACL, only the admin role.
//
// The server the request reaches answers for the whole cluster: it asks
// the servers concerned over the RPC link (admin_gather.hpp) and merges
// their parts (admin_merge.hpp). Pushes and kicks by uid go through the
// channel servers, as the $push API's do.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admin/rate_meter.hpp"
#include "pummelo/protocol/properties.hpp"
#include "reply.hpp"

namespace pummelo::broker {
class server;
}

namespace pummelo::broker::rpc {
class client;
}

namespace pummelo::broker::admin {

inline constexpr std::string_view request_topic = "$CONTROL/pummelo/v1";
/// Answers may go to topics under this prefix (the broker otherwise never
/// publishes into '$' topics): pummeloctl listens on
/// "$CONTROL/pummelo/v1/response/<its client id>".
inline constexpr std::string_view response_prefix = "$CONTROL/pummelo/v1/response/";

inline bool is_admin_request_topic(std::string_view topic) noexcept { return topic == request_topic; }

struct command;

class admin_service {
 public:
  explicit admin_service(server& srv);
  admin_service(const admin_service&) = delete;
  admin_service& operator=(const admin_service&) = delete;

  /// On loop 0, once the loops run: starts the rate meter, and answers
  /// other servers' questions (method::admin).
  void start();
  void stop();

  /// A PUBLISH to request_topic, from any loop thread.
  void handle_request(std::string payload, const protocol::properties& props);

  /// A short-lived link to another server (admin_gather.cpp), stopped by
  /// stop() if still open at shutdown. Loop 0.
  void track(const std::shared_ptr<rpc::client>& link);

 private:
  using answer_fn = std::function<void(std::string)>;
  // Loop 0. The answer text goes to `answer` once.
  void execute(const command& c, const std::string& request_json, answer_fn answer);
  void push(const command& c, answer_fn answer);

  std::size_t max_rpc_answer_bytes() const;  // cluster.rpc frame and queue limits

  server& srv_;
  rate_meter rates_;
  std::vector<std::weak_ptr<rpc::client>> links_;  // loop 0
};

}  // namespace pummelo::broker::admin
