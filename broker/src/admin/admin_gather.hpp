// Asking several servers of the cluster for their part of an admin answer:
// this server directly (local_answers.hpp), every other one over a
// short-lived RPC link of its own (method::admin). A fresh link per question
// keeps no state between pummeloctl calls and never mixes with the links
// that carry traffic; an admin question is rare next to a handshake.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <rapidjson/document.h>
#include <string>
#include <vector>

#include "admin/admin_command.hpp"

namespace pummelo::broker {
class server;
}

namespace pummelo::broker::admin {

class rate_meter;

/// A server to ask.
struct target {
  std::string id;
  std::string host;
  std::uint16_t rpc_port = 0;  // 0: no RPC listener (only itself can answer)
};

/// One server's part: its {"ok":...} answer, or why it could not be asked.
struct server_part {
  std::string id;
  bool reachable = false;
  std::string error;          // when !reachable, or its answer's error
  rapidjson::Document result;  // its answer's "result" when reachable and ok
  bool ok() const noexcept { return reachable && error.empty(); }
};

/// Asks each target for its part of `c` (`request_json` is the command as
/// received, relayed as is). `done` runs on loop 0 with one part per
/// target, in order. Call on loop 0.
void gather(server& srv, const rate_meter& rates, const command& c, const std::string& request_json,
            std::vector<target> targets, std::function<void(std::vector<server_part>)> done);

/// Has `t` carry out the whole command (method::admin_relay). `done` runs
/// on loop 0 with its answer text, or nullopt, why, and whether `t` may have
/// carried it out all the same (it got the request but did not answer).
using relay_done =
    std::function<void(std::optional<std::string> answer, std::string error, bool maybe_done)>;
void relay(server& srv, const target& t, const std::string& request_json, relay_done done);

/// The whole cluster's servers in config order: frontends, channel servers,
/// gates, each id once (standalone: this server).
std::vector<target> every_server(server& srv);

}  // namespace pummelo::broker::admin
