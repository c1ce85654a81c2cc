// Mosquitto-compatible password files: strict parsing, checking with
// OpenSSL's PBKDF2/SHA-512 in constant time, and the edits pummelo-passwd
// makes. See password_file.hpp for the format.
#include "auth/password_file.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "base64.hpp"

namespace pummelo::broker::auth {
namespace {

constexpr std::size_t digest_bytes = 64;  // SHA-512
using digest = std::array<unsigned char, digest_bytes>;

// The longest username an MQTT CONNECT can carry.
constexpr std::size_t max_user_bytes = 65535;

bool fits_int(std::string_view s) { return s.size() <= static_cast<std::size_t>(INT_MAX); }

// $7$: PBKDF2-HMAC-SHA512 with a 64-byte output. False when OpenSSL fails.
bool pbkdf2_sha512(std::string_view password, std::string_view salt, unsigned iterations,
                   digest& out) {
  if (!fits_int(password) || !fits_int(salt) || iterations > INT_MAX) return false;
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(salt.data()),
                           static_cast<int>(salt.size()), static_cast<int>(iterations),
                           EVP_sha512(), static_cast<int>(out.size()), out.data()) == 1;
}

// $6$: one SHA-512 over the password followed by the salt.
bool sha512_salted(std::string_view password, std::string_view salt, digest& out) {
  std::string input;
  input.reserve(password.size() + salt.size());
  input.append(password).append(salt);
  unsigned int size = 0;
  bool ok = EVP_Digest(input.data(), input.size(), out.data(), &size, EVP_sha512(), nullptr) == 1 &&
            size == out.size();
  OPENSSL_cleanse(input.data(), input.size());  // it holds the password
  return ok;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    auto at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

// A "$<type>$" prefix worth quoting in an error: short and made of the
// characters crypt(3)-style type names use. Anything else is not echoed,
// because a file of plain-text passwords would then leak them into the log.
bool looks_like_type(std::string_view type) {
  if (type.size() < 3 || type.size() > 12) return false;
  for (char c : type.substr(1, type.size() - 2)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string parse_iterations(std::string_view text, unsigned& iterations) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return "iterations '" + std::string(text) + "' is not a decimal number";
  unsigned long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n < 1 || n > max_pbkdf2_iterations)
    return "iterations " + std::string(text) + " out of range 1.." +
           std::to_string(max_pbkdf2_iterations);
  iterations = static_cast<unsigned>(n);
  return {};
}

// Decodes the salt and hash fields into `salt` and `hash`; "" or an error.
std::string parse_salt_and_hash(std::string_view salt_text, std::string_view hash_text,
                                std::string& salt, std::string& hash) {
  auto s = base64_decode(salt_text);
  if (!s) return "salt is not valid base64";
  if (s->empty()) return "empty salt";
  auto h = base64_decode(hash_text);
  if (!h) return "hash is not valid base64";
  if (h->size() != digest_bytes)
    return "hash is " + std::to_string(h->size()) + " bytes, expected " +
           std::to_string(digest_bytes);
  salt = std::move(*s);
  hash = std::move(*h);
  return {};
}

std::string at_line(std::size_t line, const std::string& what) {
  return "line " + std::to_string(line) + ": " + what;
}

// Splits the text after a user's ':' into its parts; "" or what is wrong.
std::string parse_hash(std::string_view text, bool& pbkdf2, unsigned& iterations,
                       std::string& salt, std::string& hash) {
  auto type_end = text.size() > 1 && text[0] == '$' ? text.find('$', 1) : std::string_view::npos;
  if (type_end == std::string_view::npos) return "hash does not start with '$<type>$'";
  std::string_view type = text.substr(0, type_end + 1);
  auto fields = split(text.substr(type_end + 1), '$');
  if (type == "$7$") {
    if (fields.size() != 3) return "a $7$ hash has the form $7$<iterations>$<salt>$<hash>";
    pbkdf2 = true;
    if (auto err = parse_iterations(fields[0], iterations); !err.empty()) return err;
    return parse_salt_and_hash(fields[1], fields[2], salt, hash);
  }
  if (type == "$6$") {
    if (fields.size() != 2) return "a $6$ hash has the form $6$<salt>$<hash>";
    pbkdf2 = false;
    iterations = 0;
    return parse_salt_and_hash(fields[0], fields[1], salt, hash);
  }
  if (looks_like_type(type)) return "unknown hash type '" + std::string(type) + "'";
  return "hash does not start with '$<type>$'";
}

}  // namespace

std::string password_file::user_error(std::string_view user) {
  if (user.empty()) return "empty user";
  if (user.size() > max_user_bytes)
    return "user is longer than " + std::to_string(max_user_bytes) + " bytes";
  if (user.find(':') != std::string_view::npos) return "user contains ':'";
  if (user.find_first_of("\r\n") != std::string_view::npos) return "user contains a line break";
  // Mosquitto keeps users as C strings: a NUL would cut the name short there.
  if (user.find('\0') != std::string_view::npos) return "user contains a NUL byte";
  if (user.front() == '#') return "user starts with '#' (the line would read back as a comment)";
  return {};
}

password_file_result password_file::parse(std::string_view text) {
  if (text.size() > max_password_file_bytes)
    return {std::nullopt, "file is " + std::to_string(text.size()) + " bytes, over the limit of " +
                              std::to_string(max_password_file_bytes)};
  password_file file;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.size() > max_password_line_bytes)
      return {std::nullopt, at_line(line_no, "longer than " +
                                                 std::to_string(max_password_line_bytes) + " bytes")};
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // written on Windows
    if (line.find_first_not_of(" \t") == std::string_view::npos || line.front() == '#') continue;

    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return {std::nullopt, at_line(line_no, "no ':' between user and hash")};
    std::string_view user = line.substr(0, colon);
    if (auto err = user_error(user); !err.empty()) return {std::nullopt, at_line(line_no, err)};
    if (file.index_.contains(user))
      return {std::nullopt, at_line(line_no, "duplicate user '" + std::string(user) + "'")};

    entry e;
    e.user = user;
    e.hash_text = line.substr(colon + 1);
    if (auto err = parse_hash(e.hash_text, e.pbkdf2, e.iterations, e.salt, e.hash); !err.empty())
      return {std::nullopt, at_line(line_no, err)};
    file.index_.emplace(e.user, file.entries_.size());
    file.entries_.push_back(std::move(e));
  }
  return {std::move(file), {}};
}

password_file_result password_file::load(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return {std::nullopt, "cannot open " + path + ": " + std::strerror(errno)};
  auto too_big = [&] {
    return password_file_result{std::nullopt, path + ": file is over the limit of " +
                                                  std::to_string(max_password_file_bytes) +
                                                  " bytes"};
  };
  // Refuse a big file before reading it; the read loop below still stops at
  // the limit for files whose size fstat cannot tell (pipes) or that grow.
  struct stat st {};
  if (fstat(fileno(f.get()), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<unsigned long long>(st.st_size) > max_password_file_bytes)
    return too_big();
  std::string text;
  std::array<char, 64 * 1024> buf;
  for (;;) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (text.size() + n > max_password_file_bytes) return too_big();
    text.append(buf.data(), n);
    if (n < buf.size()) break;
  }
  if (std::ferror(f.get())) return {std::nullopt, "cannot read " + path + ": " + std::strerror(errno)};
  auto r = parse(text);
  if (!r.value) r.error = path + ": " + r.error;
  return r;
}

verdict password_file::check(std::string_view user, std::string_view password) const {
  digest computed{};
  auto it = index_.find(user);
  if (it == index_.end()) {
    // Hash anyway, as the file's first user would be hashed, so that the
    // time taken does not tell a client which users exist.
    static constexpr std::array<char, password_salt_bytes> dummy_salt{};
    std::string_view salt(dummy_salt.data(), dummy_salt.size());
    if (!entries_.empty() && !entries_.front().pbkdf2)
      sha512_salted(password, salt, computed);
    else
      pbkdf2_sha512(password, salt,
                    entries_.empty() ? default_pbkdf2_iterations : entries_.front().iterations,
                    computed);
    return verdict::unknown_user;
  }
  const entry& e = entries_[it->second];
  bool hashed = e.pbkdf2 ? pbkdf2_sha512(password, e.salt, e.iterations, computed)
                         : sha512_salted(password, e.salt, computed);
  if (!hashed) return verdict::bad_password;  // fail closed
  return CRYPTO_memcmp(computed.data(), e.hash.data(), digest_bytes) == 0 ? verdict::ok
                                                                          : verdict::bad_password;
}

bool password_file::contains(std::string_view user) const { return index_.contains(user); }

void password_file::set(std::string_view user, std::string_view password, unsigned iterations) {
  if (auto err = user_error(user); !err.empty()) throw std::invalid_argument(err);
  if (iterations < 1 || iterations > max_pbkdf2_iterations)
    throw std::invalid_argument("iterations out of range 1.." + std::to_string(max_pbkdf2_iterations));
  entry e;
  e.user = user;
  e.pbkdf2 = true;
  e.iterations = iterations;
  e.salt.resize(password_salt_bytes);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(e.salt.data()), static_cast<int>(e.salt.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  digest hash{};
  if (!pbkdf2_sha512(password, e.salt, iterations, hash))
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  e.hash.assign(reinterpret_cast<const char*>(hash.data()), hash.size());
  e.hash_text = "$7$" + std::to_string(iterations) + "$" + base64_encode(e.salt) + "$" +
                base64_encode(e.hash);

  if (auto it = index_.find(user); it != index_.end()) {
    entries_[it->second] = std::move(e);  // keeps its place in the file
  } else {
    index_.emplace(e.user, entries_.size());
    entries_.push_back(std::move(e));
  }
}

bool password_file::remove(std::string_view user) {
  auto it = index_.find(user);
  if (it == index_.end()) return false;
  std::size_t removed = it->second;
  index_.erase(it);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(removed));
  for (auto& [name, i] : index_)
    if (i > removed) --i;
  return true;
}

std::string password_file::serialize() const {
  std::string out;
  for (const auto& e : entries_) out.append(e.user).append(1, ':').append(e.hash_text).append(1, '\n');
  return out;
}

}  // namespace pummelo::broker::auth
