#include "publish_encoding.hpp"

#include <cstring>

namespace pummelo::broker {

encoded_publish encode_publish(const message& m, const publish_form& form, clock::time_point now) {
  protocol::publish_packet p;
  p.dup = form.dup;
  p.qos = form.qos;
  p.retain = form.retain;
  p.topic = m.topic;
  p.packet_id = form.qos > 0 ? 1 : 0;  // placeholder, patched per subscriber
  p.payload = m.payload;
  if (form.version == protocol::version::v5) {
    p.props = m.props;
    if (m.expires_at) p.props.message_expiry_interval = m.remaining_expiry_s(now);
    if (form.subscription_ids) p.props.subscription_identifiers = *form.subscription_ids;
  }
  auto bytes = std::make_shared<byte_buffer>();
  encoded_publish e;
  e.layout = protocol::layout_of(p, form.version);
  bytes->resize(e.layout.size);
  protocol::encode(protocol::packet{std::move(p)}, form.version, *bytes);
  e.bytes = std::move(bytes);
  return e;
}

out_chunk make_publish_chunk(const encoded_publish& e, std::uint8_t qos, std::uint16_t packet_id) {
  out_chunk c;
  if (qos == 0) {
    c.shared = e.bytes;
    c.shared_length = e.bytes->size();
    return c;
  }
  const auto& b = *e.bytes;
  c.owned.assign(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(e.layout.payload_offset));
  c.owned[e.layout.packet_id_offset] = static_cast<std::uint8_t>(packet_id >> 8);
  c.owned[e.layout.packet_id_offset + 1] = static_cast<std::uint8_t>(packet_id & 0xFF);
  c.shared = e.bytes;
  c.shared_offset = e.layout.payload_offset;
  c.shared_length = b.size() - e.layout.payload_offset;
  return c;
}

const encoded_publish& publish_cache::get(const message_ptr& m, const publish_form& form) {
  if (form.subscription_ids && !form.subscription_ids->empty()) {
    uncached_ = encode_publish(*m, form, now_);
    return uncached_;
  }
  if (m != current_) {
    for (auto& slot : slots_) slot.reset();
    current_ = m;
  }
  std::size_t index = (form.version == protocol::version::v5 ? 12 : 0) + form.qos * 4 +
                      (form.retain ? 2 : 0) + (form.dup ? 1 : 0);
  auto& slot = slots_[index];
  if (!slot) slot = encode_publish(*m, form, now_);
  return *slot;
}

}  // namespace pummelo::broker
