#include "pummelo/protocol/utf8.hpp"

#include <cstddef>
#include <cstdint>

namespace pummelo::protocol {

namespace {

constexpr bool is_continuation(std::uint8_t b) noexcept {
  return (b & 0xC0) == 0x80;
}

}  // namespace

bool valid_mqtt_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t b = p[i];
    if (b < 0x80) {
      if (b == 0) return false;  // U+0000 is forbidden (MQTT-1.5.4-2)
      ++i;
      continue;
    }
    // The ranges of the second byte follow RFC 3629 table 3-7: they exclude
    // overlong forms (E0 80..9F, F0 80..8F), the surrogates U+D800..U+DFFF
    // (ED A0..BF) and code points above U+10FFFF (F4 90..).
    std::size_t len = 0;
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b == 0xE0) {
      len = 3;
      lo = 0xA0;
    } else if (b == 0xED) {
      len = 3;
      hi = 0x9F;
    } else if (b >= 0xE1 && b <= 0xEF) {
      len = 3;
    } else if (b == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      len = 4;
    } else if (b == 0xF4) {
      len = 4;
      hi = 0x8F;
    } else {
      return false;  // C0, C1, F5..FF, or a stray continuation byte
    }
    if (n - i < len) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (!is_continuation(p[i + k])) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace pummelo::protocol
