// Shared helpers for the codec tests: byte vectors, a registry of every valid
// packet literal (so streaming tests can replay them all), and decode/encode
// shortcuts that assert along the way.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "pummelo/protocol/decoder.hpp"
#include "pummelo/protocol/encoder.hpp"

namespace pummelo::protocol {

// Printers, so that doctest shows names instead of "{?}" on failure.
std::ostream& operator<<(std::ostream& os, errc e);
std::ostream& operator<<(std::ostream& os, reason_code rc);
std::ostream& operator<<(std::ostream& os, packet_type t);
std::ostream& operator<<(std::ostream& os, version v);
std::ostream& operator<<(std::ostream& os, const packet& p);

}  // namespace pummelo::protocol

namespace pummelo::protocol::test {

using bytes = std::vector<std::uint8_t>;

/// Who sends the packet: decides the decoder role used to read it.
enum class from : std::uint8_t { client, server, either };

/// A valid packet literal. `canonical`: our encoder writes these exact bytes
/// back (false for short or long forms the decoder accepts but the encoder
/// does not produce).
struct vector_case {
  std::string_view name;
  version v;
  from sender;
  const bytes* data;
  bool canonical;
};

std::vector<vector_case>& registry();

struct registrar {
  registrar(std::string_view name, version v, from sender, const bytes& data,
            bool canonical = true) {
    registry().push_back({name, v, sender, &data, canonical});
  }
};

// Defines `const bytes name` and registers it for the replay tests.
#define PUMMELO_VECTOR(name, ver, sender, ...)                      \
  const ::pummelo::protocol::test::bytes name = __VA_ARGS__;        \
  const ::pummelo::protocol::test::registrar name##_registrar {     \
    #name, ver, sender, name                                       \
  }
// Same, for bytes the decoder accepts but the encoder writes differently.
#define PUMMELO_NONCANONICAL_VECTOR(name, ver, sender, ...)         \
  const ::pummelo::protocol::test::bytes name = __VA_ARGS__;        \
  const ::pummelo::protocol::test::registrar name##_registrar {     \
    #name, ver, sender, name, false                                \
  }

/// Concatenation, for literals built from parts.
bytes cat(std::initializer_list<bytes> parts);
/// `n` copies of `b`.
bytes repeat(std::uint8_t b, std::size_t n);
/// Bytes of a string literal (no terminating NUL).
bytes str_bytes(std::string_view s);
/// Two bytes, big-endian.
bytes u16(std::uint16_t v);
/// A UTF-8 string / binary field: two-byte length, then the bytes.
bytes str(std::string_view s);
/// A packet: the first byte, the remaining length, then `body`.
bytes frame(std::uint8_t first, const bytes& body);
/// A 5.0 property section: the length, then `props`.
bytes props(const bytes& props);
/// Hex dump, so that failing byte comparisons print readably.
std::string hex(const bytes& b);

/// A decoder ready to read a packet of `type` sent by `sender` in version
/// `v`: a server-role decoder has already been fed a CONNECT of version `v`
/// unless `type` is CONNECT itself.
decoder ready_decoder(version v, from sender, packet_type type,
                      const limits& lim = {});

/// The type in a packet's first byte.
inline packet_type type_in(const bytes& b) {
  return static_cast<packet_type>(b.at(0) >> 4);
}

/// Decodes `b` (exactly one whole packet) or fails the test.
packet decode_one(const bytes& b, version v, from sender, const limits& lim = {});

/// Feeds `b` whole, then byte by byte; both must fail with the same errc,
/// which is returned (errc::ok when `b` decodes).
errc decode_error(const bytes& b, version v, from sender, const limits& lim = {});

/// encode_append(), checked against encoded_size() and encode().
bytes encode_bytes(const packet& p, version v);

/// Decodes `b`, re-encodes the packet and checks the bytes are identical.
packet round_trip(const bytes& b, version v, from sender);

/// Encodes `p`, decodes the result and checks it equals `p`.
void check_packet_round_trip(const packet& p, version v, from sender);

/// A plain CONNECT for priming server-role decoders.
bytes connect_bytes(version v);

}  // namespace pummelo::protocol::test
