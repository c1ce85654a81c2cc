// libFuzzer target for the MQTT decoder.
//
// Input: one control byte, then the bytes of an MQTT stream.
//   bits 0-5: chunking. 0 feeds the stream whole; n > 0 feeds it in chunks of
//             1..n bytes drawn from a generator seeded with the control byte.
//   bits 6-7: 2 adds a client-role 3.1.1 decoder, 3 a client-role 3.1 one.
// The stream always goes through a server-role decoder (CONNECT first) and a
// client-role 5.0 decoder. Every packet decoded is re-encoded; decoding the
// re-encoding must give an equal packet, else abort().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "pummelo/protocol/decoder.hpp"
#include "pummelo/protocol/encoder.hpp"

namespace {

using namespace pummelo::protocol;

// Smaller than the defaults so that inputs of a few kilobytes reach them.
limits fuzz_limits() {
  limits lim;
  lim.max_packet_size = 64 * 1024;
  lim.max_connect_packet_size = 16 * 1024;
  lim.max_properties_size = 4 * 1024;
  lim.max_user_properties = 8;
  lim.max_subscriptions_per_packet = 8;
  lim.max_topic_length = 256;
  lim.max_topic_levels = 16;
  return lim;
}

void check(bool ok) {
  if (!ok) std::abort();
}

void check_round_trip(const packet& p, version v, const limits& lim) {
  std::vector<std::uint8_t> buf;
  encode_append(p, v, buf);
  check(buf.size() == encoded_size(p, v));
  std::vector<std::uint8_t> exact(buf.size());
  check(encode(p, v, exact) == buf.size());
  check(exact == buf);

  // Fixed header of the re-encoding.
  std::size_t pos = 1;
  std::uint32_t body = 0;
  for (std::uint32_t shift = 0;; shift += 7) {
    check(pos < buf.size() && shift < 28);
    const std::uint8_t b = buf[pos++];
    body |= std::uint32_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) break;
  }
  check(pos + body == buf.size());

  packet again;
  check(decode_packet(buf[0], std::span(buf).subspan(pos), v, lim, again) == errc::ok);
  check(again == p);

  if (const auto* pub = std::get_if<publish_packet>(&p)) {
    const publish_layout l = layout_of(*pub, v);
    check(l.size == buf.size());
    check(l.payload_offset + pub->payload.size() == buf.size());
    if (pub->qos > 0) {
      check(l.packet_id_offset + 2 <= l.payload_offset);
      check(buf[l.packet_id_offset] == (pub->packet_id >> 8));
      check(buf[l.packet_id_offset + 1] == (pub->packet_id & 0xFF));
    } else {
      check(l.packet_id_offset == 0);
    }
  }
}

void run(decoder d, std::span<const std::uint8_t> data, std::uint8_t control) {
  const unsigned max_chunk = control & 0x3F;
  std::uint32_t state = control;
  while (!data.empty()) {
    std::size_t n = data.size();
    if (max_chunk != 0) {
      state = state * 1103515245u + 12345u;
      n = std::min<std::size_t>(n, 1 + (state >> 16) % max_chunk);
    }
    std::span<const std::uint8_t> chunk = data.first(n);
    while (!chunk.empty()) {
      const decode_result r = d.feed(chunk);
      check(r.consumed <= chunk.size());
      chunk = chunk.subspan(r.consumed);
      data = data.subspan(r.consumed);
      if (r.status == decode_status::error) {
        check(r.error != errc::ok);
        // Errors are sticky.
        const decode_result again = d.feed(data);
        check(again.status == decode_status::error && again.error == r.error &&
              again.consumed == 0);
        return;
      }
      check(r.error == errc::ok);
      check(d.buffered() <= d.current_limits().max_packet_size);
      if (r.status == decode_status::packet_ready) {
        const version v = d.protocol_version();
        const packet p = d.take();
        check_round_trip(p, v, d.current_limits());
      } else {
        check(chunk.empty());  // need_more only once the chunk is used up
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = data[0];
  const std::span<const std::uint8_t> stream(data + 1, size - 1);
  const limits lim = fuzz_limits();
  run(decoder(decoder::role::server, lim), stream, control);
  run(decoder(decoder::role::client, lim, version::v5), stream, control);
  if ((control >> 6) == 2) run(decoder(decoder::role::client, lim, version::v3_1_1), stream, control);
  if ((control >> 6) == 3) run(decoder(decoder::role::client, lim, version::v3_1), stream, control);
  return 0;
}
