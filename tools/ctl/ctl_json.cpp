#include "ctl_json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pummelo::ctl {

namespace {

const rapidjson::Value& empty_array() {
  static const rapidjson::Value v(rapidjson::kArrayType);
  return v;
}

const rapidjson::Value& empty_object() {
  static const rapidjson::Value v(rapidjson::kObjectType);
  return v;
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

answer parse_answer(std::string_view payload) {
  answer a;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(payload.data(), payload.size());  // no recursion on deep nesting
  auto malformed = [&](std::string why) {
    a.malformed = true;
    a.error = std::move(why);
    return std::move(a);
  };
  if (doc.HasParseError())
    return malformed(std::string("not JSON (") + rapidjson::GetParseError_En(doc.GetParseError()) +
                     " at offset " + std::to_string(doc.GetErrorOffset()) + ")");
  if (!doc.IsObject()) return malformed("not a JSON object");
  const auto* ok = member(doc, "ok");
  if (ok == nullptr || !ok->IsBool()) return malformed("no boolean \"ok\"");
  if (!ok->GetBool()) {
    const auto* err = member(doc, "error");
    a.error = err != nullptr && err->IsString() ? err->GetString() : "request failed (no error text)";
    return a;
  }
  auto* result = member(doc, "result");
  if (result == nullptr || !result->IsObject()) return malformed("no \"result\" object");
  a.ok = true;
  a.result.CopyFrom(*result, a.result.GetAllocator());
  return a;
}

std::string get_string(const rapidjson::Value& obj, const char* key, std::string_view fallback) {
  const auto* v = member(obj, key);
  if (v == nullptr || !v->IsString()) return std::string(fallback);
  return std::string(v->GetString(), v->GetStringLength());
}

std::uint64_t get_uint(const rapidjson::Value& obj, const char* key, std::uint64_t fallback) {
  const auto* v = member(obj, key);
  if (v == nullptr) return fallback;
  if (v->IsUint64()) return v->GetUint64();
  if (v->IsDouble() && v->GetDouble() >= 0) return static_cast<std::uint64_t>(v->GetDouble());
  return fallback;
}

double get_double(const rapidjson::Value& obj, const char* key, double fallback) {
  const auto* v = member(obj, key);
  return v != nullptr && v->IsNumber() ? v->GetDouble() : fallback;
}

bool get_bool(const rapidjson::Value& obj, const char* key, bool fallback) {
  const auto* v = member(obj, key);
  return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

const rapidjson::Value& get_array(const rapidjson::Value& obj, const char* key) {
  const auto* v = member(obj, key);
  return v != nullptr && v->IsArray() ? *v : empty_array();
}

const rapidjson::Value& get_object(const rapidjson::Value& obj, const char* key) {
  const auto* v = member(obj, key);
  return v != nullptr && v->IsObject() ? *v : empty_object();
}

std::string to_json(const rapidjson::Value& v, bool pretty) {
  rapidjson::StringBuffer buf;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    v.Accept(w);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
  }
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string json_quote(std::string_view s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pummelo::ctl
