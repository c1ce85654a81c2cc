#include "rules.hpp"

namespace pummelo::broker::auth {

rules_result load_rules(const auth_config& c) {
  rules r;
  if (!c.password_file.empty()) {
    auto p = password_file::load(c.password_file);
    if (!p.value) return {std::nullopt, "auth.password_file: " + p.error};
    r.passwords = std::make_shared<const password_file>(std::move(*p.value));
  }
  if (!c.acl_file.empty()) {
    auto a = acl::load(c.acl_file);
    if (!a.value) return {std::nullopt, "auth.acl_file: " + a.error};
    r.access = std::make_shared<const acl>(std::move(*a.value));
  }
  return {std::move(r), {}};
}

}  // namespace pummelo::broker::auth
