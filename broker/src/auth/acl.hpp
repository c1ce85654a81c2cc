// Access rules: which topic filters a client may subscribe to and which
// topics it may publish to, by its username's roles (conf/secure/acl.json is
// a sample). Pure logic: the broker asks allows() on every SUBSCRIBE filter
// and PUBLISH topic, and swaps in a freshly loaded acl on SIGHUP.
//
// Patterns are MQTT topic filters in which a level that is exactly "%u" stands
// for the username and one that is exactly "%c" for the client id. On top of
// the file's rules, two guards always hold: publishing to "$push[/...]" needs
// the role "backend" or "admin" (it pushes to devices), and anything on
// "$CONTROL[/...]" needs the role "admin".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pummelo/channel/detail/string_hash.hpp"

namespace pummelo::broker::auth {

enum class action : std::uint8_t { subscribe, publish };

/// Who is asking. An anonymous client has no username (which is not the
/// same as an empty one).
struct identity {
  std::optional<std::string_view> username;
  std::string_view client_id;
};

/// Limits on the ACL file, checked before anything is allocated for it.
inline constexpr std::size_t max_acl_file_size = 16u << 20;
inline constexpr std::size_t max_patterns_per_list = 1024;
inline constexpr std::size_t max_pattern_length = 1024;  // bytes
inline constexpr std::size_t max_roles_per_list = 64;    // a user's roles, default_roles

struct acl_result;

/// A default-constructed acl allows nothing.
class acl {
 public:
  /// Reads ACL JSON text. The error names the JSON path of the fault.
  static acl_result parse(std::string_view json_text);
  /// Reads an ACL file; the error names `path`.
  static acl_result load(const std::string& path);

  /// subscribe: `topic` is a filter (a `$share/{group}/` prefix is ignored);
  ///            allowed when every topic it can match is matched by one
  ///            allowed pattern.
  /// publish:   `topic` is a topic name; allowed when one allowed pattern
  ///            matches it (MQTT matching: wildcards at the first level do not
  ///            match topics starting with '$').
  /// `topic` must be valid, as the codec checks it. Does not allocate.
  bool allows(action a, const identity& who, std::string_view topic) const noexcept;

  /// The roles of a user (default_roles when it has no entry); empty for
  /// anonymous.
  std::vector<std::string> roles_of(std::optional<std::string_view> username) const;
  bool has_role(std::optional<std::string_view> username, std::string_view role) const;

 private:
  // Patterns are split into levels at load time, so matching only compares.
  enum class level_kind : std::uint8_t { literal, plus, hash, username, client_id };
  struct level {
    level_kind kind;
    std::string text;  // literal levels only
  };
  using pattern = std::vector<level>;
  struct rule_set {
    std::vector<pattern> subscribe;
    std::vector<pattern> publish;
  };
  struct named_role {
    std::string name;
    rule_set rules;
  };
  // What one user (or every unlisted user, or every anonymous client) gets.
  struct grant {
    std::vector<std::size_t> roles;  // indexes into roles_
    rule_set own;
    bool may_push = false;  // has "backend" or "admin"
    bool admin = false;
  };
  friend struct acl_impl;  // acl.cpp's reading and matching code

  const grant& grant_of(std::optional<std::string_view> username) const noexcept;

  std::vector<named_role> roles_;
  channel::detail::string_map<grant> users_;
  grant default_;    // authenticated users without an entry
  grant anonymous_;  // no roles, only its own rules
};

struct acl_result {
  std::optional<acl> value;
  std::string error;  // set when value is empty
};

}  // namespace pummelo::broker::auth
