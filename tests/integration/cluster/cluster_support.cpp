#include "cluster_support.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <stdexcept>

namespace pummelo::test {

strings sorted(strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

connect_opts user_opts(const std::string& user) {
  connect_opts o;
  o.username = user;
  return o;
}

std::unique_ptr<mqtt_client> connect_to(const cluster_process& c, const std::string& server,
                                        const std::string& client_id, int version,
                                        const connect_opts& o) {
  auto cl = std::make_unique<mqtt_client>(c.uri(server), client_id, version);
  cl->connect(o);
  return cl;
}

void expect_silence(const std::vector<mqtt_client*>& clients, ms d) {
  std::this_thread::sleep_for(d);
  for (auto* cl : clients) {
    INFO("client ", cl->client_id(), " got an unexpected message");
    CHECK(cl->queued() == 0);
  }
}

void expect_exactly_one(const std::vector<mqtt_client*>& clients, const std::string& topic,
                        const std::string& payload, int qos, ms settle) {
  for (auto* cl : clients) {
    INFO("client ", cl->client_id(), " (MQTT ", version_name(cl->version()), ")");
    auto m = cl->wait_message(5s);
    REQUIRE_MESSAGE(m, "no message on ", topic);
    CHECK((*m)->get_topic() == topic);
    CHECK((*m)->get_payload_str() == payload);
    CHECK((*m)->get_qos() == qos);
  }
  expect_silence(clients, settle);
}

void wait_uids_bound(push_requester& req, const strings& uids,
                     const std::vector<mqtt_client*>& devices, ms timeout) {
  const std::string probe = "probe/bound";
  std::string payload;
  std::optional<push_reply> last;
  int attempt = 0;
  const bool bound = poll_until(
      [&] {
        payload = "probe-" + std::to_string(attempt++);
        last = req.request("$push/uids", uids_request(uids, probe, payload));
        return last && last->ok && last->failed_uids.empty();
      },
      timeout, 50ms);
  INFO("last probe reply: ", last ? last->raw : std::string("none"));
  REQUIRE_MESSAGE(bound, "uids not all reachable by push within the timeout");
  for (auto* d : devices) {
    INFO("device ", d->client_id(), " waiting for probe ", payload);
    bool got = false;
    while (auto m = d->wait_message(3s)) {
      if ((*m)->get_topic() != probe) {
        FAIL_CHECK("unexpected message on " << (*m)->get_topic());
        continue;
      }
      if ((*m)->get_payload_str() == payload) {
        got = true;
        break;
      }
    }
    CHECK(got);
  }
}

void check_clean_stop(cluster_process& c) {
  for (const auto& [id, status] : c.stop()) {
    INFO(id, " did not exit 0 on SIGTERM; log tail:\n", c.log_tail(id));
    CHECK(status == 0);
  }
}

// ---------------------------------------------------------------- push API

// -------------------------------------------------------------------- gate

gate_reply parse_gate_reply(const std::string& payload) {
  gate_reply r;
  r.raw = payload;
  rapidjson::Document d;
  d.Parse(payload.data(), payload.size());
  if (d.HasParseError() || !d.IsObject()) return r;
  r.parsed = true;
  if (auto it = d.FindMember("ok"); it != d.MemberEnd() && it->value.IsBool())
    r.ok = it->value.GetBool();
  if (auto it = d.FindMember("frontend"); it != d.MemberEnd() && it->value.IsString())
    r.frontend = it->value.GetString();
  if (auto it = d.FindMember("host"); it != d.MemberEnd() && it->value.IsString())
    r.host = it->value.GetString();
  if (auto it = d.FindMember("port"); it != d.MemberEnd() && it->value.IsInt64())
    r.port = it->value.GetInt64();
  if (auto it = d.FindMember("error"); it != d.MemberEnd() && it->value.IsString())
    r.error = it->value.GetString();
  return r;
}

gate_client::gate_client(const std::string& uri, int version)
    : client_(uri, unique_id("gate-cli"), version), reply_topic_("gate-reply/" + unique_id("r")) {
  client_.connect();
  client_.subscribe(reply_topic_, 0);
}

std::optional<gate_reply> gate_client::request(const std::string& json, int qos, ms timeout) {
  correlation_ = unique_id("gc");
  if (client_.version() >= mqtt_v5) {
    using prop = mqtt::property;
    client_.publish("$gate/lookup", json, qos, false,
                    props_with({prop(prop::RESPONSE_TOPIC, reply_topic_),
                                prop(prop::CORRELATION_DATA, correlation_)}));
  } else {
    client_.publish("$gate/lookup", with_reply_to(json, reply_topic_), qos);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    if (left <= ms(0)) return std::nullopt;
    auto m = client_.wait_message(left);
    if (!m) return std::nullopt;
    if ((*m)->get_topic() != reply_topic_) continue;
    std::optional<std::string> corr;
    if (client_.version() >= mqtt_v5) {
      corr = string_prop((*m)->get_properties(), mqtt::property::CORRELATION_DATA);
      if (corr && *corr != correlation_) continue;  // answers an earlier request
    }
    gate_reply r = parse_gate_reply((*m)->get_payload_str());
    r.correlation = corr;
    return r;
  }
}

std::optional<gate_reply> gate_client::lookup(const std::string& uid, int qos, ms timeout) {
  return request("{\"uid\":" + jstr(uid) + "}", qos, timeout);
}

// --------------------------------------------------------------------- $SYS

sys_reader::sys_reader(const std::string& uri, const std::string& topic)
    : client_(uri, unique_id("sys-reader"), mqtt_v311), topic_(topic) {
  client_.connect();
  client_.subscribe(topic_, 0);
}

std::optional<std::string> sys_reader::first(ms timeout) {
  return wait_for([](const std::string&) { return true; }, timeout);
}

std::optional<std::string> sys_reader::latest(ms d) {
  for (auto& m : drain(client_, d))
    if (m->get_topic() == topic_) last_ = m->get_payload_str();
  return last_;
}

std::optional<std::int64_t> to_int(const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  std::size_t pos = 0;
  try {
    const long long v = std::stoll(*s, &pos);
    if (pos != s->size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// --------------------------------------------------------------- raw MQTT

namespace {

// Reads a variable byte integer at `i`; false when it runs past the end.
bool get_varint(const bytes& b, std::size_t& i, std::uint32_t& v) {
  v = 0;
  for (int shift = 0; shift < 28; shift += 7) {
    if (i >= b.size()) return false;
    const std::uint8_t x = b[i++];
    v |= static_cast<std::uint32_t>(x & 0x7F) << shift;
    if ((x & 0x80) == 0) return true;
  }
  return false;
}

bool get_u16(const bytes& b, std::size_t& i, std::uint16_t& v) {
  if (i + 2 > b.size()) return false;
  v = static_cast<std::uint16_t>((b[i] << 8) | b[i + 1]);
  i += 2;
  return true;
}

// Skips the fixed header; returns the index of the variable header.
std::size_t body_start(const bytes& pkt) {
  std::size_t i = 1;
  std::uint32_t len = 0;
  get_varint(pkt, i, len);
  return i;
}

// Walks v5 properties in [i, end); calls fn(id, string value) for string
// properties. False on a malformed or unknown property.
template <class Fn>
bool walk_properties(const bytes& b, std::size_t i, std::size_t end, Fn fn) {
  while (i < end) {
    const std::uint8_t id = b[i++];
    switch (id) {
      case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
        i += 1;
        break;
      case 0x13: case 0x21: case 0x22: case 0x23:
        i += 2;
        break;
      case 0x02: case 0x11: case 0x18: case 0x27:
        i += 4;
        break;
      case 0x0B: {
        std::uint32_t v = 0;
        if (!get_varint(b, i, v)) return false;
        break;
      }
      case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1A: case 0x1C:
      case 0x1F: {
        std::uint16_t n = 0;
        if (!get_u16(b, i, n) || i + n > end) return false;
        fn(id, std::string(b.begin() + static_cast<std::ptrdiff_t>(i),
                           b.begin() + static_cast<std::ptrdiff_t>(i + n)));
        i += n;
        break;
      }
      case 0x26:
        for (int k = 0; k < 2; ++k) {
          std::uint16_t n = 0;
          if (!get_u16(b, i, n)) return false;
          i += n;
        }
        break;
      default:
        return false;
    }
    if (i > end) return false;
  }
  return true;
}

}  // namespace

raw_mqtt::raw_mqtt(std::uint16_t port) : tcp_(port) {}

raw_connack raw_mqtt::connect(int version, const std::string& client_id,
                              const std::optional<std::string>& username, ms timeout) {
  version_ = version;
  bytes body;
  put_str(body, "MQTT");
  put_u8(body, static_cast<std::uint8_t>(version));
  put_u8(body, static_cast<std::uint8_t>(0x02 | (username ? 0x80 : 0x00)));  // clean
  put_u16(body, 60);
  if (version >= mqtt_v5) put_varint(body, 0);  // no properties
  put_str(body, client_id);
  if (username) put_str(body, *username);
  tcp_.send(frame(0x10, body));

  raw_connack out;
  auto pkt = tcp_.recv_packet(timeout);
  if (!pkt || pkt->empty() || (*pkt)[0] != 0x20) return out;
  std::size_t i = body_start(*pkt);
  if (i + 2 > pkt->size()) return out;
  out.session_present = ((*pkt)[i] & 0x01) != 0;
  out.reason = (*pkt)[i + 1];
  i += 2;
  if (version >= mqtt_v5 && i < pkt->size()) {
    std::uint32_t plen = 0;
    if (get_varint(*pkt, i, plen) && i + plen <= pkt->size()) {
      walk_properties(*pkt, i, i + plen, [&](std::uint8_t id, const std::string& v) {
        if (id == 0x1C) out.server_reference = v;
      });
    }
  }
  if (out.reason != 0) out.closed_after = tcp_.wait_closed(2s);
  return out;
}

std::optional<int> raw_mqtt::publish_qos1(const std::string& topic, const std::string& payload,
                                          ms timeout) {
  const std::uint16_t id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  bytes body;
  put_str(body, topic);
  put_u16(body, id);
  if (version_ >= mqtt_v5) put_varint(body, 0);
  body.insert(body.end(), payload.begin(), payload.end());
  tcp_.send(frame(0x32, body));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    if (left <= ms(0)) return std::nullopt;
    auto pkt = tcp_.recv_packet(left);
    if (!pkt || pkt->empty()) return std::nullopt;
    if (((*pkt)[0] & 0xF0) == 0xE0) {  // DISCONNECT
      closed_ = true;
      return std::nullopt;
    }
    if ((*pkt)[0] != 0x40) continue;
    std::size_t i = body_start(*pkt);
    std::uint16_t got = 0;
    if (!get_u16(*pkt, i, got) || got != id) continue;
    return i < pkt->size() ? static_cast<int>((*pkt)[i]) : 0;
  }
}

void raw_mqtt::publish_qos0(const std::string& topic, const std::string& payload) {
  bytes body;
  put_str(body, topic);
  if (version_ >= mqtt_v5) put_varint(body, 0);
  body.insert(body.end(), payload.begin(), payload.end());
  tcp_.send(frame(0x30, body));
}

}  // namespace pummelo::test
