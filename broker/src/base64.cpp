#include "base64.hpp"

#include <array>
#include <cstdint>

namespace pummelo::broker {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t invalid = 0xFF;

// Sextet value of each byte, `invalid` for non-alphabet bytes ('=' included:
// padding is handled apart).
constexpr std::array<std::uint8_t, 256> decode_table = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(invalid);
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  return t;
}();

std::uint8_t sextet(char c) noexcept {
  return decode_table[static_cast<unsigned char>(c)];
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view s) {
  if (s.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (!s.empty() && s.back() == '=') pad = s[s.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(s.size() / 4 * 3 - pad);
  for (std::size_t i = 0; i < s.size(); i += 4) {
    bool last = i + 4 == s.size();
    std::size_t chars = last ? 4 - pad : 4;  // data characters in this quantum
    std::uint32_t bits = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      std::uint8_t v = j < chars ? sextet(s[i + j]) : 0;
      if (v == invalid) return std::nullopt;  // also a '=' before the padding
      bits = bits << 6 | v;
    }
    out.push_back(static_cast<char>(bits >> 16));
    if (chars > 2) out.push_back(static_cast<char>(bits >> 8 & 0xFF));
    if (chars > 3) out.push_back(static_cast<char>(bits & 0xFF));
    // Bits below the last whole byte must be zero: "QR==" is not "QQ==".
    if (chars == 2 && (bits & 0xFFFF) != 0) return std::nullopt;
    if (chars == 3 && (bits & 0xFF) != 0) return std::nullopt;
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::size_t n = bytes.size() - i < 3 ? bytes.size() - i : 3;
    std::uint32_t bits = 0;
    for (std::size_t j = 0; j < 3; ++j)
      bits = bits << 8 | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    out.push_back(alphabet[bits >> 18 & 0x3F]);
    out.push_back(alphabet[bits >> 12 & 0x3F]);
    out.push_back(n > 1 ? alphabet[bits >> 6 & 0x3F] : '=');
    out.push_back(n > 2 ? alphabet[bits & 0x3F] : '=');
  }
  return out;
}

}  // namespace pummelo::broker
