// pummeloctl's command line: global options anywhere, each command's
// options and operands, and the usage errors (exit status 2).
#include "ctl_options.hpp"

#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <vector>

using namespace pummelo::ctl;

namespace {

parse_outcome parse(std::initializer_list<const char*> args) {
  std::vector<std::string> v(args.begin(), args.end());
  return parse_command_line(v);
}

// The usage error's first line ("pummeloctl: <message>"); fails the test
// when the outcome is not a usage error.
std::string usage_message(const parse_outcome& p) {
  REQUIRE(p.what == parse_outcome::kind::usage_error);
  return p.text.substr(0, p.text.find('\n'));
}

}  // namespace

TEST_CASE("ctl options: defaults") {
  auto p = parse({"status"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.command->name == "status");
  CHECK(p.inv.global.host == "127.0.0.1");
  CHECK(p.inv.global.port == 1883);
  CHECK(p.inv.global.timeout_s == 10);
  CHECK_FALSE(p.inv.global.json);
  CHECK_FALSE(p.inv.global.tls);
  CHECK_FALSE(p.inv.global.user);
  CHECK_FALSE(p.inv.global.password);
}

TEST_CASE("ctl options: global options before and after the command, --opt=value too") {
  auto p = parse({"--host", "10.0.0.1", "-u", "admin", "status", "--port=1884", "-P", "pw",
                  "--json", "--timeout", "3"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.global.host == "10.0.0.1");
  CHECK(p.inv.global.port == 1884);
  CHECK(p.inv.global.user == "admin");
  CHECK(p.inv.global.password == "pw");
  CHECK(p.inv.global.json);
  CHECK(p.inv.global.timeout_s == 3);
}

TEST_CASE("ctl options: --cafile and --cert imply --tls; --key needs --cert; --insecure needs TLS") {
  auto p = parse({"status", "--cafile", "ca.pem"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.global.tls);
  CHECK(p.inv.global.cafile == "ca.pem");
  p = parse({"status", "--cert", "c.pem", "--key", "k.pem"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.global.tls);
  CHECK(p.inv.global.key == "k.pem");
  p = parse({"--tls", "--insecure", "status"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.global.insecure);
  CHECK(usage_message(parse({"status", "--key", "k.pem"})) == "pummeloctl: --key needs --cert");
  CHECK(usage_message(parse({"status", "--insecure"})) ==
        "pummeloctl: --insecure applies to TLS only (add --tls)");
}

TEST_CASE("ctl options: bad global values") {
  CHECK(usage_message(parse({"status", "--port", "0"})) ==
        "pummeloctl: --port must be an integer from 1 to 65535");
  CHECK(usage_message(parse({"status", "--port", "65536"})) ==
        "pummeloctl: --port must be an integer from 1 to 65535");
  CHECK(usage_message(parse({"status", "--port", "12x"})) ==
        "pummeloctl: --port must be an integer from 1 to 65535");
  CHECK(usage_message(parse({"status", "--timeout", "0"})) ==
        "pummeloctl: --timeout must be a whole number of seconds from 1 to 86400");
  CHECK(usage_message(parse({"status", "--host", ""})) == "pummeloctl: --host must not be empty");
  CHECK(usage_message(parse({"status", "--port"})) == "pummeloctl: option '--port' needs a value");
  CHECK(usage_message(parse({"status", "--json=yes"})) ==
        "pummeloctl: option --json takes no value");
}

TEST_CASE("ctl options: unknown or missing commands and options") {
  CHECK(usage_message(parse({})) == "pummeloctl: missing command");
  CHECK(usage_message(parse({"frobnicate"})) == "pummeloctl: unknown command 'frobnicate'");
  CHECK(usage_message(parse({"clients", "delete"})) == "pummeloctl: unknown command 'clients delete'");
  CHECK(usage_message(parse({"clients"})) ==
        "pummeloctl: clients: missing subcommand (list, show or kick)");
  CHECK(usage_message(parse({"config"})) == "pummeloctl: config: missing subcommand (check)");
  CHECK(usage_message(parse({"status", "--frobnicate"})) ==
        "pummeloctl: unknown option '--frobnicate'");
  CHECK(usage_message(parse({"status", "-x"})) == "pummeloctl: unknown option '-x'");
  // Command options belong after their command.
  CHECK(usage_message(parse({"--uid", "a", "clients", "list"})) ==
        "pummeloctl: unknown option '--uid'");
  // Another command's option.
  CHECK(usage_message(parse({"status", "--uid", "a"})) == "pummeloctl: unknown option '--uid'");
  CHECK(usage_message(parse({"status", "extra"})) == "pummeloctl: unexpected argument 'extra'");
}

TEST_CASE("ctl options: a usage error ends in the command's short usage") {
  auto p = parse({"clients", "kick"});
  REQUIRE(p.what == parse_outcome::kind::usage_error);
  CHECK(p.text ==
        "pummeloctl: give exactly one of --uid and --client\n"
        "usage: pummeloctl clients kick (--uid U | --client ID) [GLOBAL OPTIONS]\n"
        "Try 'pummeloctl clients kick --help' for more.\n");
  p = parse({"bogus"});
  REQUIRE(p.what == parse_outcome::kind::usage_error);
  CHECK(p.text.find("Try 'pummeloctl --help'") != std::string::npos);
}

TEST_CASE("ctl options: clients commands") {
  auto p = parse({"clients", "list", "--uid", "alice", "--frontend", "frontend-1", "--limit", "5"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.command->name == "clients list");
  CHECK(p.inv.value("uid") == "alice");
  CHECK(p.inv.value("frontend") == "frontend-1");
  CHECK(p.inv.value("limit") == "5");
  CHECK(usage_message(parse({"clients", "list", "--limit", "0"})) ==
        "pummeloctl: --limit must be an integer from 1 to 100000");
  CHECK(usage_message(parse({"clients", "list", "--limit", "100001"})) ==
        "pummeloctl: --limit must be an integer from 1 to 100000");

  p = parse({"clients", "show", "phone-1"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.operands == std::vector<std::string>{"phone-1"});
  CHECK(usage_message(parse({"clients", "show"})) == "pummeloctl: missing CLIENT_ID");
  // "--" ends the options: a client id may start with '-'.
  p = parse({"clients", "show", "--", "-odd"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.operands == std::vector<std::string>{"-odd"});

  CHECK(parse({"clients", "kick", "--uid", "alice"}).what == parse_outcome::kind::run);
  CHECK(parse({"clients", "kick", "--client", "phone-1"}).what == parse_outcome::kind::run);
  CHECK(usage_message(parse({"clients", "kick", "--uid", "a", "--client", "b"})) ==
        "pummeloctl: give exactly one of --uid and --client");
  CHECK(usage_message(parse({"clients", "kick"})) ==
        "pummeloctl: give exactly one of --uid and --client");
}

TEST_CASE("ctl options: channels, push, broadcast, top") {
  auto p = parse({"channels", "show", "news", "--limit", "3"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.operands.at(0) == "news");
  CHECK(usage_message(parse({"channels", "show"})) == "pummeloctl: missing NAME");
  p = parse({"channels", "list", "--prefix", "news/"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.value("prefix") == "news/");

  p = parse({"push", "--topic", "t", "--payload", "", "--qos", "1", "--uids", "a,b"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.value("payload", "x").empty());
  CHECK(usage_message(parse({"push", "--payload", "p"})) == "pummeloctl: missing --topic");
  CHECK(usage_message(parse({"push", "--topic", "t"})) == "pummeloctl: missing --payload");
  CHECK(usage_message(parse({"push", "--topic", "t", "--payload", "p", "--qos", "2"})) ==
        "pummeloctl: --qos must be 0 or 1");
  CHECK(usage_message(parse({"push", "--topic", "t", "--payload", "p", "--uids", "a,,b"})) ==
        "pummeloctl: --uids must be a comma-separated list of uids, none empty");
  CHECK(usage_message(parse({"broadcast", "--topic", "t", "--payload", "p", "--uids", "a"})) ==
        "pummeloctl: unknown option '--uids'");

  p = parse({"top", "--count", "2"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.value("count") == "2");
  CHECK(usage_message(parse({"top", "--count", "0"})) == "pummeloctl: --count must be a positive integer");
}

TEST_CASE("ctl options: config check and passwd") {
  auto p = parse({"config", "check", "conf/cluster.json", "--server-id", "gate"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK_FALSE(p.inv.command->needs_connection);
  CHECK(p.inv.operands.at(0) == "conf/cluster.json");
  CHECK(p.inv.value("server-id") == "gate");
  CHECK(usage_message(parse({"config", "check"})) == "pummeloctl: missing FILE");

  // passwd's arguments, options included, are passed on untouched.
  p = parse({"--json", "passwd", "-b", "-c", "file", "user", "--help"});
  REQUIRE(p.what == parse_outcome::kind::run);
  CHECK(p.inv.command->name == "passwd");
  CHECK(p.inv.passthrough == std::vector<std::string>{"-b", "-c", "file", "user", "--help"});
}

TEST_CASE("ctl options: --help and --version") {
  auto p = parse({"--help"});
  REQUIRE(p.what == parse_outcome::kind::help);
  for (const auto& c : commands()) CHECK(p.text.find("  " + std::string(c.name)) != std::string::npos);
  for (const char* o : {"--host", "--port", "--user", "--password", "--json", "--timeout", "--tls",
                        "--cafile", "--cert", "--key", "--insecure", "--version", "PUMMELO_PASSWORD"})
    CHECK(p.text.find(o) != std::string::npos);

  p = parse({"clients", "list", "-h"});
  REQUIRE(p.what == parse_outcome::kind::help);
  CHECK(p.text.rfind("usage: pummeloctl clients list [--uid U] [--frontend ID] [--limit N]", 0) == 0);
  // --help wins over errors elsewhere on the line.
  p = parse({"clients", "kick", "--bogus", "--help"});
  CHECK(p.what == parse_outcome::kind::help);
  // A group's help covers its commands.
  p = parse({"channels", "--help"});
  REQUIRE(p.what == parse_outcome::kind::help);
  CHECK(p.text.find("channels list") != std::string::npos);
  CHECK(p.text.find("channels show") != std::string::npos);
  // Every command has a help of its own.
  for (const auto& c : commands()) CHECK(command_help(c).rfind("usage: pummeloctl " + std::string(c.name), 0) == 0);

  CHECK(parse({"--version"}).what == parse_outcome::kind::version);
}

TEST_CASE("ctl options: synopsis and split_list") {
  CHECK(synopsis(*parse({"push", "--topic", "t", "--payload", "p"}).inv.command) ==
        "usage: pummeloctl push --topic T --payload P [--qos 0|1] [--uids a,b,...] [GLOBAL OPTIONS]\n");
  CHECK(split_list("a") == std::vector<std::string>{"a"});
  CHECK(split_list("a,b,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(split_list("a,") == std::vector<std::string>{"a", ""});
}
