// Adds, changes and deletes the users of a password file in the format of
// Mosquitto 2.0's mosquitto_passwd (see auth/password_file.hpp), so that one
// file serves both brokers. Its command line follows mosquitto_passwd's; the
// file is always replaced atomically. Shared by pummelo-passwd and
// `pummeloctl passwd`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pummelo::tools {

/// Runs the command on `args` (the arguments after the program name, e.g.
/// {"-b", "FILE", "USER", "PASSWORD"}). `program_name` is shown in the usage
/// text ("pummelo-passwd", "pummeloctl passwd"); its first word prefixes
/// error messages. Returns the exit status: 0 done, 1 the operation failed,
/// 2 usage error (messages on stderr, --help on stdout).
int run_passwd(const std::vector<std::string>& args, std::string_view program_name);

}  // namespace pummelo::tools
