#include "push_request.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unordered_set>

#include "base64.hpp"
#include "pummelo/protocol/topic.hpp"
#include "pummelo/protocol/utf8.hpp"

namespace pummelo::broker {
namespace {

using rapidjson::Value;

constexpr std::string_view push_prefix = "$push/";
// Longest key echoed back in "unknown field" errors: the body may be large.
constexpr std::size_t max_echoed_key = 64;

struct field_error {
  std::string field;
  std::string error;
};
using check = std::optional<field_error>;

field_error fail(std::string_view field, std::string error) {
  return {std::string(field), std::move(error)};
}

std::string_view view_of(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// Length of the well-formed UTF-8 sequence starting `s` (non-empty), 0 if none.
std::size_t utf8_sequence_length(std::string_view s) noexcept {
  auto byte = [s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = byte(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return n;
}

// `s` with each byte that starts no well-formed UTF-8 sequence replaced by
// U+FFFD, so that a reply echoing client bytes stays valid JSON text.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    std::size_t n = utf8_sequence_length(s);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(s.substr(0, n));
    }
    s.remove_prefix(n);
  }
  return out;
}

bool valid_topic(std::string_view t, const push_limits& lim) noexcept {
  return protocol::validate_topic_name(t, lim.topic_limits) == protocol::errc::ok &&
         protocol::valid_mqtt_utf8(t);
}

// The members a request may have; which ones depends on the kind.
struct members {
  const Value* uids = nullptr;
  const Value* topic = nullptr;
  const Value* payload = nullptr;
  const Value* encoding = nullptr;
  const Value* qos = nullptr;
  const Value* bound_only = nullptr;
  const Value* reply_to = nullptr;
  bool reply_to_repeated = false;
};

const Value** slot_for(members& m, push_kind kind, std::string_view key) {
  if (key == "reply_to") return &m.reply_to;
  if (key == "uids" && kind != push_kind::broadcast) return &m.uids;
  if (kind == push_kind::kick) return nullptr;
  if (key == "topic") return &m.topic;
  if (key == "payload") return &m.payload;
  if (key == "encoding") return &m.encoding;
  if (key == "qos") return &m.qos;
  if (key == "bound_only" && kind == push_kind::broadcast) return &m.bound_only;
  return nullptr;
}

// Sorts the object's members into `m`. Returns the first unknown or repeated
// key (repeats are ambiguous: parsers disagree on which one wins), but reads
// them all, so that a reply_to after a bad key is still found.
check collect(const Value& obj, push_kind kind, members& m) {
  check first;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    std::string_view key = view_of(it->name);
    const Value** slot = slot_for(m, kind, key);
    if (slot && !*slot) {
      *slot = &it->value;
      continue;
    }
    if (slot == &m.reply_to) m.reply_to_repeated = true;
    if (first) continue;
    std::string name = valid_utf8(key.substr(0, max_echoed_key));
    std::string what = slot ? "duplicate field '" : "unknown field '";
    first = fail(name, what + name + "'");
  }
  return first;
}

check read_uids(const Value* v, const push_limits& lim, std::vector<std::string>& out) {
  static constexpr std::string_view shape =
      "field 'uids' must be a non-empty array of non-empty strings";
  if (!v) return fail("uids", "field 'uids' is required");
  if (!v->IsArray() || v->Empty()) return fail("uids", std::string(shape));
  if (v->Size() > lim.max_uids)
    return fail("uids", "field 'uids' has " + std::to_string(v->Size()) +
                            " entries, more than the limit of " + std::to_string(lim.max_uids));
  std::unordered_set<std::string_view> seen;
  seen.reserve(v->Size());
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const Value& e = (*v)[i];
    auto where = [i] { return " (entry " + std::to_string(i) + ")"; };
    if (!e.IsString() || e.GetStringLength() == 0)
      return fail("uids", std::string(shape) + where());
    std::string_view uid = view_of(e);
    if (!protocol::valid_mqtt_utf8(uid))
      return fail("uids", "field 'uids' entries must be valid UTF-8 without U+0000" + where());
    if (seen.insert(uid).second) out.emplace_back(uid);
  }
  return std::nullopt;
}

check read_topic(const Value* v, const push_limits& lim, std::string& out) {
  if (!v) return fail("topic", "field 'topic' is required");
  if (!v->IsString()) return fail("topic", "field 'topic' must be a string");
  std::string_view t = view_of(*v);
  if (!valid_topic(t, lim))
    return fail("topic", "field 'topic' must be a valid topic name without wildcards");
  // Pushes may not impersonate broker topics such as $SYS or $push.
  if (t.front() == '$') return fail("topic", "field 'topic' must not start with '$'");
  out = t;
  return std::nullopt;
}

check read_payload(const Value* payload, const Value* encoding, const push_limits& lim,
                   std::string& out) {
  bool base64 = false;
  if (encoding) {
    std::string_view e = encoding->IsString() ? view_of(*encoding) : std::string_view("?");
    if (e == "base64")
      base64 = true;
    else if (e != "utf8")
      return fail("encoding", "field 'encoding' must be \"utf8\" or \"base64\"");
  }
  if (!payload) return fail("payload", "field 'payload' is required");
  if (!payload->IsString()) return fail("payload", "field 'payload' must be a string");
  std::string_view text = view_of(*payload);
  auto too_large = [&lim] {
    return fail("payload", "field 'payload' is larger than the limit of " +
                               std::to_string(lim.max_payload) + " bytes");
  };
  if (base64) {
    // Decodes to at least size / 4 * 3 - 2 bytes: refuse huge ones undecoded.
    std::size_t at_least = text.size() / 4 * 3;
    if ((at_least > 2 ? at_least - 2 : 0) > lim.max_payload) return too_large();
    auto decoded = base64_decode(text);
    if (!decoded)
      return fail("payload",
                  "field 'payload' is not valid base64 (standard alphabet, '=' padding)");
    out = std::move(*decoded);
  } else {
    if (text.size() > lim.max_payload) return too_large();
    out = text;
  }
  if (out.size() > lim.max_payload) return too_large();
  return std::nullopt;
}

check read_qos(const Value* v, std::uint8_t& out) {
  if (!v) return std::nullopt;
  if (!v->IsInt() || (v->GetInt() != 0 && v->GetInt() != 1))
    return fail("qos", "field 'qos' must be 0 or 1");
  out = static_cast<std::uint8_t>(v->GetInt());
  return std::nullopt;
}

check read_bound_only(const Value* v, bool& out) {
  if (!v) return std::nullopt;
  if (!v->IsBool()) return fail("bound_only", "field 'bound_only' must be true or false");
  out = v->GetBool();
  return std::nullopt;
}

check read_reply_to(const Value* v, const push_limits& lim, std::optional<std::string>& out) {
  if (!v) return std::nullopt;
  if (!v->IsString() || !valid_topic(view_of(*v), lim))
    return fail("reply_to", "field 'reply_to' must be a valid topic name without wildcards");
  out = std::string(view_of(*v));
  return std::nullopt;
}

check read_request(const members& m, push_kind kind, const push_limits& lim, push_request& r) {
  check c;
  if (kind != push_kind::broadcast && (c = read_uids(m.uids, lim, r.uids))) return c;
  if (kind != push_kind::kick) {
    if ((c = read_topic(m.topic, lim, r.topic))) return c;
    if ((c = read_payload(m.payload, m.encoding, lim, r.payload))) return c;
    if ((c = read_qos(m.qos, r.qos))) return c;
  }
  if (kind == push_kind::broadcast && (c = read_bound_only(m.bound_only, r.bound_only))) return c;
  return read_reply_to(m.reply_to, lim, r.reply_to);
}

push_parse_result failed(field_error e, std::optional<std::string> reply_to = std::nullopt) {
  push_parse_result r;
  r.field = std::move(e.field);
  r.error = std::move(e.error);
  r.reply_to = std::move(reply_to);
  return r;
}

// Raw JSON text never contains NUL, and RapidJSON would stop reading at one
// (accepting "{}\0junk"), so it is reported here.
std::optional<std::string> syntax_error(std::string_view json, const rapidjson::Document& doc) {
  if (auto nul = json.find('\0'); nul != std::string_view::npos)
    return "invalid JSON at offset " + std::to_string(nul) + ": NUL character";
  if (!doc.HasParseError()) return std::nullopt;
  return "invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
         rapidjson::GetParseError_En(doc.GetParseError());
}

}  // namespace

std::optional<push_kind> push_kind_of(std::string_view topic) noexcept {
  if (topic == "$push/uids") return push_kind::uids;
  if (topic == "$push/broadcast") return push_kind::broadcast;
  if (topic == "$push/kick") return push_kind::kick;
  return std::nullopt;
}

bool is_push_topic(std::string_view topic) noexcept {
  return topic.starts_with(push_prefix);
}

push_parse_result parse_push_request(push_kind kind, std::string_view json,
                                     const push_limits& lim) {
  rapidjson::Document doc;
  // Iterative: deeply nested input must not exhaust the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (auto e = syntax_error(json, doc)) return failed(fail("", std::move(*e)));
  if (!doc.IsObject()) return failed(fail("", "the request must be a JSON object"));

  members m;
  check structure = collect(doc, kind, m);
  push_request req;
  req.kind = kind;
  // reply_to first, so that any later failure can still be answered.
  std::optional<std::string> reply_to;
  if (!m.reply_to_repeated) (void)read_reply_to(m.reply_to, lim, reply_to);
  if (structure) return failed(std::move(*structure), std::move(reply_to));
  if (auto e = read_request(m, kind, lim, req)) return failed(std::move(*e), std::move(reply_to));
  push_parse_result r;
  r.reply_to = req.reply_to;
  r.request = std::move(req);
  return r;
}

namespace {

void put_string(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  std::string text = valid_utf8(s);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace

void write_push_result(rapidjson::Writer<rapidjson::StringBuffer>& w, const push_outcome& o) {
  w.Key("sessions");
  w.Uint64(o.sessions);
  w.Key("failed_uids");
  w.StartArray();
  for (const auto& uid : o.failed_uids) put_string(w, uid);
  w.EndArray();
  // Only when some were: a partial broadcast must not look complete.
  if (o.unreachable_frontends > 0) {
    w.Key("unreachable_frontends");
    w.Uint(o.unreachable_frontends);
  }
}

std::string format_push_reply(const push_outcome& o) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("ok");
  w.Bool(o.ok);
  if (o.ok) {
    write_push_result(w, o);
  } else {
    w.Key("error");
    put_string(w, o.error);
    w.Key("field");
    put_string(w, o.field);
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace pummelo::broker
