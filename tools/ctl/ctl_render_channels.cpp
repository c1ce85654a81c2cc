// channels list and show as text.
#include <string>

#include "ctl_format.hpp"
#include "ctl_json.hpp"
#include "ctl_requests.hpp"
#include "ctl_table.hpp"

namespace pummelo::ctl {

std::string render_channels_list(const rapidjson::Value& result) {
  table t({{"NAME"}, {"MEMBERS", align::right}, {"FRONTENDS", align::right}});
  const auto& channels = get_array(result, "channels");
  for (const auto& c : channels.GetArray())
    t.add_row({get_string(c, "name"), std::to_string(get_uint(c, "members")),
               std::to_string(get_uint(c, "frontends"))});
  const std::uint64_t listed = channels.Size();
  const std::uint64_t total = get_uint(result, "total", listed);
  return t.render() + list_footer(listed, total, get_bool(result, "truncated"), "channel", "channels") +
         "\n";
}

std::string render_channel(const rapidjson::Value& result) {
  const auto& c = get_object(result, "channel");
  const auto& frontends = get_array(c, "frontends");
  std::string out = "channel " + printable(get_string(c, "name")) + ": " +
                    plural(get_uint(c, "members"), "member", "members") + " on " +
                    plural(frontends.Size(), "frontend", "frontends") + "\n";
  for (const auto& f : frontends.GetArray()) {
    const auto& uids = get_array(f, "uids");
    const std::uint64_t members = get_uint(f, "members", uids.Size());
    out += "\n" + printable(get_string(f, "frontend", "?")) + ": " +
           plural(members, "member", "members") + "\n";
    for (const auto& u : uids.GetArray())
      if (u.IsString()) out += "  " + printable(u.GetString()) + "\n";
    if (members > uids.Size()) {
      out += "  ... " + std::to_string(members - uids.Size()) + " more (--limit N lists more)\n";
    } else if (get_bool(f, "truncated")) {
      out += "  ... more (--limit N lists more)\n";
    }
  }
  return out;
}

}  // namespace pummelo::ctl
