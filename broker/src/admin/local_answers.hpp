// This server's own part of an admin answer: its status, its sessions, the
// channels it holds. admin_gather.hpp asks every server concerned (this one
// directly, the others over the RPC link) and merges their parts.
#pragma once

#include <functional>
#include <string>

#include "admin/admin_command.hpp"

namespace pummelo::broker {
class server;
}

namespace pummelo::broker::admin {

class rate_meter;

/// Answers `c` for this server alone, as {"ok":true,"result":{...}} JSON
/// text, or {"ok":false,...} for a command that has no per-server part.
/// `done` runs once, on loop 0. Call on loop 0.
///   status         -> the server's status object
///   clients.list   -> {"clients":[...], "total":N}   (c.uid filters; at most c.limit)
///   clients.show   -> {"client":{...}} or {"client":null}
///   clients.kick   -> {"kicked":N}                   (by client id)
///   channels.list  -> {"channels":[...], "total":N}  (total: see channel_listing)
///   channels.show  -> {"channel":{...}} or {"channel":null}
void answer_locally(server& srv, const rate_meter& rates, const command& c,
                    std::function<void(std::string)> done);

}  // namespace pummelo::broker::admin
