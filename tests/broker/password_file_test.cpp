// Mosquitto-compatible password files: hashes written by mosquitto_passwd
// 2.0 check out (known answers, and a live run when it is installed), every
// parse error names its line, set/remove/serialize round-trip, and the size
// limits hold exactly at the limit.
#include "auth/password_file.hpp"

#include <doctest/doctest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

using namespace pummelo::broker::auth;

namespace {

// Written by `mosquitto_passwd -b -c FILE alice alice-secret` (2.0.11).
const std::string alice_line =
    "alice:$7$101$WWI+AMUj0izjp1v+$n3FAju2IjPpJdAbBGp7ShqWa0EOSwQZp8durnqv286d4cOwVVtcW7UoKmR5PwH8c5"
    "fkymorBzRIquzEK/v66bQ==";
// Written by `mosquitto_passwd -H sha512 -b -c FILE bob bob-secret` (2.0.11).
const std::string bob_line =
    "bob:$6$XVEQRKIzGqtHEUiO$cWuMKphuauGaISsbxpCs6q1RmHoNZippSQrcLqmNpTAFC2/cNy4yM6sFpdT+lhEoERp3h7"
    "cApizT9cZdYO8W1w==";
// A well-formed 64-byte hash and 12-byte salt, for lines that only need to parse.
const std::string any_salt = "WWI+AMUj0izjp1v+";
const std::string any_hash =
    "n3FAju2IjPpJdAbBGp7ShqWa0EOSwQZp8durnqv286d4cOwVVtcW7UoKmR5PwH8c5fkymorBzRIquzEK/v66bQ==";

password_file parse_ok(const std::string& text) {
  auto r = password_file::parse(text);
  REQUIRE_MESSAGE(r.value, r.error);
  return std::move(*r.value);
}

std::string error_of(const std::string& text) {
  auto r = password_file::parse(text);
  REQUIRE_FALSE(r.value);
  return r.error;
}

// A fresh directory under the system temp dir, removed at scope exit.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pummelo-pw-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("password file: a $7$ line from mosquitto_passwd checks out") {
  auto f = parse_ok(alice_line + "\n");
  CHECK(f.size() == 1);
  CHECK(f.contains("alice"));
  CHECK(f.check("alice", "alice-secret") == verdict::ok);
  CHECK(f.check("alice", "alice-secreT") == verdict::bad_password);
  CHECK(f.check("alice", "alice-secret ") == verdict::bad_password);
  CHECK(f.check("alice", "") == verdict::bad_password);
  CHECK(f.check("Alice", "alice-secret") == verdict::unknown_user);
  CHECK(f.check("mallory", "alice-secret") == verdict::unknown_user);
}

TEST_CASE("password file: a $6$ line from mosquitto_passwd -H sha512 checks out") {
  auto f = parse_ok(bob_line);  // no final newline
  CHECK(f.size() == 1);
  CHECK(f.check("bob", "bob-secret") == verdict::ok);
  CHECK(f.check("bob", "bob-secre") == verdict::bad_password);
  CHECK(f.check("alice", "bob-secret") == verdict::unknown_user);
}

TEST_CASE("password file: comments, blank lines and CRLF line ends are skipped") {
  auto f = parse_ok("# users\n\n" + alice_line + "\r\n   \n\t\r\n#bob:nothing\n" + bob_line + "\n");
  CHECK(f.size() == 2);
  CHECK(f.check("alice", "alice-secret") == verdict::ok);
  CHECK(f.check("bob", "bob-secret") == verdict::ok);
  CHECK_FALSE(f.contains("#bob"));
  CHECK(parse_ok("").size() == 0);
  CHECK(parse_ok("# only a comment").size() == 0);
}

TEST_CASE("password file: an empty file knows no user") {
  password_file f;
  CHECK(f.size() == 0);
  CHECK_FALSE(f.contains("alice"));
  CHECK(f.check("alice", "alice-secret") == verdict::unknown_user);
  CHECK(parse_ok(bob_line).check("nobody", "x") == verdict::unknown_user);  // $6$ decoy path
}

TEST_CASE("password file: every parse error names its line and what is wrong") {
  const std::string h7 = "$7$101$" + any_salt + "$" + any_hash;
  CHECK(error_of(alice_line + "\nbob\n") == "line 2: no ':' between user and hash");
  CHECK(error_of(":" + h7) == "line 1: empty user");
  CHECK(error_of(alice_line + "\n" + alice_line) == "line 2: duplicate user 'alice'");
  CHECK(error_of("# x\n\nu:$5$abc$def\n") == "line 3: unknown hash type '$5$'");
  CHECK(error_of("u:$argon2id$v=19$x") == "line 1: unknown hash type '$argon2id$'");
  CHECK(error_of("u:$7") == "line 1: hash does not start with '$<type>$'");
  CHECK(error_of("u:") == "line 1: hash does not start with '$<type>$'");
  // A plain-text password is never echoed into the error.
  std::string plain = error_of("u:$ecret pass$word");
  CHECK(plain == "line 1: hash does not start with '$<type>$'");
  CHECK(error_of("u:hunter2") == "line 1: hash does not start with '$<type>$'");

  CHECK(error_of("u:$7$101$" + any_salt) ==
        "line 1: a $7$ hash has the form $7$<iterations>$<salt>$<hash>");
  CHECK(error_of("u:" + h7 + "$") == "line 1: a $7$ hash has the form $7$<iterations>$<salt>$<hash>");
  CHECK(error_of("u:$6$" + any_salt) == "line 1: a $6$ hash has the form $6$<salt>$<hash>");
  CHECK(error_of("u:$6$1$" + any_salt + "$" + any_hash) ==
        "line 1: a $6$ hash has the form $6$<salt>$<hash>");

  CHECK(error_of("u:$7$abc$" + any_salt + "$" + any_hash) ==
        "line 1: iterations 'abc' is not a decimal number");
  CHECK(error_of("u:$7$+5$" + any_salt + "$" + any_hash) ==
        "line 1: iterations '+5' is not a decimal number");
  CHECK(error_of("u:$7$$" + any_salt + "$" + any_hash) ==
        "line 1: iterations '' is not a decimal number");
  CHECK(error_of("u:$7$0$" + any_salt + "$" + any_hash) ==
        "line 1: iterations 0 out of range 1..10000000");
  CHECK(error_of("u:$7$10000001$" + any_salt + "$" + any_hash) ==
        "line 1: iterations 10000001 out of range 1..10000000");
  CHECK(error_of("u:$7$99999999999999999999999$" + any_salt + "$" + any_hash) ==
        "line 1: iterations 99999999999999999999999 out of range 1..10000000");
  CHECK(parse_ok("u:$7$1$" + any_salt + "$" + any_hash).size() == 1);
  CHECK(parse_ok("u:$7$10000000$" + any_salt + "$" + any_hash).size() == 1);

  CHECK(error_of("u:$7$101$WWI+AMUj0izjp1v$" + any_hash) == "line 1: salt is not valid base64");
  CHECK(error_of("u:$7$101$" + any_salt + "$" + any_hash.substr(1)) ==
        "line 1: hash is not valid base64");
  CHECK(error_of("u:$6$" + any_salt + "$" + any_hash + " ") == "line 1: hash is not valid base64");
  CHECK(error_of("u:$6$$" + any_hash) == "line 1: empty salt");
  CHECK(error_of("u:$6$" + any_salt + "$" + any_salt) == "line 1: hash is 12 bytes, expected 64");
}

TEST_CASE("password file: set, remove and serialize round-trip") {
  auto f = parse_ok("# comment\n" + alice_line + "\n" + bob_line + "\n");
  CHECK(f.serialize() == alice_line + "\n" + bob_line + "\n");  // hashes kept byte for byte

  f.set("carol", "carol-secret");
  CHECK(f.size() == 3);
  CHECK(f.check("carol", "carol-secret") == verdict::ok);
  std::string text = f.serialize();
  REQUIRE(text.starts_with(alice_line + "\n" + bob_line + "\ncarol:$7$101$"));
  // mosquitto_passwd's shape: 12-byte salt (16 base64 chars), 64-byte hash (88).
  std::string carol = text.substr(text.find("carol:"));
  CHECK(carol.size() == std::string("carol:$7$101$").size() + 16 + 1 + 88 + 1);

  auto again = parse_ok(text);
  CHECK(again.serialize() == text);
  CHECK(again.check("carol", "carol-secret") == verdict::ok);
  CHECK(again.check("carol", "alice-secret") == verdict::bad_password);
  CHECK(again.check("alice", "alice-secret") == verdict::ok);
  CHECK(again.check("bob", "bob-secret") == verdict::ok);

  // Replacing keeps the place in the file; a new salt each time.
  again.set("alice", "new-secret", 1000);
  CHECK(again.size() == 3);
  CHECK(again.check("alice", "new-secret") == verdict::ok);
  CHECK(again.check("alice", "alice-secret") == verdict::bad_password);
  std::string replaced = again.serialize();
  CHECK(replaced.starts_with("alice:$7$1000$"));
  again.set("alice", "new-secret", 1000);
  CHECK(again.serialize() != replaced);

  CHECK(again.remove("bob"));
  CHECK_FALSE(again.remove("bob"));
  CHECK_FALSE(again.contains("bob"));
  CHECK(again.size() == 2);
  CHECK(again.check("bob", "bob-secret") == verdict::unknown_user);
  CHECK(again.check("carol", "carol-secret") == verdict::ok);  // indexes shifted right
  std::string two = again.serialize();
  CHECK(two.starts_with("alice:"));
  CHECK(two.find("\ncarol:") != std::string::npos);
  CHECK(parse_ok(two).size() == 2);

  CHECK(again.remove("alice"));
  CHECK(again.remove("carol"));
  CHECK(again.serialize().empty());
}

TEST_CASE("password file: users that a file cannot hold are refused") {
  CHECK(password_file::user_error("alice") == "");
  CHECK(password_file::user_error("") == "empty user");
  CHECK(password_file::user_error("a:b") == "user contains ':'");
  CHECK(password_file::user_error("a\nb") == "user contains a line break");
  CHECK(password_file::user_error("a\rb") == "user contains a line break");
  CHECK(password_file::user_error(std::string("a\0b", 3)) == "user contains a NUL byte");
  CHECK(password_file::user_error("#a") ==
        "user starts with '#' (the line would read back as a comment)");
  CHECK(password_file::user_error(std::string(65535, 'u')) == "");
  CHECK(password_file::user_error(std::string(65536, 'u')) == "user is longer than 65535 bytes");

  password_file f;
  CHECK_THROWS_AS(f.set("a:b", "x"), std::invalid_argument);
  CHECK_THROWS_AS(f.set("", "x"), std::invalid_argument);
  CHECK_THROWS_AS(f.set("a\nb", "x"), std::invalid_argument);
  CHECK_THROWS_AS(f.set("u", "x", 0), std::invalid_argument);
  CHECK_THROWS_AS(f.set("u", "x", max_pbkdf2_iterations + 1), std::invalid_argument);
  CHECK(f.size() == 0);
  f.set(std::string(65535, 'u'), "x", 1);
  CHECK(parse_ok(f.serialize()).check(std::string(65535, 'u'), "x") == verdict::ok);
}

TEST_CASE("password file: a line may be as long as the limit, not longer") {
  std::string at_limit = "#" + std::string(max_password_line_bytes - 1, 'x');
  CHECK(parse_ok(at_limit + "\n" + alice_line).size() == 1);
  CHECK(parse_ok(alice_line + "\n" + at_limit).size() == 1);
  CHECK(error_of(alice_line + "\n" + at_limit + "x\n") == "line 2: longer than 131072 bytes");
  // A CRLF line end's '\r' counts: the limit is on the bytes between the '\n's.
  CHECK(error_of(alice_line + "\n" + at_limit + "\r\n") == "line 2: longer than 131072 bytes");
}

TEST_CASE("password file: a file may be as big as the limit, not bigger") {
  // alice's line, then 1 KiB comment lines up to exactly the limit.
  std::string text = alice_line + "\n";
  std::string comment = "#" + std::string(1022, 'x') + "\n";
  while (text.size() + comment.size() <= max_password_file_bytes) text += comment;
  text += "#" + std::string(max_password_file_bytes - text.size() - 1, 'x');
  REQUIRE(text.size() == max_password_file_bytes);
  CHECK(parse_ok(text).size() == 1);
  CHECK(error_of(text + "\n") == "file is 16777217 bytes, over the limit of 16777216");

  temp_dir dir;
  auto path = (dir.path / "pw").string();
  {
    std::ofstream(path, std::ios::binary) << text;
  }
  auto r = password_file::load(path);
  REQUIRE_MESSAGE(r.value, r.error);
  CHECK(r.value->check("alice", "alice-secret") == verdict::ok);
  {
    std::ofstream(path, std::ios::binary | std::ios::app) << "\n";
  }
  r = password_file::load(path);
  REQUIRE_FALSE(r.value);
  CHECK(r.error == path + ": file is over the limit of 16777216 bytes");
}

TEST_CASE("password file: load names the path in its errors") {
  temp_dir dir;
  auto missing = (dir.path / "missing").string();
  auto r = password_file::load(missing);
  REQUIRE_FALSE(r.value);
  CHECK(r.error == "cannot open " + missing + ": No such file or directory");

  r = password_file::load(dir.path.string());
  REQUIRE_FALSE(r.value);
  CHECK(r.error == "cannot read " + dir.path.string() + ": Is a directory");

  auto bad = (dir.path / "bad").string();
  {
    std::ofstream(bad) << alice_line << "\nbob\n";
  }
  r = password_file::load(bad);
  REQUIRE_FALSE(r.value);
  CHECK(r.error == bad + ": line 2: no ':' between user and hash");
}

TEST_CASE("password file: a file mosquitto_passwd writes now checks out") {
  const char* tool = "/usr/bin/mosquitto_passwd";
  if (access(tool, X_OK) != 0) {
    MESSAGE("skipped: no " << tool);
    return;
  }
  temp_dir dir;
  auto path = (dir.path / "pw").string();
  auto run = [&](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, tool, nullptr, nullptr, argv.data(), environ) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  };
  run({tool, "-b", "-c", path, "carol", "carol-secret"});
  run({tool, "-b", path, "dave", "p\xC3\xA4ss w:rd"});
  run({tool, "-H", "sha512", "-b", path, "erin", "erin-secret"});
  auto r = password_file::load(path);
  REQUIRE_MESSAGE(r.value, r.error);
  CHECK(r.value->size() == 3);
  CHECK(r.value->check("carol", "carol-secret") == verdict::ok);
  CHECK(r.value->check("carol", "carol-secre") == verdict::bad_password);
  CHECK(r.value->check("dave", "p\xC3\xA4ss w:rd") == verdict::ok);
  CHECK(r.value->check("erin", "erin-secret") == verdict::ok);
  CHECK(r.value->check("frank", "carol-secret") == verdict::unknown_user);
}
