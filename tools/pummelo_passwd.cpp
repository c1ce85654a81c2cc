// pummelo-passwd: manages Mosquitto-compatible password files (the same
// command as `pummeloctl passwd`; see passwd_command.hpp).
#include <string>
#include <vector>

#include "passwd_command.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return pummelo::tools::run_passwd(args, "pummelo-passwd");
}
