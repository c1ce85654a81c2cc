#include "cluster/wire.hpp"

namespace pummelo::broker::cluster {
namespace {
using protocol::rpc::body_reader;
using protocol::rpc::body_writer;
using protocol::rpc::rpc_errc;

// message flags
constexpr std::uint8_t f_retain = 1;
constexpr std::uint8_t f_format = 2;
constexpr std::uint8_t f_expiry = 4;
constexpr std::uint8_t f_content_type = 8;
constexpr std::uint8_t f_response_topic = 16;
constexpr std::uint8_t f_correlation = 32;

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

void write_message(body_writer& w, const message& m) {
  const auto& p = m.props;
  std::uint8_t flags = 0;
  if (m.retain) flags |= f_retain;
  if (p.payload_format_indicator) flags |= f_format;
  if (m.expires_at) flags |= f_expiry;
  if (p.content_type) flags |= f_content_type;
  if (p.response_topic) flags |= f_response_topic;
  if (p.correlation_data) flags |= f_correlation;
  w.string(m.topic)
      .blob(as_bytes(m.payload))
      .u8(m.qos)
      .u8(flags)
      .u16(m.origin_frontend)
      .u64(m.origin);
  if (p.payload_format_indicator) w.u8(*p.payload_format_indicator);
  // The time left, as the expiry property would carry it on: clocks differ
  // between processes.
  if (m.expires_at) w.u32(m.remaining_expiry_s(clock::now()));
  if (p.content_type) w.string(*p.content_type);
  if (p.response_topic) w.string(*p.response_topic);
  if (p.correlation_data) w.blob(as_bytes(*p.correlation_data));
  w.u32(static_cast<std::uint32_t>(p.user_properties.size()));
  for (const auto& [k, v] : p.user_properties) w.string(k).string(v);
}

std::shared_ptr<message> read_message(body_reader& r) {
  auto m = std::make_shared<message>();
  m->topic = r.string();
  auto payload = r.blob();
  m->payload.assign(payload.begin(), payload.end());
  m->qos = r.u8();
  auto flags = r.u8();
  m->origin_frontend = r.u16();
  m->origin = r.u64();
  auto& p = m->props;
  m->retain = flags & f_retain;
  if (flags & f_format) p.payload_format_indicator = r.u8();
  if (flags & f_expiry) {
    auto s = r.u32();
    p.message_expiry_interval = s;
    m->expires_at = clock::now() + std::chrono::seconds(s);
  }
  if (flags & f_content_type) p.content_type = r.string();
  if (flags & f_response_topic) p.response_topic = r.string();
  if (flags & f_correlation) {
    auto b = r.blob();
    p.correlation_data = std::string(b.begin(), b.end());
  }
  auto n = r.count(max_user_properties, 8);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto key = r.string();
    p.user_properties.emplace_back(std::move(key), r.string());
  }
  if (r.failed() || m->qos > 2) return nullptr;
  return m;
}

void write_ops(std::vector<std::uint8_t>& out, std::span<const sync_op> ops) {
  body_writer w(out);
  w.u32(static_cast<std::uint32_t>(ops.size()));
  for (const auto& op : ops)
    w.u8(static_cast<std::uint8_t>(op.kind)).string(op.key).string(op.member);
}

std::optional<std::vector<sync_op>> read_ops(std::span<const std::uint8_t> body) {
  body_reader r(body);
  auto n = r.count(max_ops_per_frame, 9);
  std::vector<sync_op> ops;
  ops.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto kind = r.u8();
    if (kind > static_cast<std::uint8_t>(op_kind::reclaim)) return std::nullopt;
    sync_op op{static_cast<op_kind>(kind), r.string(), r.string()};
    ops.push_back(std::move(op));
  }
  if (r.finish() != rpc_errc::ok) return std::nullopt;
  return ops;
}

void write_push_call(std::vector<std::uint8_t>& out, push_mode mode, const message& m,
                     const std::vector<std::string>& uids) {
  body_writer w(out);
  w.u8(static_cast<std::uint8_t>(mode));
  write_message(w, m);
  w.string_list(uids);
}

std::optional<push_call> read_push_call(std::span<const std::uint8_t> body) {
  body_reader r(body);
  auto mode = r.u8();
  auto msg = read_message(r);
  auto uids = r.string_list(max_uids_per_frame);
  if (!msg || mode > static_cast<std::uint8_t>(push_mode::broadcast_bound) ||
      r.finish() != rpc_errc::ok)
    return std::nullopt;
  return push_call{static_cast<push_mode>(mode), std::move(msg), std::move(uids)};
}

void write_push_reply(std::vector<std::uint8_t>& out, const push_reply& r) {
  body_writer(out).u64(r.sessions).u32(r.unreachable_frontends).string_list(r.failed);
}

std::optional<push_reply> read_push_reply(std::span<const std::uint8_t> body) {
  body_reader r(body);
  push_reply out;
  out.sessions = r.u64();
  out.unreachable_frontends = r.u32();
  out.failed = r.string_list(max_uids_per_frame);
  if (r.finish() != rpc_errc::ok) return std::nullopt;
  return out;
}

}  // namespace pummelo::broker::cluster
