// pummeloctl's commands, each returning the exit status. They throw
// ctl_error for an operation failure (main prints it, exit status 1).
#pragma once

#include "ctl_options.hpp"

namespace pummelo::ctl {

/// status, clients *, channels *, push, broadcast: one request, its answer
/// printed as text or (--json) as the result object.
int run_request(const invocation& inv);

/// top: status every second until Ctrl-C or --count refreshes.
int run_top(const invocation& inv);

/// config check: local, no connection.
int run_config_check(const invocation& inv);

}  // namespace pummelo::ctl
