// The password file and the ACL a broker runs with, loaded together so that
// a reload (SIGHUP) swaps both or neither. Each loop keeps its own copy of
// the pointers (event_loop::auth()), so checks take no lock.
#pragma once

#include <memory>
#include <string>

#include "acl.hpp"
#include "config.hpp"
#include "password_file.hpp"

namespace pummelo::broker::auth {

struct rules {
  std::shared_ptr<const password_file> passwords;  // null: no password file
  std::shared_ptr<const acl> access;               // null: every topic open to every client
};

struct rules_result {
  std::optional<rules> value;
  std::string error;  // names the file and the fault
};

/// Loads the files `c` names.
rules_result load_rules(const auth_config& c);

}  // namespace pummelo::broker::auth
