// Reading the ACL file (rejecting anything it does not understand, with the
// JSON path of the fault, as config.cpp does) and matching topics against its
// patterns without allocating, since allows() runs on every PUBLISH.
#include "acl.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <unordered_set>

#include "pummelo/channel/detail/levels.hpp"
#include "pummelo/protocol/topic.hpp"
#include "pummelo/protocol/utf8.hpp"

namespace pummelo::broker::auth {
namespace {

using channel::detail::no_level;
using channel::detail::split_level;

class acl_error : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string join_key(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

std::string item_key(const std::string& key, rapidjson::SizeType i) {
  return key + "[" + std::to_string(i) + "]";
}

// Calls f(name, value, key) for every member of the object `v`; f returns
// false for a name it does not know, so that a misspelled key is an error
// rather than a silently missing rule. The same key twice is an error too.
template <class F>
void read_object(const rapidjson::Value& v, const std::string& path, F&& f) {
  if (!v.IsObject())
    throw acl_error("'" + (path.empty() ? std::string("(top level)") : path) +
                    "' must be an object");
  std::unordered_set<std::string_view> seen;
  for (const auto& m : v.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    const std::string key = join_key(path, name);
    if (!seen.insert(name).second) throw acl_error("duplicate key '" + key + "'");
    if (!f(name, m.value, key)) throw acl_error("unknown key '" + key + "'");
  }
}

// True when `topic` is `root` or below it.
bool is_under(std::string_view topic, std::string_view root) noexcept {
  return topic.starts_with(root) && (topic.size() == root.size() || topic[root.size()] == '/');
}

// A username or client id stands in for a pattern level only when it is one
// ordinary, non-empty level: with '/' it would reach into other subtrees, and
// a user named "#" or "+" must not get "push/#" out of "push/%u". nullopt:
// patterns using it match nothing.
std::optional<std::string_view> as_level(std::optional<std::string_view> v) noexcept {
  if (!v || v->empty() || v->find_first_of("/+#") != std::string_view::npos) return std::nullopt;
  return v;
}

}  // namespace

// Has access to acl's private types; everything in it is used by acl.cpp only.
struct acl_impl {
  // What "%u" and "%c" stand for in one call of allows().
  struct substitutions {
    std::optional<std::string_view> username;
    std::optional<std::string_view> client_id;
  };

  // True when every topic that `filter` matches is matched by `p`, i.e. `p`
  // contains `filter`, compared level by level:
  //   - '#' in `p` covers whatever is left of `filter`, including nothing
  //     ("a/#" matches "a");
  //   - '#' in `filter` is covered only by '#' (it matches the parent level
  //     too, which '+' does not), or by "+/#" when the filter is "#";
  //   - '+' in `filter` is covered by '+' (or '#') only;
  //   - a literal in `filter` by '+' or the same literal.
  // A topic name is a filter without wildcards that matches only itself, so
  // the same test decides PUBLISH: `p` covers the name iff it matches it.
  // Several patterns that only together cover a filter do not allow it.
  static bool covers(const acl::pattern& p, std::string_view filter,
                     const substitutions& subs) noexcept {
    // Spec 4.7.2: wildcards at the first level do not match topics starting
    // with '$', so "#" covers neither "$SYS/x" nor "$push/uids".
    const bool first_is_wildcard =
        p.front().kind == acl::level_kind::plus || p.front().kind == acl::level_kind::hash;
    if (filter.starts_with('$') && first_is_wildcard) return false;
    std::size_t pos = 0;  // where the next level of `filter` starts
    for (std::size_t i = 0; i < p.size(); ++i) {
      const acl::level& l = p[i];
      if (l.kind == acl::level_kind::hash) return true;
      if (pos == no_level) return false;  // `filter` ended, `p` needs more
      const auto [got, next] = split_level(filter, pos);
      pos = next;
      if (got == "#") {
        // Only at the first level is '+' followed by '#' enough: a topic has
        // at least one level, so "+/#" matches all that "#" matches.
        return i == 0 && l.kind == acl::level_kind::plus && p.size() == 2 &&
               p[1].kind == acl::level_kind::hash;
      }
      if (l.kind == acl::level_kind::plus) continue;
      if (got == "+") return false;
      if (l.kind == acl::level_kind::literal) {
        if (got != l.text) return false;
        continue;
      }
      const auto& value = l.kind == acl::level_kind::username ? subs.username : subs.client_id;
      if (!value || got != *value) return false;
      // A value starting with '$' as the first level would open reserved
      // topics ($SYS, $push...) to whoever picks that name; like a wildcard
      // there, it matches nothing.
      if (i == 0 && got.starts_with('$')) return false;
    }
    return pos == no_level;  // `filter` has no levels left over
  }

  static bool any_covers(const std::vector<acl::pattern>& patterns, std::string_view filter,
                         const substitutions& subs) noexcept {
    for (const acl::pattern& p : patterns)
      if (covers(p, filter, subs)) return true;
    return false;
  }

  // ---- reading ----

  static acl::pattern read_pattern(const rapidjson::Value& v, const std::string& key) {
    if (!v.IsString()) throw acl_error("'" + key + "' must be a topic filter (a string)");
    const std::string_view text(v.GetString(), v.GetStringLength());
    if (text.size() > max_pattern_length)
      throw acl_error(key + ": a pattern must be at most " + std::to_string(max_pattern_length) +
                      " bytes");
    // %u and %c are ordinary levels to the validator.
    if (protocol::validate_topic_filter(text) != protocol::errc::ok ||
        !protocol::valid_mqtt_utf8(text))
      throw acl_error(key + ": '" + std::string(text) + "' is not a valid topic filter");
    // allows() checks a shared subscription by the filter after its group,
    // so a $share pattern could never apply.
    if (!protocol::split_shared(text).group.empty())
      throw acl_error(key + ": '" + std::string(text) +
                      "': write the filter without '$share/{group}/' (shared subscriptions "
                      "are checked by their filter)");
    acl::pattern p;
    for (std::size_t pos = 0; pos != no_level;) {
      const auto [text_level, next] = split_level(text, pos);
      pos = next;
      // Only a whole level is substituted: "dev-%u" stays literal text, which
      // keeps a pattern's meaning obvious from reading it.
      if (text_level == "+") {
        p.push_back({acl::level_kind::plus, {}});
      } else if (text_level == "#") {
        p.push_back({acl::level_kind::hash, {}});
      } else if (text_level == "%u") {
        p.push_back({acl::level_kind::username, {}});
      } else if (text_level == "%c") {
        p.push_back({acl::level_kind::client_id, {}});
      } else {
        p.push_back({acl::level_kind::literal, std::string(text_level)});
      }
    }
    return p;
  }

  static std::vector<acl::pattern> read_patterns(const rapidjson::Value& v,
                                                 const std::string& key) {
    if (!v.IsArray()) throw acl_error("'" + key + "' must be an array of topic filters");
    if (v.Size() > max_patterns_per_list)
      throw acl_error("'" + key + "' must have at most " + std::to_string(max_patterns_per_list) +
                      " patterns");
    std::vector<acl::pattern> out;
    out.reserve(v.Size());
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      out.push_back(read_pattern(v[i], item_key(key, i)));
    return out;
  }

  // Reads a "subscribe" or "publish" member; false for any other name.
  static bool read_rule(std::string_view name, const rapidjson::Value& v, const std::string& key,
                        acl::rule_set& out) {
    if (name == "subscribe") {
      out.subscribe = read_patterns(v, key);
    } else if (name == "publish") {
      out.publish = read_patterns(v, key);
    } else {
      return false;
    }
    return true;
  }

  using role_index = channel::detail::string_map<std::size_t>;

  static void read_role_list(const rapidjson::Value& v, const std::string& key,
                             const role_index& index, acl::grant& g) {
    if (!v.IsArray()) throw acl_error("'" + key + "' must be an array of role names");
    if (v.Size() > max_roles_per_list)
      throw acl_error("'" + key + "' must have at most " + std::to_string(max_roles_per_list) +
                      " roles");
    g.roles.reserve(v.Size());
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string k = item_key(key, i);
      if (!v[i].IsString()) throw acl_error("'" + k + "' must be a role name (a string)");
      const std::string_view name(v[i].GetString(), v[i].GetStringLength());
      const auto found = index.find(name);
      if (found == index.end())
        throw acl_error(k + ": unknown role '" + std::string(name) + "' (not in 'roles')");
      for (std::size_t r : g.roles)
        if (r == found->second)
          throw acl_error(k + ": role '" + std::string(name) + "' is listed twice");
      g.roles.push_back(found->second);
      // The built-in guards of allows() go by these two names.
      if (name == "admin") g.admin = g.may_push = true;
      if (name == "backend") g.may_push = true;
    }
  }

  // An object of "subscribe" and "publish" lists (a role, "anonymous").
  static acl::rule_set read_rule_set(const rapidjson::Value& v, const std::string& key) {
    acl::rule_set rules;
    read_object(v, key, [&](auto name, const auto& x, const auto& k) {
      return read_rule(name, x, k, rules);
    });
    return rules;
  }

  static void read_users(const rapidjson::Value& v, const role_index& index,
                         channel::detail::string_map<acl::grant>& out) {
    if (v.IsObject()) out.reserve(v.MemberCount());
    read_object(v, "users", [&](auto user, const auto& entry, const auto& user_key) {
      // An entry without "roles" has none: default_roles is for users
      // without an entry.
      acl::grant& g = out[std::string(user)];
      read_object(entry, user_key, [&](auto name, const auto& x, const auto& k) {
        if (name != "roles") return read_rule(name, x, k, g.own);
        read_role_list(x, k, index, g);
        return true;
      });
      return true;
    });
  }

  static acl read(const rapidjson::Value& doc) {
    acl a;
    // Users and default_roles name roles, which may come later in the file:
    // they are read once every role is known.
    const rapidjson::Value* users = nullptr;
    const rapidjson::Value* default_roles = nullptr;
    read_object(doc, "", [&](auto name, const auto& v, const auto& key) {
      if (name == "roles") {
        read_object(v, key, [&](auto role, const auto& x, const auto& k) {
          a.roles_.push_back({std::string(role), read_rule_set(x, k)});
          return true;
        });
      } else if (name == "users") {
        users = &v;
      } else if (name == "default_roles") {
        default_roles = &v;
      } else if (name == "anonymous") {
        a.anonymous_.own = read_rule_set(v, key);
      } else {
        return false;
      }
      return true;
    });

    role_index index;
    for (std::size_t i = 0; i < a.roles_.size(); ++i) index.emplace(a.roles_[i].name, i);
    if (default_roles) read_role_list(*default_roles, "default_roles", index, a.default_);
    if (users) read_users(*users, index, a.users_);
    return a;
  }
};

acl_result acl::parse(std::string_view json_text) {
  if (json_text.size() > max_acl_file_size)
    return {std::nullopt,
            "the ACL must be at most " + std::to_string(max_acl_file_size) + " bytes"};
  rapidjson::Document doc;
  // Iterative parsing: a deeply nested document cannot overflow the stack.
  // Patterns are compared with UTF-8 topics, so the encoding is checked.
  constexpr unsigned flags = rapidjson::kParseCommentsFlag | rapidjson::kParseIterativeFlag |
                             rapidjson::kParseValidateEncodingFlag;
  doc.Parse<flags>(json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    std::ostringstream msg;
    msg << "invalid JSON at offset " << doc.GetErrorOffset() << ": "
        << rapidjson::GetParseError_En(doc.GetParseError());
    return {std::nullopt, msg.str()};
  }
  try {
    return {acl_impl::read(doc), {}};
  } catch (const acl_error& e) {
    return {std::nullopt, e.what()};
  }
}

acl_result acl::load(const std::string& path) {
  // The size is checked before the text is read into memory.
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return {std::nullopt, "cannot read ACL file '" + path + "': " + ec.message()};
  if (size > max_acl_file_size)
    return {std::nullopt,
            path + ": the ACL must be at most " + std::to_string(max_acl_file_size) + " bytes"};
  std::string text(static_cast<std::size_t>(size), '\0');
  std::ifstream in(path, std::ios::binary);
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(text.size())))
    return {std::nullopt, "cannot read ACL file '" + path + "'"};
  acl_result r = parse(text);
  if (!r.value) r.error = path + ": " + r.error;
  return r;
}

const acl::grant& acl::grant_of(std::optional<std::string_view> username) const noexcept {
  if (!username) return anonymous_;
  const auto found = users_.find(*username);
  return found == users_.end() ? default_ : found->second;
}

bool acl::allows(action a, const identity& who, std::string_view topic) const noexcept {
  const grant& g = grant_of(who.username);
  // Any member of a shared group receives what the plain filter matches.
  if (a == action::subscribe) topic = protocol::split_shared(topic).filter;
  // The guards: whatever the file says, only admins control the broker and
  // only backends (and admins) push to devices.
  if (is_under(topic, "$CONTROL") && !g.admin) return false;
  if (a == action::publish && is_under(topic, "$push") && !g.may_push) return false;

  const acl_impl::substitutions subs{as_level(who.username), as_level(who.client_id)};
  auto list = [a](const rule_set& r) -> const std::vector<pattern>& {
    return a == action::subscribe ? r.subscribe : r.publish;
  };
  if (acl_impl::any_covers(list(g.own), topic, subs)) return true;
  for (std::size_t r : g.roles)
    if (acl_impl::any_covers(list(roles_[r].rules), topic, subs)) return true;
  return false;
}

std::vector<std::string> acl::roles_of(std::optional<std::string_view> username) const {
  std::vector<std::string> names;
  for (std::size_t r : grant_of(username).roles) names.push_back(roles_[r].name);
  return names;
}

bool acl::has_role(std::optional<std::string_view> username, std::string_view role) const {
  for (std::size_t r : grant_of(username).roles)
    if (roles_[r].name == role) return true;
  return false;
}

}  // namespace pummelo::broker::auth
