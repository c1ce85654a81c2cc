// Writing the admin API's JSON answers: {"ok":true,"result":{...}} or
// {"ok":false,"error":"..."}.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <string>
#include <string_view>

namespace pummelo::broker::admin {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void put(json_writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

inline void put(json_writer& w, std::string_view key, std::string_view s) {
  put(w, key);
  put(w, s);
}

/// An answer whose result `write_result(json_writer&)` writes as one value.
template <class F>
std::string ok_answer(F&& write_result) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("ok");
  w.Bool(true);
  w.Key("result");
  write_result(w);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

inline std::string error_answer(std::string_view error) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("ok");
  w.Bool(false);
  put(w, "error", error);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace pummelo::broker::admin
