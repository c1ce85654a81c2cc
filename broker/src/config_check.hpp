// Validating a config file without starting anything: `pummelo
// --check-config` and `pummeloctl config check`. Beyond the JSON itself,
// the files it names must load (password file, ACL, TLS certificates), and
// in a cluster config every server must be selectable.
#pragma once

#include <string>

namespace pummelo::broker {

struct config_check_result {
  bool ok = false;
  std::string error;    // when !ok: what is wrong, naming the key or file
  std::string summary;  // when ok: one line on what the file configures
};

/// Checks the config file at `path`. In a cluster config, `server_id` picks
/// the server to check; empty checks each of its servers.
config_check_result check_config_file(const std::string& path, const std::string& server_id = {});

}  // namespace pummelo::broker
