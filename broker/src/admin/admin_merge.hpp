// Merging the servers' parts (admin_gather.hpp) into one answer for
// pummeloctl. Pure: JSON in, JSON text out.
#pragma once

#include <string>
#include <vector>

#include "admin/admin_command.hpp"
#include "admin/admin_gather.hpp"
#include "config.hpp"

namespace pummelo::broker::admin {

/// status: every server's object in target order; one that could not be
/// asked is listed with its roles and addresses from the config,
/// "reachable": false and the error.
std::string merge_status(std::vector<server_part>& parts, const config& cfg);
/// clients.list: sorted by client id, at most c.limit; total summed; the
/// frontends that could not be asked listed under "unreachable".
std::string merge_client_list(std::vector<server_part>& parts, const command& c);
/// clients.show: the first server that has the client, or the error
/// "no such client: ID".
std::string merge_client_show(std::vector<server_part>& parts, const command& c);
/// clients.kick by client id: kicked summed; none is "no such client: ID",
/// or "client ID is not connected" for an offline persistent session.
std::string merge_client_kick(std::vector<server_part>& parts, const command& c);
/// channels.list: names once each (a wildcard channel is on every channel
/// server), sorted, at most c.limit; total summed.
std::string merge_channel_list(std::vector<server_part>& parts, const command& c);
/// channels.show: the first holder that has it, or "no such channel: NAME".
std::string merge_channel_show(std::vector<server_part>& parts, const command& c);

}  // namespace pummelo::broker::admin
