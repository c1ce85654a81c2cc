// The incremental decoder: every valid packet of the suite fed whole, split
// at every offset, byte by byte, and many packets per chunk.
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

// The roles a vector is decoded in.
std::vector<from> senders_of(const vector_case& c) {
  if (c.sender == from::either) return {from::client, from::server};
  return {c.sender};
}

// Feeds `b` cut before each offset in `cuts`; returns the packets decoded.
// Fails the test on an error or on bytes left buffered.
std::vector<packet> feed_all(decoder& d, const bytes& b, const std::vector<std::size_t>& cuts) {
  std::vector<packet> out;
  std::size_t start = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(b.size());
  for (const std::size_t end : ends) {
    std::span<const std::uint8_t> chunk(b.data() + start, end - start);
    while (!chunk.empty()) {
      const decode_result r = d.feed(chunk);
      INFO("error: ", r.error);
      REQUIRE(r.status != decode_status::error);
      REQUIRE(r.consumed > 0);
      REQUIRE(r.consumed <= chunk.size());
      chunk = chunk.subspan(r.consumed);
      if (r.status == decode_status::packet_ready) {
        out.push_back(d.take());
      } else {
        CHECK(chunk.empty());  // need_more only once the chunk is used up
      }
    }
    start = end;
  }
  CHECK(d.buffered() == 0);
  return out;
}

TEST_CASE("the suite holds vectors of every type in every version") {
  std::set<std::pair<int, int>> seen;  // (version, type)
  for (const vector_case& c : registry()) {
    seen.insert({static_cast<int>(c.v), static_cast<int>(type_in(*c.data))});
  }
  for (const version v : {version::v3_1, version::v3_1_1, version::v5}) {
    for (int t = 1; t <= 15; ++t) {
      if (t == 15 && v != version::v5) continue;  // AUTH is 5.0 only
      INFO("version ", static_cast<int>(v), " type ", t);
      CHECK(seen.count({static_cast<int>(v), t}) == 1);
    }
  }
}

TEST_CASE("every canonical vector encodes back to its bytes") {
  for (const vector_case& c : registry()) {
    if (!c.canonical) continue;
    INFO(c.name);
    for (const from s : senders_of(c)) round_trip(*c.data, c.v, s);
  }
}

TEST_CASE("every vector decodes the same when split at any offset") {
  for (const vector_case& c : registry()) {
    INFO(c.name);
    const bytes& b = *c.data;
    for (const from s : senders_of(c)) {
      const packet whole = decode_one(b, c.v, s);
      for (std::size_t cut = 1; cut < b.size(); ++cut) {
        CAPTURE(cut);
        decoder d = ready_decoder(c.v, s, type_in(b));
        const decode_result first = d.feed(std::span(b).first(cut));
        REQUIRE(first.status == decode_status::need_more);
        CHECK(first.consumed == cut);
        const decode_result rest = d.feed(std::span(b).subspan(cut));
        REQUIRE(rest.status == decode_status::packet_ready);
        CHECK(rest.consumed == b.size() - cut);
        CHECK(d.take() == whole);
        CHECK(d.buffered() == 0);
      }
    }
  }
}

TEST_CASE("every vector decodes the same fed byte by byte") {
  for (const vector_case& c : registry()) {
    INFO(c.name);
    const bytes& b = *c.data;
    for (const from s : senders_of(c)) {
      const packet whole = decode_one(b, c.v, s);
      decoder d = ready_decoder(c.v, s, type_in(b));
      std::vector<std::size_t> cuts(b.size() - 1);
      std::iota(cuts.begin(), cuts.end(), std::size_t{1});
      const auto got = feed_all(d, b, cuts);
      REQUIRE(got.size() == 1);
      CHECK(got[0] == whole);
    }
  }
}

TEST_CASE("many packets in one chunk, and in random chunks") {
  // Group the non-CONNECT vectors by (version, role) and replay each group
  // as one stream.
  std::map<std::pair<version, from>, std::vector<const bytes*>> groups;
  for (const vector_case& c : registry()) {
    if (type_in(*c.data) == packet_type::connect) continue;
    for (const from s : senders_of(c)) groups[{c.v, s}].push_back(c.data);
  }
  REQUIRE(groups.size() == 6);
  std::mt19937 rng(12345);
  for (const auto& group : groups) {
    const version v = group.first.first;
    const from s = group.first.second;
    const std::vector<const bytes*>& members = group.second;
    INFO("version ", static_cast<int>(v), " sender ", static_cast<int>(s));
    bytes stream;
    std::vector<packet> expected;
    for (const bytes* b : members) {
      stream.insert(stream.end(), b->begin(), b->end());
      expected.push_back(decode_one(*b, v, s));
    }
    {
      // One chunk: feed() stops at each packet boundary.
      decoder d = ready_decoder(v, s, packet_type::publish);
      std::span<const std::uint8_t> chunk(stream);
      for (std::size_t i = 0; i < members.size(); ++i) {
        const decode_result r = d.feed(chunk);
        REQUIRE(r.status == decode_status::packet_ready);
        CHECK(r.consumed == members[i]->size());
        CHECK(d.buffered() == 0);  // whole packets are parsed in place
        CHECK(d.take() == expected[i]);
        chunk = chunk.subspan(r.consumed);
      }
      CHECK(chunk.empty());
    }
    for (int round = 0; round < 50; ++round) {
      std::vector<std::size_t> cuts;
      std::uniform_int_distribution<std::size_t> step(1, 40);
      for (std::size_t at = step(rng); at < stream.size(); at += step(rng)) cuts.push_back(at);
      decoder d = ready_decoder(v, s, packet_type::publish);
      CHECK(feed_all(d, stream, cuts) == expected);
    }
  }
}

TEST_CASE("partial packets are buffered, whole ones are not") {
  const bytes p = frame(0x30, cat({str("t"), str_bytes("payload")}));
  decoder d(decoder::role::client);
  CHECK(d.buffered() == 0);
  CHECK(d.feed(std::span(p).first(1)).status == decode_status::need_more);
  CHECK(d.buffered() == 0);  // the fixed header is not buffered
  CHECK(d.feed(std::span(p).subspan(1, 1)).status == decode_status::need_more);
  CHECK(d.buffered() == 0);
  CHECK(d.feed(std::span(p).subspan(2, 3)).status == decode_status::need_more);
  CHECK(d.buffered() == 3);
  CHECK(d.feed(std::span(p).subspan(5)).status == decode_status::packet_ready);
  CHECK(d.buffered() == 0);
  CHECK(std::get<publish_packet>(d.take()).payload == "payload");
}

TEST_CASE("feed() of nothing needs more") {
  decoder d(decoder::role::server);
  const decode_result r = d.feed({});
  CHECK(r.status == decode_status::need_more);
  CHECK(r.consumed == 0);
}

TEST_CASE("a packet with remaining length 0 needs only its header") {
  decoder d(decoder::role::client);
  const bytes ping{0xD0, 0x00};
  CHECK(d.feed(std::span(ping).first(1)).status == decode_status::need_more);
  const decode_result r = d.feed(std::span(ping).subspan(1));
  CHECK(r.status == decode_status::packet_ready);
  CHECK(r.consumed == 1);
  CHECK(std::holds_alternative<pingresp_packet>(d.take()));
}

TEST_CASE("errors are sticky") {
  decoder d(decoder::role::client);
  const bytes bad{0x00, 0x00};
  const decode_result r = d.feed(bad);
  CHECK(r.status == decode_status::error);
  CHECK(r.error == errc::reserved_packet_type);
  CHECK(r.consumed == 1);
  const bytes good{0xD0, 0x00};
  const decode_result again = d.feed(good);
  CHECK(again.status == decode_status::error);
  CHECK(again.error == errc::reserved_packet_type);
  CHECK(again.consumed == 0);
}

TEST_CASE("a server expects CONNECT first, judged from the first byte") {
  for (const std::uint8_t first : {0x30, 0x82, 0xC0, 0xE0, 0xF0, 0x40}) {
    decoder d(decoder::role::server);
    const bytes b{first};
    const decode_result r = d.feed(b);
    CHECK(r.status == decode_status::error);
    CHECK(r.error == errc::expected_connect);
    CHECK(r.consumed == 1);
  }
  decoder d(decoder::role::server);
  const bytes zero{0x00};
  CHECK(d.feed(zero).error == errc::reserved_packet_type);
}

TEST_CASE("a second CONNECT is a protocol error") {
  decoder d(decoder::role::server);
  const bytes c = connect_bytes(version::v5);
  REQUIRE(d.feed(c).status == decode_status::packet_ready);
  d.take();
  const decode_result r = d.feed(std::span(c).first(1));
  CHECK(r.status == decode_status::error);
  CHECK(r.error == errc::protocol_error);
}

TEST_CASE("an unsupported level is reported as soon as the level byte arrives") {
  // CONNECT announcing 100 body bytes; only the name and the level follow.
  const bytes head = cat({{0x10, 100}, str("MQTT"), {0x07}});
  {
    decoder d(decoder::role::server);
    const decode_result r = d.feed(head);
    CHECK(r.status == decode_status::error);
    CHECK(r.error == errc::unsupported_protocol_version);
    CHECK(r.consumed == head.size());
  }
  {
    decoder d(decoder::role::server);
    for (std::size_t i = 0; i + 1 < head.size(); ++i) {
      REQUIRE(d.feed(std::span(head).subspan(i, 1)).status == decode_status::need_more);
    }
    const decode_result r = d.feed(std::span(head).last(1));
    CHECK(r.status == decode_status::error);
    CHECK(r.error == errc::unsupported_protocol_version);
  }
  {
    // A wrong protocol name is known from its length already.
    decoder d(decoder::role::server);
    const bytes name_len{0x10, 100, 0x00, 0x05};
    CHECK(d.feed(name_len).error == errc::invalid_protocol_name);
  }
  {
    decoder d(decoder::role::server);
    const bytes name = cat({{0x10, 100}, str("MQTX")});
    CHECK(d.feed(name).error == errc::invalid_protocol_name);
  }
}

TEST_CASE("a client decoder uses the version it is given") {
  const bytes connack3{0x20, 0x02, 0x00, 0x00};
  decoder d(decoder::role::client, {}, version::v5);
  CHECK(d.protocol_version() == version::v5);
  CHECK(d.feed(connack3).error == errc::malformed_packet);  // 5.0 needs properties
  decoder e(decoder::role::client, {}, version::v5);
  e.set_version(version::v3_1_1);
  CHECK(e.feed(connack3).status == decode_status::packet_ready);
}

}  // namespace
}  // namespace pummelo::protocol::test
