// The admin API requests of pummeloctl's commands (see
// /work/notes/admin-protocol.md's command list) and the text shown for their
// results. Pure: JSON in, text out.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "ctl_options.hpp"

namespace pummelo::ctl {

/// The request payload: {"command": "clients.list", "uid": "alice", "limit": 5}.
std::string request_json(const invocation& inv);

/// The admin API's name of the command `inv` runs ("clients.list").
std::string_view api_command(const invocation& inv);

/// The result of `inv`'s request as text for a person (tables and lines).
std::string render_result(const invocation& inv, const rapidjson::Value& result);

// One per command, for tests and top.
std::string render_status(const rapidjson::Value& result);
std::string render_top(const rapidjson::Value& result);
std::string render_clients_list(const rapidjson::Value& result);
std::string render_client(const rapidjson::Value& result);
std::string render_kick(const rapidjson::Value& result);
std::string render_channels_list(const rapidjson::Value& result);
std::string render_channel(const rapidjson::Value& result);
std::string render_push(const rapidjson::Value& result, std::string_view topic);
std::string render_broadcast(const rapidjson::Value& result);

/// "-" for an empty value, else the value: empty table cells are ambiguous.
std::string or_dash(std::string value);

}  // namespace pummelo::ctl
