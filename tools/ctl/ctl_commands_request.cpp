// The one-request commands: status, clients *, channels *, push, broadcast.
#include <iostream>

#include "ctl_commands.hpp"
#include "ctl_connection.hpp"
#include "ctl_json.hpp"
#include "ctl_requests.hpp"

namespace pummelo::ctl {

int run_request(const invocation& inv) {
  admin_connection conn(inv.global);
  const rapidjson::Document result = conn.request(request_json(inv));
  std::cout << (inv.global.json ? to_json(result, true) : render_result(inv, result)) << std::flush;
  return 0;
}

}  // namespace pummelo::ctl
