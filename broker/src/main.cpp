// pummelo: the broker process. Parses the command line, loads and validates
// the config, and runs the server until SIGTERM or SIGINT.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "config.hpp"
#include "config_check.hpp"
#include "log.hpp"
#include "server.hpp"
#include "version.hpp"

namespace {

constexpr const char* usage =
    "usage: pummelo [--config FILE] [--server-id ID] [--check-config] [--help] [--version]\n"
    "\n"
    "  --config FILE    JSON configuration (see conf/pummelo.json). Without it,\n"
    "                   pummelo listens on 127.0.0.1:1883 with built-in defaults.\n"
    "  --server-id ID   with a cluster config (conf/cluster.json): which of its\n"
    "                   servers this process is; it runs that server's roles\n"
    "  --check-config   validate the configuration and exit\n"
    "  --help           show this help\n"
    "  --version        print the version\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace pummelo::broker;
  std::string config_path;
  std::string server_id;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << "pummelo " << pummelo_version << "\n";
      return 0;
    }
    if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--config" || arg == "-c") {
      if (i + 1 >= argc) {
        std::cerr << "pummelo: --config needs a file name\n" << usage;
        return 2;
      }
      config_path = argv[++i];
    } else if (arg == "--server-id") {
      if (i + 1 >= argc) {
        std::cerr << "pummelo: --server-id needs an id\n" << usage;
        return 2;
      }
      server_id = argv[++i];
    } else {
      std::cerr << "pummelo: unknown argument '" << arg << "'\n" << usage;
      return 2;
    }
  }
  if (check_only) {
    // In a cluster config without --server-id, every server is checked.
    if (config_path.empty()) {
      config defaults;
      if (auto error = select_server(defaults, server_id); !error.empty()) {
        std::cerr << "pummelo: " << error << "\n";
        return 2;
      }
      std::cout << "configuration OK (built-in defaults)\n";
      return 0;
    }
    auto checked = check_config_file(config_path, server_id);
    if (!checked.ok) {
      std::cerr << "pummelo: " << checked.error << "\n";
      return 2;
    }
    std::cout << "configuration OK: " << checked.summary << "\n";
    return 0;
  }
  config cfg;
  if (!config_path.empty()) {
    auto loaded = load_config_file(config_path);
    if (!loaded.value) {
      std::cerr << "pummelo: " << loaded.error << "\n";
      return 2;
    }
    cfg = std::move(*loaded.value);
  }
  if (auto error = select_server(cfg, server_id); !error.empty()) {
    std::cerr << "pummelo: " << error << "\n";
    return 2;
  }
  set_log_level(cfg.level);
  // Signals are taken by the server's signal_set; block them in every thread
  // so that none is delivered to a loop thread with the default action.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    server s(std::move(cfg));
    s.run();
  } catch (const std::exception& e) {
    log(log_level::error, "fatal: ", e.what());
    return 1;
  }
  return 0;
}
