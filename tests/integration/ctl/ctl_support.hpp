// Helpers for the pummeloctl integration cases: run the real CLI against a
// real server's MQTT port, parse its --json output, pick rows out of its
// tables and check its error messages.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctl_process.hpp"

namespace pummelo::test {

using env_map = std::map<std::string, std::string>;

// Runs `pummeloctl --port PORT --timeout 5 ARGS...` (host 127.0.0.1, the
// default); the child is killed after 30 s.
process_result ctl_at(std::uint16_t port, const std::vector<std::string>& args,
                      const env_map& env = {});

// The same with --json appended; REQUIREs exit status 0 and a JSON object
// on stdout, and returns it.
rapidjson::Document ctl_json_at(std::uint16_t port, const std::vector<std::string>& args,
                                const env_map& env = {});

// Parses a JSON object; REQUIREs that it is one.
rapidjson::Document parse_object(const std::string& text);

// Checks a failed run: `status` and stderr exactly "pummeloctl: MESSAGE\n".
void check_failure(const process_result& r, int status, const std::string& message);

// Checks a usage error: exit status 2, stderr naming `message` and a usage line.
void check_usage_error(const process_result& r, const std::string& message);

bool contains(const std::string& text, const std::string& part);

// The whitespace-separated words of the first line of `table` whose first
// word is `first`; empty when there is none.
std::vector<std::string> table_row(const std::string& table, const std::string& first);

// Number of lines of `text` that start with `prefix`.
std::size_t count_lines_starting(const std::string& text, const std::string& prefix);

// Members of a JSON object, with a neutral value when absent or mistyped.
std::string str_of(const rapidjson::Value& obj, const char* key);                 // ""
std::int64_t int_of(const rapidjson::Value& obj, const char* key);                // -1
std::optional<bool> bool_of(const rapidjson::Value& obj, const char* key);        // nullopt
std::vector<std::string> strings_of(const rapidjson::Value& obj, const char* key);  // {}

// The member `key` of `obj`, or a null value when `obj` is not an object or
// lacks it (rapidjson's operator[] asserts on a missing member).
const rapidjson::Value& member(const rapidjson::Value& obj, const char* key);

// The array member `key` of `obj`; REQUIREs that it is an array.
const rapidjson::Value& array_of(const rapidjson::Value& obj, const char* key);

// The element of array `arr` whose string member `key` equals `value`, or nullptr.
const rapidjson::Value* find_by(const rapidjson::Value& arr, const char* key,
                                const std::string& value);

// The string member `key` of every element of array `arr`, in order.
std::vector<std::string> column(const rapidjson::Value& arr, const char* key);

}  // namespace pummelo::test
