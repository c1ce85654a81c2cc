// UTF-8 well-formedness (spec 1.5.4) and where the decoder applies it.
#include "pummelo/protocol/utf8.hpp"
#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

std::string s(std::initializer_list<unsigned char> b) { return std::string(b.begin(), b.end()); }

TEST_CASE("valid_mqtt_utf8 accepts every well-formed boundary") {
  const std::string ok[] = {
      "",
      "plain ascii",
      s({0x01}),                    // U+0001 (control characters are allowed)
      s({0x7F}),                    // U+007F
      s({0xC2, 0x80}),              // U+0080
      s({0xDF, 0xBF}),              // U+07FF
      s({0xE0, 0xA0, 0x80}),        // U+0800
      s({0xED, 0x9F, 0xBF}),        // U+D7FF, just below the surrogates
      s({0xEE, 0x80, 0x80}),        // U+E000, just above them
      s({0xEF, 0xBF, 0xBF}),        // U+FFFF (a non-character, still allowed)
      s({0xEF, 0xBB, 0xBF}),        // U+FEFF, BOM: must not be stripped
      s({0xF0, 0x90, 0x80, 0x80}),  // U+10000
      s({0xF4, 0x8F, 0xBF, 0xBF}),  // U+10FFFF
      "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80",
  };
  for (const auto& str : ok) {
    CAPTURE(hex(bytes(str.begin(), str.end())));
    CHECK(valid_mqtt_utf8(str));
  }
}

TEST_CASE("valid_mqtt_utf8 rejects ill-formed input") {
  const std::string bad[] = {
      s({0x00}),                    // U+0000
      s({'a', 0x00, 'b'}),          // U+0000 inside
      s({0xC0, 0x80}),              // overlong U+0000
      s({0xC1, 0xBF}),              // overlong U+007F
      s({0xE0, 0x9F, 0xBF}),        // overlong U+07FF
      s({0xF0, 0x8F, 0xBF, 0xBF}),  // overlong U+FFFF
      s({0xED, 0xA0, 0x80}),        // U+D800, a surrogate
      s({0xED, 0xBF, 0xBF}),        // U+DFFF
      s({0xF4, 0x90, 0x80, 0x80}),  // U+110000
      s({0xF5, 0x80, 0x80, 0x80}),
      s({0xFF}),
      s({0x80}),                    // stray continuation byte
      s({0xC3}),                    // truncated 2-byte sequence
      s({0xE2, 0x82}),              // truncated 3-byte sequence
      s({0xF0, 0x9F, 0x98}),        // truncated 4-byte sequence
      s({0xE2, 0x28, 0xA1}),        // bad continuation
      s({0xF0, 0x9F, 0x98, 0x41}),  // bad last continuation
  };
  for (const auto& str : bad) {
    CAPTURE(hex(bytes(str.begin(), str.end())));
    CHECK_FALSE(valid_mqtt_utf8(str));
  }
}

TEST_CASE("binary data is not checked as UTF-8") {
  // Password, will payload, PUBLISH payload, correlation and auth data.
  connect_packet c;
  c.protocol_version = version::v5;
  c.client_id = "c";
  c.username = "u";
  c.password = s({0xFF, 0x00, 0xC0});
  c.will = will_message{"w", s({0xED, 0xA0, 0x80}), 0, false, {}};
  c.props.authentication_method = "m";
  c.props.authentication_data = s({0x00, 0xFE});
  check_packet_round_trip(c, version::v5, from::client);

  publish_packet p;
  p.topic = "t";
  p.payload = s({0x00, 0xFF, 0xC0, 0x80});
  p.props.correlation_data = s({0xC0, 0x80});
  check_packet_round_trip(p, version::v5, from::client);
}

}  // namespace
}  // namespace pummelo::protocol::test
