// The password file command of pummelo-passwd and `pummeloctl passwd`.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "auth/password_file.hpp"
#include "passwd_command.hpp"

namespace pummelo::tools {

namespace {

using pummelo::broker::auth::password_file;

// The longest password an MQTT CONNECT can carry.
constexpr std::size_t max_password_bytes = 65535;

// The usage text with "@" standing for the program name.
constexpr std::string_view usage_template =
    R"(usage: @ [-c] FILE USER
       @ -b [-c] FILE USER PASSWORD
       @ -D FILE USER
       @ --help

Adds USER to the password file FILE or changes USER's password; with -D,
deletes USER. FILE has the format of Mosquitto 2.0's mosquitto_passwd
(PBKDF2-SHA512, 101 iterations, 12-byte random salt): both brokers read it.

  -c  create FILE, replacing any file of that name (otherwise FILE must exist)
  -b  batch mode: PASSWORD comes from the command line (where other users of
      the machine may see it)
  -D  delete USER

Without -b the password is asked twice on the terminal, or read as one line
from standard input when that is not a terminal. FILE is replaced atomically;
a new FILE gets mode 0600, an existing one keeps its mode. Comment lines of
FILE are not kept.

Exit status: 0 done, 1 the operation failed, 2 usage error.
)";

std::string usage_text(std::string_view program_name) {
  std::string out;
  for (char c : usage_template) {
    if (c == '@') {
      out += program_name;
    } else {
      out += c;
    }
  }
  return out;
}

// Messages are prefixed with the program name's first word: "pummeloctl: ..."
// for "pummeloctl passwd".
std::string message_prefix(std::string_view program_name) {
  return std::string(program_name.substr(0, program_name.find(' '))) + ": ";
}

std::string errno_text() { return std::strerror(errno); }

void wipe(std::string& s) { OPENSSL_cleanse(s.data(), s.size()); }

// One line of standard input without its line end, into `line`; false with
// `error` set at end of input, on a read error, or past max_password_bytes.
bool read_line(std::string& line, std::string& error) {
  line.clear();
  line.reserve(max_password_bytes);  // no reallocation leaving copies behind
  int c = 0;
  while ((c = std::getchar()) != EOF && c != '\n') {
    if (line.size() == max_password_bytes) {
      error = "password longer than " + std::to_string(max_password_bytes) + " bytes";
      return false;
    }
    line.push_back(static_cast<char>(c));
  }
  if (c == EOF && std::ferror(stdin)) {
    error = "cannot read standard input: " + errno_text();
    return false;
  }
  if (c == EOF && line.empty()) {
    error = "no password on standard input";
    return false;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

// The terminal's settings while echo is off, for a signal handler to put back:
// a Ctrl-C at the prompt must not leave the shell without echo.
termios saved_terminal{};
volatile std::sig_atomic_t echo_is_off = 0;
constexpr std::array<int, 4> restoring_signals{SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_terminal_and_reraise(int sig) {
  if (echo_is_off) tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Asks for the password twice with echo off.
bool read_password_from_terminal(std::string& password, std::string& error) {
  if (tcgetattr(STDIN_FILENO, &saved_terminal) != 0) {
    error = "cannot read the terminal's settings: " + errno_text();
    return false;
  }
  std::array<struct sigaction, restoring_signals.size()> previous{};
  struct sigaction handler {};
  handler.sa_handler = restore_terminal_and_reraise;
  sigemptyset(&handler.sa_mask);
  for (std::size_t i = 0; i < restoring_signals.size(); ++i)
    sigaction(restoring_signals[i], &handler, &previous[i]);

  termios quiet = saved_terminal;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  echo_is_off = 1;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string again;
  std::cerr << "Password: " << std::flush;
  bool ok = read_line(password, error);
  std::cerr << "\n";
  if (ok) {
    std::cerr << "Reenter password: " << std::flush;
    ok = read_line(again, error);
    std::cerr << "\n";
  }
  tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
  echo_is_off = 0;
  for (std::size_t i = 0; i < restoring_signals.size(); ++i)
    sigaction(restoring_signals[i], &previous[i], nullptr);

  if (ok && password != again) {
    error = "passwords do not match";
    ok = false;
  }
  wipe(again);
  return ok;
}

// The password asked on the terminal, or one line of a non-terminal stdin.
// An empty one is refused here (as mosquitto_passwd does): it is more likely
// a slip than a choice, which -b can still make.
bool read_password(std::string& password, std::string& error) {
  bool ok = isatty(STDIN_FILENO) ? read_password_from_terminal(password, error)
                                 : read_line(password, error);
  if (ok && password.empty()) {
    error = "empty password";
    ok = false;
  }
  return ok;
}

// Replaces `path` by `content` so that a reader (a broker reloading it) sees
// the old file or the new one, never part of one: a temporary file in the
// same directory (rename cannot cross file systems), flushed to disk, then
// renamed over `path`. mkstemp creates it 0600, right for a new file of
// password hashes; an existing file's mode is carried over. "" or an error.
std::string write_atomically(const std::string& path, std::string_view content) {
  std::string temp = path + ".XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0) return "cannot create a temporary file next to " + path + ": " + errno_text();
  auto abandon = [&](const std::string& what) {
    std::string message = what + ": " + errno_text();
    if (fd >= 0) close(fd);
    unlink(temp.c_str());
    return message;
  };
  struct stat existing {};
  if (stat(path.c_str(), &existing) == 0 && fchmod(fd, existing.st_mode & 07777) != 0)
    return abandon("cannot set the mode of " + temp);
  while (!content.empty()) {
    ssize_t n = write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return abandon("cannot write " + temp);
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  if (fsync(fd) != 0) return abandon("cannot write " + temp);
  int closed = close(fd);
  fd = -1;
  if (closed != 0) return abandon("cannot write " + temp);
  if (rename(temp.c_str(), path.c_str()) != 0) return abandon("cannot replace " + path);
  // Make the rename itself durable. The new file is in place whatever this
  // gives, so a failure here is not reported.
  auto dir = std::filesystem::path(path).parent_path();
  int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return {};
}

}  // namespace

int run_passwd(const std::vector<std::string>& args, std::string_view program_name) {
  auto usage_error = [&](const std::string& message) {
    std::cerr << message_prefix(program_name) << message << "\n\n" << usage_text(program_name);
    return 2;
  };
  auto failure = [&](const std::string& message) {
    std::cerr << message_prefix(program_name) << message << "\n";
    return 1;
  };
  bool create = false, batch = false, remove = false;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage_text(program_name);
      return 0;
    }
    if (arg == "-c") {
      create = true;
    } else if (arg == "-b") {
      batch = true;
    } else if (arg == "-D") {
      remove = true;
    } else if (arg == "--") {
      ++i;
      break;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option '" + std::string(arg) + "'");
    } else {
      break;
    }
  }
  std::vector<std::string> operands(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (remove && (create || batch)) return usage_error("-D cannot be combined with -c or -b");
  if (operands.size() != (batch ? 3u : 2u))
    return usage_error(batch ? "-b needs FILE, USER and PASSWORD" : "expected FILE and USER");
  const std::string& path = operands[0];
  const std::string& user = operands[1];

  password_file file;
  if (!create) {
    auto loaded = password_file::load(path);
    if (!loaded.value) return failure(loaded.error);
    file = std::move(*loaded.value);
  }

  if (remove) {
    if (!file.remove(user)) return failure("no such user: " + user);
  } else {
    // Checked before asking for the password, not after.
    if (auto err = password_file::user_error(user); !err.empty())
      return failure("cannot add user '" + user + "': " + err);
    std::string password;
    std::string error;
    if (batch) {
      password = operands[2];
    } else if (!read_password(password, error)) {
      wipe(password);
      return failure(error);
    }
    if (password.size() > max_password_bytes) {
      wipe(password);
      return failure("password longer than " + std::to_string(max_password_bytes) + " bytes");
    }
    try {
      file.set(user, password);
    } catch (const std::exception& e) {
      wipe(password);
      return failure(e.what());
    }
    wipe(password);
  }

  if (auto err = write_atomically(path, file.serialize()); !err.empty()) return failure(err);
  return 0;
}

}  // namespace pummelo::tools
