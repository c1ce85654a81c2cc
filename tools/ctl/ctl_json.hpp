// JSON for pummeloctl: the admin API's answers ({"ok": true, "result": {...}}
// or {"ok": false, "error": "..."}), lenient field access for rendering, and
// JSON output (--json). RapidJSON.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pummelo::ctl {

struct answer {
  bool ok = false;
  std::string error;          // !ok: the server's error text, or why the answer is malformed
  bool malformed = false;     // the payload is not an answer of the admin API
  rapidjson::Document result; // ok: the "result" object
};

/// Reads one answer payload.
answer parse_answer(std::string_view payload);

// Field access that tolerates absent or mistyped members (a newer or older
// server): the fallback is returned instead.
std::string get_string(const rapidjson::Value& obj, const char* key, std::string_view fallback = {});
std::uint64_t get_uint(const rapidjson::Value& obj, const char* key, std::uint64_t fallback = 0);
double get_double(const rapidjson::Value& obj, const char* key, double fallback = 0);
bool get_bool(const rapidjson::Value& obj, const char* key, bool fallback = false);
/// The member if it is an array/object, else an empty one.
const rapidjson::Value& get_array(const rapidjson::Value& obj, const char* key);
const rapidjson::Value& get_object(const rapidjson::Value& obj, const char* key);

/// `v` as indented JSON ending in '\n' (pretty) or on one line.
std::string to_json(const rapidjson::Value& v, bool pretty);

/// A JSON string literal of `s` (quotes included), for building requests.
std::string json_quote(std::string_view s);

}  // namespace pummelo::ctl
