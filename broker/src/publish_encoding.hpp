// Turns a routed message into PUBLISH bytes for one subscriber, encoding each
// distinct form once per delivery batch and sharing the bytes (see
// publish_cache). Only the packet id differs between QoS > 0 subscribers that
// share a form, so their chunk is a small patched header plus the shared body.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "message.hpp"
#include "pummelo/protocol/encoder.hpp"
#include "pummelo/protocol/types.hpp"
#include "write_queue.hpp"

namespace pummelo::broker {

/// What varies per subscriber in a PUBLISH.
struct publish_form {
  protocol::version version = protocol::version::v3_1_1;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  const std::vector<std::uint32_t>* subscription_ids = nullptr;  // v5 only
};

struct encoded_publish {
  shared_bytes bytes;
  protocol::publish_layout layout;
};

/// Encodes `m` in the given form (packet id 0, patched later).
encoded_publish encode_publish(const message& m, const publish_form& form, clock::time_point now);

/// Makes the chunk for one subscriber, patching `packet_id` when qos > 0.
out_chunk make_publish_chunk(const encoded_publish& e, std::uint8_t qos, std::uint16_t packet_id);

/// Caches the encodings of the message being delivered, for one batch on one
/// loop. Asking for another message starts over. Forms with subscription
/// identifiers are never cached: they differ per subscriber.
class publish_cache {
 public:
  explicit publish_cache(clock::time_point now) : now_(now) {}
  const encoded_publish& get(const message_ptr& m, const publish_form& form);
  clock::time_point now() const noexcept { return now_; }

 private:
  clock::time_point now_;
  message_ptr current_;  // held so that its address cannot be reused meanwhile
  // index: (is_v5, qos 0..2, retain, dup)
  std::array<std::optional<encoded_publish>, 24> slots_;
  encoded_publish uncached_;
};

}  // namespace pummelo::broker
