// Requests that backend apps publish to $push/uids, $push/broadcast and
// $push/kick: parsing and validation of the JSON body (pure, no I/O), and the
// JSON reply the broker publishes back to the request's reply_to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pummelo/protocol/limits.hpp"

namespace pummelo::broker {

enum class push_kind : std::uint8_t { uids, broadcast, kick };

/// The kind for a topic "$push/uids" | "$push/broadcast" | "$push/kick"; nullopt for any other.
std::optional<push_kind> push_kind_of(std::string_view topic) noexcept;

/// True for every topic under "$push/" (including unknown ones such as "$push/x").
/// "$push" itself, without the slash, is not under it.
bool is_push_topic(std::string_view topic) noexcept;

struct push_request {
  push_kind kind = push_kind::uids;
  std::vector<std::string> uids;        // uids, kick
  std::string topic;                    // uids, broadcast
  std::string payload;                  // decoded bytes
  std::uint8_t qos = 0;                 // 0 or 1
  bool bound_only = false;              // broadcast
  std::optional<std::string> reply_to;  // 3.1.1 reply topic
};

struct push_parse_result {
  std::optional<push_request> request;  // set on success
  std::string error;                    // human message on failure, names the field
  std::string field;                    // the offending field ("" for JSON syntax errors)
  // Read even when the request fails, if it is valid, so errors can be answered.
  std::optional<std::string> reply_to;
};

struct push_limits {
  std::size_t max_uids = 10000;           // uids per request
  std::size_t max_payload = 1024 * 1024;  // decoded payload bytes
  protocol::limits topic_limits;          // for validating topic and reply_to
};

/// Parses the body of a request of `kind` (see push_kind_of). On success
/// `request` is set and `error`/`field` are empty; on failure `request` is
/// nullopt, `field` names the first offending field ("" when the body is not
/// JSON or not an object) and `error` says what is wrong, naming the field.
/// Rules: unknown or repeated keys fail; uids are non-empty valid UTF-8
/// strings, at most max_uids of them, returned without duplicates in
/// first-seen order; topic is a valid topic name not starting with '$';
/// payload is decoded per encoding ("utf8" default, or "base64") and at most
/// max_payload bytes; qos is 0 (default) or 1; reply_to is a valid topic name.
/// `reply_to` is filled whenever the body is an object with one valid
/// reply_to, whatever else fails. Never throws but std::bad_alloc.
push_parse_result parse_push_request(push_kind kind, std::string_view json, const push_limits& lim);

struct push_outcome {
  bool ok = true;
  std::size_t sessions = 0;  // sessions delivered to (or kicked)
  std::vector<std::string> failed_uids;
  std::string error;  // when !ok
  std::string field;  // when !ok
  std::uint32_t unreachable_frontends = 0;  // broadcast: frontends it could not reach
};

/// {"ok":true,"sessions":N,"failed_uids":[...]} or {"ok":false,"error":"...","field":"..."}; valid
/// JSON, strings escaped. Bytes that are not valid UTF-8 in the strings become U+FFFD, so the reply
/// is always valid UTF-8.
std::string format_push_reply(const push_outcome& o);

/// A successful outcome's members ("sessions", "failed_uids", and
/// "unreachable_frontends" when some were), into an object `w` has open:
/// the $push reply and the admin API's push answer share them.
void write_push_result(rapidjson::Writer<rapidjson::StringBuffer>& w, const push_outcome& o);

}  // namespace pummelo::broker
