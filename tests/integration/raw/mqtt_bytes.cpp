#include "mqtt_bytes.hpp"

#include <cstdio>

namespace pummelo::test::raw {

writer& writer::u8(std::uint8_t v) {
  out.push_back(v);
  return *this;
}
writer& writer::u16(std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
  return *this;
}
writer& writer::u32(std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>((v >> s) & 0xFF));
  return *this;
}
writer& writer::varint(std::uint32_t v) {
  do {
    std::uint8_t b = v & 0x7F;
    v >>= 7;
    if (v != 0) b |= 0x80;
    out.push_back(b);
  } while (v != 0);
  return *this;
}
writer& writer::str(std::string_view s) {
  u16(static_cast<std::uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
  return *this;
}
writer& writer::raw(const bytes& b) {
  out.insert(out.end(), b.begin(), b.end());
  return *this;
}

bytes frame(std::uint8_t type, std::uint8_t flags, const bytes& body) {
  writer w;
  w.u8(static_cast<std::uint8_t>((type << 4) | (flags & 0x0F)));
  w.varint(static_cast<std::uint32_t>(body.size()));
  w.raw(body);
  return w.out;
}

namespace {

void put_props(writer& w, const bytes& props) {
  w.varint(static_cast<std::uint32_t>(props.size()));
  w.raw(props);
}

}  // namespace

bytes make_connect(const connect_options& o) {
  writer w;
  w.str(o.protocol_name).u8(o.version);
  std::uint8_t flags = o.clean ? 0x02 : 0x00;
  if (o.will) {
    flags |= 0x04;
    flags |= static_cast<std::uint8_t>((o.will->qos & 0x03) << 3);
    if (o.will->retain) flags |= 0x20;
  }
  if (o.username) flags |= 0x80;
  if (o.password) flags |= 0x40;
  w.u8(flags).u16(o.keepalive);
  if (o.version == v5) {
    writer p;
    if (o.session_expiry) p.u8(0x11).u32(*o.session_expiry);
    if (o.receive_maximum) p.u8(0x21).u16(*o.receive_maximum);
    if (o.maximum_packet_size) p.u8(0x27).u32(*o.maximum_packet_size);
    if (o.topic_alias_maximum) p.u8(0x22).u16(*o.topic_alias_maximum);
    p.raw(o.extra_properties);
    put_props(w, p.out);
  }
  w.str(o.client_id);
  if (o.will) {
    if (o.version == v5) w.varint(0);  // empty will properties
    w.str(o.will->topic).str(o.will->payload);
  }
  if (o.username) w.str(*o.username);
  if (o.password) w.str(*o.password);
  return frame(ptype::connect, 0, w.out);
}

publish_options pub(std::string topic, std::string payload, std::uint8_t qos, std::uint16_t packet_id) {
  publish_options o;
  o.topic = std::move(topic);
  o.payload = std::move(payload);
  o.qos = qos;
  o.packet_id = packet_id;
  return o;
}

bytes make_publish(std::uint8_t version, const publish_options& o) {
  writer w;
  w.str(o.topic);
  if (o.qos > 0) w.u16(o.packet_id);
  if (version == v5) {
    writer p;
    if (o.topic_alias) p.u8(0x23).u16(*o.topic_alias);
    put_props(w, p.out);
  }
  w.out.insert(w.out.end(), o.payload.begin(), o.payload.end());
  const auto flags = static_cast<std::uint8_t>((o.dup ? 0x08 : 0) | ((o.qos & 0x03) << 1) | (o.retain ? 1 : 0));
  return frame(ptype::publish, flags, w.out);
}

bytes make_subscribe(std::uint8_t version, std::uint16_t packet_id,
                     const std::vector<std::pair<std::string, std::uint8_t>>& filters) {
  writer w;
  w.u16(packet_id);
  if (version == v5) w.varint(0);
  for (const auto& [filter, options] : filters) w.str(filter).u8(options);
  return frame(ptype::subscribe, 0x02, w.out);
}

bytes make_ack(std::uint8_t type, std::uint16_t packet_id) {
  writer w;
  w.u16(packet_id);
  return frame(type, type == ptype::pubrel ? 0x02 : 0x00, w.out);
}

bytes make_pingreq() { return frame(ptype::pingreq, 0, {}); }

bytes make_disconnect(std::uint8_t version, std::uint8_t reason) {
  if (version != v5 || reason == 0) return frame(ptype::disconnect, 0, {});
  return frame(ptype::disconnect, 0, bytes{reason, 0});
}

std::uint8_t reader::u8() {
  if (pos + 1 > b.size()) {
    ok = false;
    return 0;
  }
  return b[pos++];
}
std::uint16_t reader::u16() {
  const std::uint16_t hi = u8();
  const std::uint16_t lo = u8();
  return static_cast<std::uint16_t>((hi << 8) | lo);
}
std::uint32_t reader::u32() {
  const std::uint32_t hi = u16();
  return (hi << 16) | u16();
}
std::uint32_t reader::varint() {
  std::uint32_t v = 0;
  for (int shift = 0; shift <= 21; shift += 7) {
    const std::uint8_t byte = u8();
    v |= static_cast<std::uint32_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  ok = false;
  return 0;
}
std::string reader::str() {
  const std::size_t n = u16();
  if (!ok || pos + n > b.size()) {
    ok = false;
    return {};
  }
  std::string s(b.begin() + static_cast<std::ptrdiff_t>(pos), b.begin() + static_cast<std::ptrdiff_t>(pos + n));
  pos += n;
  return s;
}

std::optional<properties> read_properties(reader& r) {
  const std::uint32_t length = r.varint();
  if (!r.ok || r.pos + length > r.b.size()) return std::nullopt;
  const std::size_t end = r.pos + length;
  properties out;
  while (r.ok && r.pos < end) {
    property p;
    p.id = r.u8();
    switch (p.id) {
      case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
        p.number = r.u8();
        break;
      case 0x13: case 0x21: case 0x22: case 0x23:
        p.number = r.u16();
        break;
      case 0x02: case 0x11: case 0x18: case 0x27:
        p.number = r.u32();
        break;
      case 0x0B:
        p.number = r.varint();
        break;
      case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1A: case 0x1C: case 0x1F:
        p.text = r.str();
        break;
      case 0x26:
        p.text = r.str();
        p.text2 = r.str();
        break;
      default:
        return std::nullopt;  // unknown property id: the packet is malformed
    }
    out.push_back(std::move(p));
  }
  if (!r.ok || r.pos != end) return std::nullopt;
  return out;
}

const property* find_property(const properties& ps, std::uint8_t id) {
  for (const auto& p : ps)
    if (p.id == id) return &p;
  return nullptr;
}

connack_info parse_connack(std::uint8_t version, const packet& p) {
  connack_info c;
  if (p.status != read_status::packet || p.type != ptype::connack || p.flags != 0) return c;
  reader r{p.body};
  const std::uint8_t ack_flags = r.u8();
  c.session_present = (ack_flags & 0x01) != 0;
  c.code = r.u8();
  bool ok = r.ok && (ack_flags & 0xFE) == 0;
  if (version == v5 && ok) {
    auto props = read_properties(r);
    ok = props.has_value();
    if (props) c.props = std::move(*props);
  }
  c.well_formed = ok && r.at_end();
  return c;
}

publish_info parse_publish(std::uint8_t version, const packet& p) {
  publish_info m;
  if (p.status != read_status::packet || p.type != ptype::publish) return m;
  m.dup = (p.flags & 0x08) != 0;
  m.qos = static_cast<std::uint8_t>((p.flags >> 1) & 0x03);
  m.retain = (p.flags & 0x01) != 0;
  reader r{p.body};
  m.topic = r.str();
  if (m.qos > 0) m.packet_id = r.u16();
  bool ok = r.ok && m.qos < 3;
  if (version == v5 && ok) {
    auto props = read_properties(r);
    ok = props.has_value();
    if (props) m.props = std::move(*props);
  }
  if (ok) m.payload.assign(p.body.begin() + static_cast<std::ptrdiff_t>(r.pos), p.body.end());
  m.well_formed = ok;
  return m;
}

std::uint16_t packet_id_of(const packet& p) {
  if (p.body.size() < 2) return 0;
  return static_cast<std::uint16_t>((p.body[0] << 8) | p.body[1]);
}

std::uint8_t disconnect_reason(const packet& p) { return p.body.empty() ? 0 : p.body[0]; }

std::string describe(const packet& p) {
  switch (p.status) {
    case read_status::closed: return "closed";
    case read_status::timeout: return "timeout";
    case read_status::packet: break;
  }
  std::string s = "type=" + std::to_string(p.type) + " flags=" + std::to_string(p.flags) + " body=[";
  for (std::size_t i = 0; i < p.body.size() && i < 16; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%02x", p.body[i]);
    s += (i ? " " : "") + std::string(hex);
  }
  if (p.body.size() > 16) s += " ...";
  return s + "]";
}

}  // namespace pummelo::test::raw
