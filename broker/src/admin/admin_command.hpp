// The admin API's requests (pummeloctl's wire format, see README "Operating
// pummelo"): a JSON object {"command": NAME, ...parameters}, parsed and
// validated here, pure and without I/O. A bad request is refused with a
// message naming the parameter, before anything is done.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pummelo/protocol/limits.hpp"

namespace pummelo::broker::admin {

enum class command_kind : std::uint8_t {
  status,
  clients_list,
  clients_show,
  clients_kick,
  channels_list,
  channels_show,
  push,
  broadcast,
};

/// Items a list answer holds at most (limit's ceiling), and its default.
inline constexpr std::size_t max_list_limit = 100'000;
inline constexpr std::size_t default_list_limit = 100;

struct command {
  command_kind kind = command_kind::status;
  std::string uid;        // clients.list filter, clients.kick target, "" = none
  std::string client_id;  // clients.show / clients.kick
  std::string frontend;   // clients.list filter
  std::string prefix;     // channels.list
  std::string name;       // channels.show
  std::size_t limit = default_list_limit;
  // push / broadcast
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  std::optional<std::vector<std::string>> uids;  // push: absent = publish on the topic
  // MQTT 3.1.1 clients have no response topic property: they name one here.
  std::optional<std::string> reply_to;
};

struct parse_result {
  std::optional<command> cmd;
  std::string error;                    // when cmd is empty
  std::optional<std::string> reply_to;  // read even when the rest is bad
};

struct parse_limits {
  std::size_t max_uids = 10'000;
  std::size_t max_payload = 1024 * 1024;
  protocol::limits topic_limits;  // for topic and reply_to
};

parse_result parse_command(std::string_view json, const parse_limits& lim);

/// The command's wire name ("clients.list", ...).
std::string_view command_name(command_kind k) noexcept;

}  // namespace pummelo::broker::admin
