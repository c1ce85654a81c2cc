// Runs pummeloctl (or any program) as a child process and collects its exit
// status, standard output and standard error, for the CLI tests.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace pummelo::test {

struct process_result {
  int status = -1;  // exit status; -1 when killed (timeout) or not started
  std::string out;
  std::string err;
};

/// Runs args[0] with args (stdin /dev/null, `env` added to the environment),
/// killing it after `timeout`.
process_result run_process(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// The pummeloctl binary under test: env PUMMELOCTL_BIN (set by meson).
std::string pummeloctl_bin();

/// Runs pummeloctl with `args`.
process_result run_ctl(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env = {});

/// A fresh temporary directory, removed by the destructor.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace pummelo::test
