// The gate (pomelo's gate server): a device asks which frontend to use by
// publishing {"uid": "..."} to $gate/lookup with a response topic (MQTT 5)
// or "reply_to" (3.1.1), and gets back
//   {"ok":true,"frontend":"frontend-2","host":"127.0.0.1","port":1885}
// chosen by consistent hashing of the uid over the live frontends, so adding
// a frontend moves only about 1/n of the uids. Errors are
// {"ok":false,"error":"..."}. Without "uid", the requester's own uid is used.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pummelo/protocol/properties.hpp"

namespace pummelo::broker {

class server;

inline constexpr std::string_view gate_lookup_topic = "$gate/lookup";

bool is_gate_topic(std::string_view topic) noexcept;

/// Answers one $gate/ request. Any loop thread.
void handle_gate_request(server& srv, std::string_view topic, const std::string& payload,
                         const protocol::properties& props, const std::string& requester_uid);

/// The "host:port" a v5 client with `uid` should use instead of this
/// frontend, when cluster.redirect is on and the gate would send it
/// elsewhere.
std::optional<std::string> redirect_for(server& srv, const std::string& uid);

}  // namespace pummelo::broker
