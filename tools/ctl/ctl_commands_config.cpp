// config check FILE [--server-id ID]: broker::check_config_file, locally.
#include <iostream>

#include "config_check.hpp"
#include "ctl_commands.hpp"
#include "ctl_connection.hpp"

namespace pummelo::ctl {

int run_config_check(const invocation& inv) {
  const std::string& path = inv.operands.at(0);
  const auto r = broker::check_config_file(path, inv.value("server-id"));
  if (!r.ok) {
    // Most errors name the file already ("FILE: unknown key 'x'").
    throw ctl_error(r.error.find(path) == std::string::npos ? path + ": " + r.error : r.error);
  }
  std::cout << path << ": OK (" << r.summary << ")\n" << std::flush;
  return 0;
}

}  // namespace pummelo::ctl
