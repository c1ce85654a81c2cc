// body_writer and body_reader: exact bytes, round trips, overruns that must
// fail without consuming, and hostile list counts.
#include <functional>

#include "rpc_test_support.hpp"

namespace pummelo::protocol::test::rpc_test {
namespace {

using rpc::rpc_errc;

const bytes all_fields = {
    0xAB,                                            // u8
    0x01, 0x02,                                      // u16
    0x03, 0x04, 0x05, 0x06,                          // u32
    0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,  // u64
    0xAC, 0x02,                                      // varint 300
    0x00, 0x00, 0x00, 0x02, 'h',  'i',               // string "hi"
    0x00, 0x00, 0x00, 0x01, 0xFF,                    // blob {0xFF}
    0x00, 0x00, 0x00, 0x02,                          // string list: 2 items
    0x00, 0x00, 0x00, 0x01, 'a',                     //   "a"
    0x00, 0x00, 0x00, 0x00,                          //   ""
    0x01, 0x02,                                      // raw trailing bytes
};

TEST_CASE("body_writer writes every field type") {
  bytes out = {0x99};  // appends after what is there
  rpc::body_writer w(out);
  w.u8(0xAB).u16(0x0102).u32(0x03040506).u64(0x0708090A0B0C0D0E).varint(300);
  w.string("hi").blob(bytes{0xFF}).string_list(std::vector<std::string>{"a", ""});
  w.bytes(bytes{0x01, 0x02});
  CHECK(&w.buffer() == &out);
  CHECK(hex(out) == hex(cat({{0x99}, all_fields})));

  bytes views;
  const std::vector<std::string_view> items = {"a", ""};
  rpc::body_writer(views).string_list(items);
  CHECK(hex(views) == hex(bytes(all_fields.begin() + 28, all_fields.end() - 2)));
}

TEST_CASE("body_reader reads back every field type") {
  rpc::body_reader r(all_fields);
  CHECK(r.u8() == 0xAB);
  CHECK(r.u16() == 0x0102);
  CHECK(r.u32() == 0x03040506);
  CHECK(r.u64() == 0x0708090A0B0C0D0Eu);
  CHECK(r.varint() == 300);
  const std::string_view hi = r.string_view();
  CHECK(hi == "hi");
  // A view into the body, not a copy.
  CHECK(reinterpret_cast<const std::uint8_t*>(hi.data()) == all_fields.data() + 21);
  const auto blob = r.blob();
  CHECK(bytes(blob.begin(), blob.end()) == bytes{0xFF});
  CHECK(r.string_list(2) == std::vector<std::string>{"a", ""});
  CHECK_FALSE(r.at_end());
  CHECK(r.finish() == rpc_errc::malformed_body);  // trailing bytes left
  const auto rest = r.rest();
  CHECK(bytes(rest.begin(), rest.end()) == bytes{0x01, 0x02});
  CHECK(r.at_end());
  CHECK(r.finish() == rpc_errc::ok);
  CHECK(r.rest().empty());
  CHECK(r.finish() == rpc_errc::ok);

  rpc::body_reader s(all_fields);
  s.bytes(17);
  CHECK(s.string() == "hi");
}

TEST_CASE("varints: minimal encodings, limits and bad forms") {
  struct vcase {
    std::uint64_t value;
    bytes encoded;
  };
  const std::vector<vcase> cases = {
      {0, {0x00}},
      {1, {0x01}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16383, {0xFF, 0x7F}},
      {16384, {0x80, 0x80, 0x01}},
      {0xFFFFFFFFu, {0xFF, 0xFF, 0xFF, 0xFF, 0x0F}},
      {0xFFFFFFFFFFFFFFFFu, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}},
  };
  for (const vcase& c : cases) {
    CAPTURE(c.value);
    bytes out;
    rpc::body_writer(out).varint(c.value);
    CHECK(hex(out) == hex(c.encoded));
    rpc::body_reader r(c.encoded);
    CHECK(r.varint() == c.value);
    CHECK(r.finish() == rpc_errc::ok);
  }
  // Non-minimal forms are accepted.
  const bytes non_minimal = {0x80, 0x00};
  rpc::body_reader nm(non_minimal);
  CHECK(nm.varint() == 0);
  CHECK(nm.finish() == rpc_errc::ok);

  const std::vector<bytes> bad = {
      {},                                                                  // nothing
      {0x80},                                                              // continuation, then end
      {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02},        // bit 64 set
      {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},  // 11 bytes
  };
  for (const bytes& b : bad) {
    INFO(hex(b));
    rpc::body_reader r(b);
    CHECK(r.varint() == 0);
    CHECK(r.error() == rpc_errc::malformed_body);
    CHECK(r.remaining() == b.size());  // nothing consumed
  }
}

// A read that must fail on `input`, the error, and what is left unread.
struct overrun_row {
  const char* name;
  bytes input;
  std::function<void(rpc::body_reader&)> read;
  rpc_errc expected;
};

const std::vector<overrun_row>& overrun_rows() {
  using enum rpc_errc;
  using reader = rpc::body_reader;
  const bytes two_strings = cat({be32(2), be32(1), {'a'}, be32(1), {'b'}});
  static const std::vector<overrun_row> table = {
      {"u8 of nothing", {}, [](reader& r) { r.u8(); }, malformed_body},
      {"u16 of 1 byte", {0x01}, [](reader& r) { r.u16(); }, malformed_body},
      {"u32 of 3 bytes", {1, 2, 3}, [](reader& r) { r.u32(); }, malformed_body},
      {"u64 of 7 bytes", repeat(1, 7), [](reader& r) { r.u64(); }, malformed_body},
      {"string with half a length", {0x00, 0x00}, [](reader& r) { r.string(); }, malformed_body},
      {"string 1 byte short", cat({be32(5), str_bytes("abcd")}), [](reader& r) { r.string(); },
       malformed_body},
      {"string of length 2^32 - 1", cat({be32(0xFFFFFFFF), str_bytes("abc")}),
       [](reader& r) { r.string(); }, malformed_body},
      {"string_view 1 byte short", cat({be32(2), {'a'}}), [](reader& r) { r.string_view(); },
       malformed_body},
      {"blob 1 byte short", cat({be32(3), {1, 2}}), [](reader& r) { r.blob(); }, malformed_body},
      {"bytes 1 short", {1, 2}, [](reader& r) { r.bytes(3); }, malformed_body},
      {"list count over the limit", cat({be32(0xFFFFFFFF), repeat(0, 64)}),
       [](reader& r) { r.string_list(1000); }, too_many_elements},
      {"list count one over the limit", cat({be32(3), repeat(0, 12)}),
       [](reader& r) { r.string_list(2); }, too_many_elements},
      {"list count beyond the bytes left", cat({be32(1000), repeat(0, 8)}),
       [](reader& r) { r.string_list(1000); }, malformed_body},
      {"list count one beyond the bytes left", cat({be32(3), repeat(0, 11)}),
       [](reader& r) { r.string_list(3); }, malformed_body},
      {"list with a truncated last string", bytes(two_strings.begin(), two_strings.end() - 1),
       [](reader& r) { r.string_list(10); }, malformed_body},
      {"count of elements of 16 bytes", cat({be32(2), repeat(0, 31)}),
       [](reader& r) { r.count(10, 16); }, malformed_body},
      {"a read after a failed one",
       {0x01, 0x02},
       [](reader& r) {
         r.string();
         r.u8();
       },
       malformed_body},
      {"the first error is kept", cat({be32(9), {0x01}}),
       [](reader& r) {
         r.string_list(8);
         r.u64();
       },
       too_many_elements},
  };
  return table;
}

TEST_CASE("body_reader overruns fail without consuming") {
  for (const overrun_row& row : overrun_rows()) {
    INFO(std::string(row.name));
    rpc::body_reader r(row.input);
    row.read(r);
    CHECK(r.failed());
    CHECK(r.error() == row.expected);
    CHECK(r.remaining() == row.input.size());
    // Later reads give zero values and keep the first error.
    CHECK(r.u8() == 0);
    CHECK(r.u64() == 0);
    CHECK(r.string().empty());
    CHECK(r.rest().empty());
    CHECK(r.string_list(10).empty());
    CHECK(r.error() == row.expected);
    CHECK(r.finish() == row.expected);
  }
}

TEST_CASE("list counts at their limits are accepted") {
  const bytes two_empty = cat({be32(2), be32(0), be32(0)});  // exactly 2 * 4 bytes
  rpc::body_reader r(two_empty);
  CHECK(r.string_list(2) == std::vector<std::string>{"", ""});
  CHECK(r.finish() == rpc_errc::ok);

  // Elements of size 0 (e.g. flags stored elsewhere): only the limit applies.
  const bytes five = be32(5);
  rpc::body_reader z(five);
  CHECK(z.count(5, 0) == 5);
  CHECK(z.finish() == rpc_errc::ok);

  const bytes sixteen = cat({be32(2), repeat(0, 32)});
  rpc::body_reader s(sixteen);
  CHECK(s.count(2, 16) == 2);
  CHECK(s.remaining() == 32);
}

TEST_CASE("a topic, a message and a uid list round trip") {
  const std::vector<std::string> uids = {"u1", "user-\xC3\xA9", std::string(300, 'z')};
  const bytes message = {0x00, 0xFF, 0x10};
  bytes payload;
  rpc::body_writer(payload).string("room/42").blob(message).varint(1u << 20).string_list(uids);
  rpc::body_reader r(payload);
  CHECK(r.string() == "room/42");
  const auto m = r.blob();
  CHECK(bytes(m.begin(), m.end()) == message);
  CHECK(r.varint() == (1u << 20));
  CHECK(r.string_list(3) == uids);
  CHECK(r.finish() == rpc_errc::ok);
}

}  // namespace
}  // namespace pummelo::protocol::test::rpc_test
