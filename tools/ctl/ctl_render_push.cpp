// push and broadcast results as text.
#include <string>

#include "ctl_format.hpp"
#include "ctl_json.hpp"
#include "ctl_requests.hpp"

namespace pummelo::ctl {

namespace {

// A push that missed whole frontends must not read as complete.
std::string unreachable_line(const rapidjson::Value& result) {
  const auto n = get_uint(result, "unreachable_frontends");
  if (n == 0) return {};
  return "not delivered on " + plural(n, "unreachable frontend", "unreachable frontends") + "\n";
}

}  // namespace

std::string render_push(const rapidjson::Value& result, std::string_view topic) {
  if (result.IsObject() && result.HasMember("published"))
    return "published on " + printable(topic) + "\n";
  std::string out =
      "pushed to " + plural(get_uint(result, "sessions"), "session", "sessions") + "\n";
  std::string failed;
  for (const auto& u : get_array(result, "failed_uids").GetArray())
    if (u.IsString()) failed += (failed.empty() ? "" : ", ") + printable(u.GetString());
  if (!failed.empty()) out += "failed uids: " + failed + "\n";
  return out + unreachable_line(result);
}

std::string render_broadcast(const rapidjson::Value& result) {
  return "delivered to " + plural(get_uint(result, "sessions"), "session", "sessions") + "\n" +
         unreachable_line(result);
}

}  // namespace pummelo::ctl
