// pummeloctl: the operator's command line for a pummelo broker or cluster
// (admin API over MQTT 5), plus local config checking and password files.
// Exit status: 0 done, 1 the operation failed, 2 usage error.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "ctl_commands.hpp"
#include "ctl_connection.hpp"
#include "ctl_options.hpp"
#include "passwd_command.hpp"

#ifndef PUMMELO_VERSION
#define PUMMELO_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace pummelo::ctl;
  const std::vector<std::string> args(argv + 1, argv + argc);
  parse_outcome parsed = parse_command_line(args);
  switch (parsed.what) {
    case parse_outcome::kind::help:
      std::cout << parsed.text;
      return 0;
    case parse_outcome::kind::version:
      std::cout << "pummeloctl " << PUMMELO_VERSION << "\n";
      return 0;
    case parse_outcome::kind::usage_error:
      std::cerr << parsed.text;
      return 2;
    case parse_outcome::kind::run:
      break;
  }
  invocation& inv = parsed.inv;
  if (!inv.global.password)
    if (const char* env = std::getenv("PUMMELO_PASSWORD"); env != nullptr) inv.global.password = env;

  try {
    const std::string_view name = inv.command->name;
    if (name == "passwd") return pummelo::tools::run_passwd(inv.passthrough, "pummeloctl passwd");
    if (name == "config check") return run_config_check(inv);
    if (name == "top") return run_top(inv);
    return run_request(inv);
  } catch (const ctl_error& e) {
    std::cerr << "pummeloctl: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "pummeloctl: " << e.what() << "\n";
  }
  return 1;
}
