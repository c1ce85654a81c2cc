// Standard base64 (RFC 4648 section 4): the '+' '/' alphabet with '='
// padding. Used for binary payloads in $push requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pummelo::broker {

/// Decodes canonical base64: length a multiple of 4, only alphabet characters,
/// '=' only as one or two trailing pad characters, and zero unused bits in the
/// last character (so every byte string has exactly one accepted encoding).
/// No whitespace is skipped. nullopt when `s` breaks any of these; "" → "".
std::optional<std::string> base64_decode(std::string_view s);

/// Encodes `bytes` with '=' padding; base64_decode gives them back.
std::string base64_encode(std::string_view bytes);

}  // namespace pummelo::broker
