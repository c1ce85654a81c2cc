// Username/password files in the format of Mosquitto 2.0's mosquitto_passwd,
// so that an operator can move a password file between Mosquitto and pummelo
// unchanged. One "user:hash" per line, the hash being either
//   $7$<iterations>$<salt base64>$<hash base64>   PBKDF2-HMAC-SHA512, 64 bytes
//   $6$<salt base64>$<hash base64>                SHA-512(password || salt)
// ('#' lines and blank lines are comments). Parsing is strict: anything else
// is refused with the line number, rather than guessed at.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pummelo::broker::auth {

/// Largest password file parse() and load() accept.
inline constexpr std::size_t max_password_file_bytes = 16 * 1024 * 1024;
/// Largest line (without its '\n'): an MQTT username can be 65,535 bytes, and
/// the hash adds a couple of hundred more.
inline constexpr std::size_t max_password_line_bytes = 128 * 1024;
/// Accepted PBKDF2 iteration counts ($7$); above this one check would take
/// seconds, which is more a denial of service than a password hash.
inline constexpr unsigned max_pbkdf2_iterations = 10'000'000;
/// What mosquitto_passwd 2.0 writes: 101 iterations and a 12-byte salt.
inline constexpr unsigned default_pbkdf2_iterations = 101;
inline constexpr std::size_t password_salt_bytes = 12;

enum class verdict { ok, bad_password, unknown_user };

struct password_file_result;

class password_file {
 public:
  password_file() = default;  // no users

  /// Parses the file's contents; on failure `error` is e.g. "line 3: unknown
  /// hash type '$5$'" and `value` is empty.
  static password_file_result parse(std::string_view text);
  /// Reads and parses `path`; errors name the path.
  static password_file_result load(const std::string& path);

  /// Checks a password in time independent of where it differs from the
  /// stored one, and of whether the user exists.
  verdict check(std::string_view user, std::string_view password) const;
  bool contains(std::string_view user) const;
  std::size_t size() const { return entries_.size(); }

  /// Why `user` cannot be stored in a password file, or "" when it can.
  static std::string user_error(std::string_view user);

  /// Adds `user`, or replaces its hash, with a $7$ hash of `password` under a
  /// fresh random salt. Throws std::invalid_argument when user_error(user) is
  /// not empty or `iterations` is outside 1..max_pbkdf2_iterations, and
  /// std::runtime_error when OpenSSL fails.
  void set(std::string_view user, std::string_view password,
           unsigned iterations = default_pbkdf2_iterations);
  /// Removes `user`; false when there was no such user.
  bool remove(std::string_view user);
  /// "user:hash\n" per user in file order (comments are not kept). An entry
  /// read by parse() and not set() since keeps its hash text byte for byte.
  std::string serialize() const;

 private:
  struct entry {
    std::string user;
    std::string hash_text;  // as written after the ':'
    bool pbkdf2 = true;     // $7$; false: $6$
    unsigned iterations = 0;
    std::string salt;  // raw bytes
    std::string hash;  // raw bytes, 64 of them
  };

  std::vector<entry> entries_;  // file order, for serialize()
  // user → index into entries_, for lookups.
  std::map<std::string, std::size_t, std::less<>> index_;
};

struct password_file_result {
  std::optional<password_file> value;
  std::string error;
};

}  // namespace pummelo::broker::auth
