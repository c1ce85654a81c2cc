// base64 as $push payloads use it: RFC 4648 vectors, round trips of every
// byte value, and strict rejection of anything but canonical padded base64.
#include "base64.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace pummelo::broker;

TEST_CASE("base64: RFC 4648 test vectors both ways") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain);
    CHECK(base64_encode(plain) == encoded);
    auto decoded = base64_decode(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == plain);
  }
}

TEST_CASE("base64: '+' and '/' are the last two letters of the alphabet") {
  CHECK(base64_encode("\xfb\xff") == "+/8=");
  CHECK(base64_decode("+/8=") == std::string("\xfb\xff"));
}

TEST_CASE("base64: every byte value and every padding length round-trips") {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (std::size_t len = 0; len <= all.size(); ++len) {
    std::string bytes = all.substr(all.size() - len);  // ends with 0xFF, starts anywhere
    std::string encoded = base64_encode(bytes);
    CHECK(encoded.size() == (len + 2) / 3 * 4);
    auto decoded = base64_decode(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == bytes);
  }
  std::string with_nul("a\0b", 3);
  CHECK(base64_decode(base64_encode(with_nul)) == with_nul);
}

TEST_CASE("base64: invalid input is rejected") {
  const std::string invalid[] = {
      "Zg",                         // padding missing
      "Zm8",                        // padding missing
      "Zg=",                        // length not a multiple of 4
      "Zm9vY",                      // length not a multiple of 4
      "=",                          // padding alone
      "====",                       // padding alone
      "Z===",                       // too much padding
      "Zg==Zg==",                   // padding in the middle
      "Zm=v",                       // '=' inside a quantum
      "Zm9v\n",                     // whitespace is not skipped
      "Zm 9v",                      // whitespace is not skipped
      "Zm9-",                       // URL-safe alphabet
      "Zm9_",                       // URL-safe alphabet
      "Zm9!",                       // not in any alphabet
      "Zh==",                       // non-zero unused bits ("Zg==" is canonical)
      "Zm9=",                       // non-zero unused bits ("Zm8=" is canonical)
      std::string("\x80") + "AAA",  // non-ASCII byte
      std::string("AA\0A", 4),      // NUL
  };
  for (const auto& s : invalid) {
    CAPTURE(s);
    CHECK_FALSE(base64_decode(s).has_value());
  }
}
