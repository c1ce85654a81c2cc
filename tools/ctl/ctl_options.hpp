// pummeloctl's command line: global options, the command and its options,
// checked against a table of commands (commands() in ctl_options.cpp, which
// also holds every help text). Pure: no I/O, no environment.
//
// Global options may come before or after the command (`pummeloctl --port
// 1884 status` or `pummeloctl status --port 1884`), except with `passwd`,
// whose arguments are passed on untouched: put global options before it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pummelo::ctl {

struct global_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::optional<std::string> user;
  std::optional<std::string> password;  // --password/-P; the caller may fall back to the environment
  bool json = false;
  unsigned timeout_s = 10;
  bool tls = false;  // also set by --cafile and --cert
  std::string cafile;
  std::string cert;
  std::string key;
  bool insecure = false;
};

enum class value_kind {
  flag,      // no value
  text,      // any string
  limit,     // integer 1..100000
  qos,       // 0 or 1
  count,     // integer >= 1
  uid_list,  // comma-separated, no empty item
};

struct option_spec {
  std::string_view name{};     // without dashes: "uid"
  std::string_view metavar{};  // "U"; empty for a flag
  std::string_view help{};
  value_kind kind = value_kind::text;
  bool required = false;
};

struct invocation;

struct command_spec {
  std::string_view name{};      // "clients list"
  std::string_view summary{};   // one line for `pummeloctl --help`
  std::string_view details{};   // further paragraphs of its --help (may be empty)
  std::vector<std::string_view> operands{};  // all required: "CLIENT_ID"
  std::vector<option_spec> options{};
  bool needs_connection = true;
  std::string_view synopsis_options{};  // replaces the generated option part when set
  // Further checks after parsing; returns a usage error message or "".
  std::string (*check)(const invocation&) = nullptr;
};

/// Every command, in the order of `pummeloctl --help`.
const std::vector<command_spec>& commands();

struct invocation {
  const command_spec* command = nullptr;
  global_options global;
  std::map<std::string, std::string, std::less<>> options;  // name without dashes -> value ("" for flags)
  std::vector<std::string> operands;
  std::vector<std::string> passthrough;  // passwd: its arguments as given

  bool has(std::string_view name) const { return options.find(name) != options.end(); }
  /// The value of an option, or `fallback` when it was not given.
  std::string value(std::string_view name, std::string_view fallback = {}) const;
};

struct parse_outcome {
  enum class kind { run, help, version, usage_error };
  kind what = kind::usage_error;
  invocation inv;    // for run
  std::string text;  // help: the help text; usage_error: message and short usage
};

/// Parses the arguments after the program name.
parse_outcome parse_command_line(std::span<const std::string> args);

/// "usage: pummeloctl clients kick (--uid U | --client ID) [GLOBAL OPTIONS]"
std::string synopsis(const command_spec& cmd);

/// `pummeloctl --help` and `pummeloctl COMMAND --help`.
std::string global_help();
std::string command_help(const command_spec& cmd);

/// "a,b,c" -> {"a","b","c"} (the caller has already checked with uid_list).
std::vector<std::string> split_list(std::string_view list);

}  // namespace pummelo::ctl
