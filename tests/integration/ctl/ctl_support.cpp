#include "ctl_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <sstream>

namespace pummelo::test {

process_result ctl_at(std::uint16_t port, const std::vector<std::string>& args,
                      const env_map& env) {
  std::vector<std::string> full{pummeloctl_bin(), "--port", std::to_string(port), "--timeout",
                                "5"};
  full.insert(full.end(), args.begin(), args.end());
  return run_process(full, env, std::chrono::seconds(30));
}

rapidjson::Document parse_object(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  INFO("JSON text: ", text);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

rapidjson::Document ctl_json_at(std::uint16_t port, const std::vector<std::string>& args,
                                const env_map& env) {
  std::vector<std::string> with_json = args;
  with_json.push_back("--json");
  const process_result r = ctl_at(port, with_json, env);
  INFO("stderr: ", r.err);
  REQUIRE(r.status == 0);
  return parse_object(r.out);
}

void check_failure(const process_result& r, int status, const std::string& message) {
  INFO("stdout: ", r.out);
  CHECK(r.status == status);
  CHECK(r.err == "pummeloctl: " + message + "\n");
}

void check_usage_error(const process_result& r, const std::string& message) {
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  CHECK(r.status == 2);
  CHECK(contains(r.err, "pummeloctl: " + message + "\n"));
  CHECK(contains(r.err, "usage: pummeloctl"));
  CHECK(r.out.empty());
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> table_row(const std::string& table, const std::string& first) {
  std::istringstream lines(table);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::vector<std::string> words;
    std::string w;
    while (in >> w) words.push_back(w);
    if (!words.empty() && words[0] == first) return words;
  }
  return {};
}

std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  std::string line;
  std::size_t n = 0;
  while (std::getline(lines, line))
    if (line.rfind(prefix, 0) == 0) ++n;
  return n;
}

std::string str_of(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject() || !obj.HasMember(key) || !obj[key].IsString()) return "";
  return obj[key].GetString();
}

std::int64_t int_of(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject() || !obj.HasMember(key) || !obj[key].IsInt64()) return -1;
  return obj[key].GetInt64();
}

std::optional<bool> bool_of(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject() || !obj.HasMember(key) || !obj[key].IsBool()) return std::nullopt;
  return obj[key].GetBool();
}

std::vector<std::string> strings_of(const rapidjson::Value& obj, const char* key) {
  std::vector<std::string> out;
  if (!obj.IsObject() || !obj.HasMember(key) || !obj[key].IsArray()) return out;
  for (const auto& v : obj[key].GetArray())
    if (v.IsString()) out.emplace_back(v.GetString());
  return out;
}

const rapidjson::Value& member(const rapidjson::Value& obj, const char* key) {
  static const rapidjson::Value null_value;
  if (!obj.IsObject() || !obj.HasMember(key)) return null_value;
  return obj[key];
}

const rapidjson::Value& array_of(const rapidjson::Value& obj, const char* key) {
  INFO("member ", key);
  REQUIRE(obj.IsObject());
  REQUIRE(obj.HasMember(key));
  REQUIRE(obj[key].IsArray());
  return obj[key];
}

const rapidjson::Value* find_by(const rapidjson::Value& arr, const char* key,
                                const std::string& value) {
  if (!arr.IsArray()) return nullptr;
  for (const auto& v : arr.GetArray())
    if (str_of(v, key) == value) return &v;
  return nullptr;
}

std::vector<std::string> column(const rapidjson::Value& arr, const char* key) {
  std::vector<std::string> out;
  if (!arr.IsArray()) return out;
  for (const auto& v : arr.GetArray()) out.push_back(str_of(v, key));
  return out;
}

}  // namespace pummelo::test
