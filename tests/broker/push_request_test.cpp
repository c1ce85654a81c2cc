// $push request parsing: a table of valid requests with what they parse to,
// a table of invalid ones with the field blamed, reply_to recovery on errors,
// limits at max-1/max/max+1, and replies parsed back as JSON.
#include "push_request.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "base64.hpp"

using namespace pummelo::broker;

namespace {

push_request make(push_kind kind, std::vector<std::string> uids, std::string topic,
                  std::string payload, std::uint8_t qos = 0, bool bound_only = false,
                  std::optional<std::string> reply_to = std::nullopt) {
  push_request r;
  r.kind = kind;
  r.uids = std::move(uids);
  r.topic = std::move(topic);
  r.payload = std::move(payload);
  r.qos = qos;
  r.bound_only = bound_only;
  r.reply_to = std::move(reply_to);
  return r;
}

void check_same(const push_request& got, const push_request& want) {
  CHECK(got.kind == want.kind);
  CHECK(got.uids == want.uids);
  CHECK(got.topic == want.topic);
  CHECK(got.payload == want.payload);
  CHECK(got.qos == want.qos);
  CHECK(got.bound_only == want.bound_only);
  CHECK(got.reply_to == want.reply_to);
}

// Expects failure on `field`, with an error naming it; returns the result.
push_parse_result expect_failure(push_kind kind, std::string_view json, const std::string& field,
                                 const push_limits& lim = {}) {
  auto r = parse_push_request(kind, json, lim);
  CHECK_FALSE(r.request.has_value());
  CHECK(r.field == field);
  CHECK_FALSE(r.error.empty());
  if (!field.empty()) {
    CHECK(r.error.find("'" + field + "'") != std::string::npos);
  }
  return r;
}

std::string uid_array(std::size_t n) {
  std::string s = "[";
  for (std::size_t i = 0; i < n; ++i) s += (i ? ",\"u" : "\"u") + std::to_string(i) + "\"";
  return s + "]";
}

rapidjson::Document parse_reply(const std::string& text) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

std::string str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return {v.GetString(), v.GetStringLength()};
}

}  // namespace

TEST_CASE("push topics") {
  CHECK(push_kind_of("$push/uids") == push_kind::uids);
  CHECK(push_kind_of("$push/broadcast") == push_kind::broadcast);
  CHECK(push_kind_of("$push/kick") == push_kind::kick);
  for (std::string_view t : {"$push/x", "$push/uids/", "$push/Uids", "$push", "push/uids", ""})
    CHECK_FALSE(push_kind_of(t).has_value());

  for (std::string_view t : {"$push/uids", "$push/broadcast", "$push/kick", "$push/x", "$push/"})
    CHECK(is_push_topic(t));
  for (std::string_view t : {"$push", "$pushx/uids", "push/uids", "a/$push/uids", "$SYS/x", ""})
    CHECK_FALSE(is_push_topic(t));
}

TEST_CASE("valid requests parse to what they say") {
  using k = push_kind;
  struct valid_case {
    const char* name;
    push_kind kind;
    std::string json;
    push_request want;
  };
  const valid_case cases[] = {
      {"uids with defaults", k::uids, R"({"uids":["u1","u2"],"topic":"news/1","payload":"hi"})",
       make(k::uids, {"u1", "u2"}, "news/1", "hi")},
      {"uids with everything", k::uids,
       R"({"reply_to":"replies/app","qos":1,"encoding":"utf8","payload":"x","topic":"t","uids":["a"]})",
       make(k::uids, {"a"}, "t", "x", 1, false, "replies/app")},
      {"uids deduplicated in first-seen order", k::uids,
       R"({"uids":["b","a","b","c","a"],"topic":"t","payload":""})",
       make(k::uids, {"b", "a", "c"}, "t", "")},
      {"qos 0 given", k::uids, R"({"uids":["a"],"topic":"t","payload":"p","qos":0})",
       make(k::uids, {"a"}, "t", "p", 0)},
      {"qos -0 is 0", k::uids, R"({"uids":["a"],"topic":"t","payload":"p","qos":-0})",
       make(k::uids, {"a"}, "t", "p", 0)},
      {"base64 payload", k::uids,
       R"({"uids":["a"],"topic":"t","payload":"AP9oaQ==","encoding":"base64"})",
       make(k::uids, {"a"}, "t", std::string("\x00\xffhi", 4))},
      {"empty base64 payload", k::uids,
       R"({"uids":["a"],"topic":"t","payload":"","encoding":"base64"})",
       make(k::uids, {"a"}, "t", "")},
      {"JSON escapes in the payload are decoded", k::uids,
       R"({"uids":["a"],"topic":"t","payload":"l1\n\"q\" \u00e9 \ud83d\ude00 \u0000"})",
       make(k::uids, {"a"}, "t", std::string("l1\n\"q\" \xc3\xa9 \xf0\x9f\x98\x80 \0", 16))},
      {"non-ASCII uid and topic", k::uids,
       R"({"uids":["\u00fc","ü"],"topic":"caf\u00e9/x","payload":"p"})",
       make(k::uids, {"\xc3\xbc"}, "caf\xc3\xa9/x", "p")},
      {"topic with empty levels", k::uids, R"({"uids":["a"],"topic":"/a//b/","payload":"p"})",
       make(k::uids, {"a"}, "/a//b/", "p")},
      {"whitespace around everything", k::uids,
       " \n{ \"uids\" : [ \"a\" ] ,\t\"topic\" : \"t\" , \"payload\" : \"p\" }\r\n ",
       make(k::uids, {"a"}, "t", "p")},
      {"broadcast with defaults", k::broadcast, R"({"topic":"all/news","payload":"hello"})",
       make(k::broadcast, {}, "all/news", "hello")},
      {"broadcast with everything", k::broadcast,
       R"({"topic":"t","payload":"aGk=","encoding":"base64","qos":1,"bound_only":true,"reply_to":"r/1"})",
       make(k::broadcast, {}, "t", "hi", 1, true, "r/1")},
      {"broadcast bound_only false", k::broadcast,
       R"({"topic":"t","payload":"p","bound_only":false})", make(k::broadcast, {}, "t", "p")},
      {"kick", k::kick, R"({"uids":["a","b","a"]})", make(k::kick, {"a", "b"}, "", "")},
      {"kick with reply_to", k::kick, R"({"uids":["a"],"reply_to":"r"})",
       make(k::kick, {"a"}, "", "", 0, false, "r")},
      {"reply_to may be a $ topic", k::kick, R"({"uids":["a"],"reply_to":"$app/r"})",
       make(k::kick, {"a"}, "", "", 0, false, "$app/r")},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto r = parse_push_request(c.kind, c.json, {});
    CHECK(r.error == "");
    CHECK(r.field == "");
    REQUIRE(r.request.has_value());
    check_same(*r.request, c.want);
    CHECK(r.reply_to == c.want.reply_to);
  }
}

TEST_CASE("invalid requests name the offending field") {
  using k = push_kind;
  struct invalid_case {
    const char* name;
    push_kind kind;
    std::string json;
    std::string field;
  };
  const std::string ok_rest = R"("topic":"t","payload":"p")";
  const invalid_case cases[] = {
      // Not a JSON object.
      {"empty body", k::uids, "", ""},
      {"truncated", k::uids, R"({"uids":["a"])", ""},
      {"trailing comma", k::uids, R"({"uids":["a"],})", ""},
      {"trailing garbage", k::kick, R"({"uids":["a"]} x)", ""},
      {"garbage after NUL", k::kick, std::string("{\"uids\":[\"a\"]}\0x", 16), ""},
      {"single quotes", k::kick, "{'uids':['a']}", ""},
      {"raw control character in a string", k::kick, "{\"uids\":[\"a\x01\"]}", ""},
      {"lone high surrogate", k::kick, R"({"uids":["\ud800"]})", ""},
      {"array", k::kick, R"([{"uids":["a"]}])", ""},
      {"string", k::kick, R"("uids")", ""},
      {"null", k::kick, "null", ""},
      // Keys.
      {"bound_only in $push/uids", k::uids, R"({"uids":["a"],"bound_only":true,)" + ok_rest + "}",
       "bound_only"},
      {"unknown key", k::uids, R"({"uids":["a"],"priority":1,)" + ok_rest + "}", "priority"},
      {"key case matters", k::uids, R"({"UIDS":["a"],)" + ok_rest + "}", "UIDS"},
      {"topic in $push/kick", k::kick, R"({"uids":["a"],"topic":"t"})", "topic"},
      {"payload in $push/kick", k::kick, R"({"uids":["a"],"payload":"p"})", "payload"},
      {"qos in $push/kick", k::kick, R"({"uids":["a"],"qos":0})", "qos"},
      {"uids in $push/broadcast", k::broadcast, R"({"uids":["a"],)" + ok_rest + "}", "uids"},
      {"repeated key", k::uids, R"({"uids":["a"],"topic":"t","topic":"u","payload":"p"})", "topic"},
      // uids.
      {"uids missing", k::uids, "{" + ok_rest + "}", "uids"},
      {"uids missing in kick", k::kick, "{}", "uids"},
      {"uids empty", k::uids, R"({"uids":[],)" + ok_rest + "}", "uids"},
      {"uids a string", k::kick, R"({"uids":"a"})", "uids"},
      {"uids null", k::kick, R"({"uids":null})", "uids"},
      {"uid a number", k::kick, R"({"uids":["a",1]})", "uids"},
      {"uid null", k::kick, R"({"uids":["a",null]})", "uids"},
      {"uid nested array", k::kick, R"({"uids":[["a"]]})", "uids"},
      {"uid empty", k::kick, R"({"uids":["a",""]})", "uids"},
      {"uid with U+0000", k::kick, R"({"uids":["a\u0000b"]})", "uids"},
      {"uid with lone low surrogate", k::kick, R"({"uids":["\udc00"]})", "uids"},
      {"uid not UTF-8", k::kick, "{\"uids\":[\"\xff\"]}", "uids"},
      {"uid overlong UTF-8", k::kick, "{\"uids\":[\"\xc0\xaf\"]}", "uids"},
      // topic.
      {"topic missing", k::uids, R"({"uids":["a"],"payload":"p"})", "topic"},
      {"broadcast topic missing", k::broadcast, R"({"payload":"p"})", "topic"},
      {"topic a number", k::uids, R"({"uids":["a"],"topic":1,"payload":"p"})", "topic"},
      {"topic empty", k::uids, R"({"uids":["a"],"topic":"","payload":"p"})", "topic"},
      {"topic with +", k::uids, R"({"uids":["a"],"topic":"a/+/b","payload":"p"})", "topic"},
      {"topic with #", k::broadcast, R"({"topic":"a/#","payload":"p"})", "topic"},
      {"topic $SYS", k::broadcast, R"({"topic":"$SYS/broker/uptime","payload":"p"})", "topic"},
      {"topic $push", k::uids, R"({"uids":["a"],"topic":"$push/uids","payload":"p"})", "topic"},
      {"topic with U+0000", k::uids, R"({"uids":["a"],"topic":"a\u0000","payload":"p"})", "topic"},
      {"topic not UTF-8", k::broadcast, "{\"topic\":\"\xed\xa0\x80\",\"payload\":\"p\"}", "topic"},
      // payload and encoding.
      {"payload missing", k::uids, R"({"uids":["a"],"topic":"t"})", "payload"},
      {"payload a number", k::broadcast, R"({"topic":"t","payload":5})", "payload"},
      {"payload null", k::broadcast, R"({"topic":"t","payload":null})", "payload"},
      {"payload an object", k::broadcast, R"({"topic":"t","payload":{"a":1}})", "payload"},
      {"base64 unpadded", k::broadcast, R"({"topic":"t","payload":"aGk","encoding":"base64"})",
       "payload"},
      {"base64 bad character", k::broadcast,
       R"({"topic":"t","payload":"aG!=","encoding":"base64"})", "payload"},
      {"base64 with newline", k::broadcast,
       R"({"topic":"t","payload":"aGVs\nbG8=","encoding":"base64"})", "payload"},
      {"base64 URL-safe", k::broadcast, R"({"topic":"t","payload":"-_8=","encoding":"base64"})",
       "payload"},
      {"encoding unknown", k::broadcast, R"({"topic":"t","payload":"p","encoding":"hex"})",
       "encoding"},
      {"encoding case matters", k::broadcast, R"({"topic":"t","payload":"p","encoding":"UTF8"})",
       "encoding"},
      {"encoding a number", k::broadcast, R"({"topic":"t","payload":"p","encoding":1})",
       "encoding"},
      {"encoding null", k::broadcast, R"({"topic":"t","payload":"p","encoding":null})", "encoding"},
      // qos.
      {"qos 2", k::uids, R"({"uids":["a"],"qos":2,)" + ok_rest + "}", "qos"},
      {"qos -1", k::uids, R"({"uids":["a"],"qos":-1,)" + ok_rest + "}", "qos"},
      {"qos 1.0", k::broadcast, R"({"qos":1.0,)" + ok_rest + "}", "qos"},
      {"qos 0.5", k::broadcast, R"({"qos":0.5,)" + ok_rest + "}", "qos"},
      {"qos huge", k::broadcast, R"({"qos":18446744073709551616,)" + ok_rest + "}", "qos"},
      {"qos a string", k::broadcast, R"({"qos":"1",)" + ok_rest + "}", "qos"},
      {"qos a bool", k::broadcast, R"({"qos":true,)" + ok_rest + "}", "qos"},
      {"qos null", k::broadcast, R"({"qos":null,)" + ok_rest + "}", "qos"},
      // bound_only.
      {"bound_only a string", k::broadcast, R"({"bound_only":"true",)" + ok_rest + "}",
       "bound_only"},
      {"bound_only a number", k::broadcast, R"({"bound_only":1,)" + ok_rest + "}", "bound_only"},
      {"bound_only null", k::broadcast, R"({"bound_only":null,)" + ok_rest + "}", "bound_only"},
      // reply_to.
      {"reply_to empty", k::kick, R"({"uids":["a"],"reply_to":""})", "reply_to"},
      {"reply_to with +", k::kick, R"({"uids":["a"],"reply_to":"r/+"})", "reply_to"},
      {"reply_to with #", k::uids, R"({"uids":["a"],"reply_to":"r/#",)" + ok_rest + "}",
       "reply_to"},
      {"reply_to a number", k::broadcast, R"({"reply_to":1,)" + ok_rest + "}", "reply_to"},
      {"reply_to null", k::broadcast, R"({"reply_to":null,)" + ok_rest + "}", "reply_to"},
      {"reply_to with U+0000", k::kick, R"({"uids":["a"],"reply_to":"r\u0000"})", "reply_to"},
      {"reply_to repeated", k::kick, R"({"uids":["a"],"reply_to":"r","reply_to":"s"})", "reply_to"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto r = expect_failure(c.kind, c.json, c.field);
    if (c.field.empty()) CHECK_FALSE(r.reply_to.has_value());
  }
}

TEST_CASE("JSON syntax errors say so, with the offset") {
  auto r = expect_failure(push_kind::kick, R"({"uids":["a"] x})", "");
  CHECK(r.error.find("invalid JSON") != std::string::npos);
  CHECK(r.error.find("offset 14") != std::string::npos);

  r = expect_failure(push_kind::kick, std::string("{}\0x", 4), "");
  CHECK(r.error.find("invalid JSON at offset 2") != std::string::npos);
}

TEST_CASE("deep nesting is an ordinary error, not a stack overflow") {
  const std::size_t depth = 200000;
  std::string nested = R"({"x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  expect_failure(push_kind::kick, nested, "x");
  expect_failure(push_kind::kick, R"({"uids":)" + std::string(depth, '['), "");
}

TEST_CASE("unknown keys are echoed briefly and as valid UTF-8") {
  std::string long_key(1000, 'k');
  auto r = parse_push_request(push_kind::kick, R"({")" + long_key + R"(":1,"uids":["a"]})", {});
  CHECK(r.field == std::string(64, 'k'));
  CHECK(r.error.size() < 100);

  r = parse_push_request(push_kind::kick, "{\"a\xff\":1}", {});
  CHECK(r.field == "a\xef\xbf\xbd");
  parse_reply(format_push_reply({false, 0, {}, r.error, r.field}));
}

TEST_CASE("the first problem in a fixed order is reported") {
  // Key errors come first, then uids, topic, encoding, payload, qos,
  // bound_only, reply_to.
  expect_failure(push_kind::uids, R"({"uids":[],"zz":1,"topic":""})", "zz");
  expect_failure(push_kind::uids, R"({"qos":5,"topic":"","uids":[]})", "uids");
  expect_failure(push_kind::uids, R"({"qos":5,"payload":1,"topic":"","uids":["a"]})", "topic");
  expect_failure(push_kind::broadcast, R"({"qos":5,"payload":1,"encoding":"x","topic":"t"})",
                 "encoding");
  expect_failure(push_kind::broadcast, R"({"reply_to":"#","qos":5,"payload":"p","topic":"t"})",
                 "qos");
}

TEST_CASE("reply_to is recovered from failing requests when it is valid") {
  auto r = expect_failure(push_kind::kick, R"({"uids":[],"reply_to":"r/1"})", "uids");
  CHECK(r.reply_to == "r/1");

  // After an unknown key, and for errors found after reading the members.
  r = expect_failure(push_kind::kick, R"({"bogus":1,"reply_to":"r/2","uids":["a"]})", "bogus");
  CHECK(r.reply_to == "r/2");
  r = expect_failure(push_kind::broadcast, R"({"reply_to":"r/3","topic":"$SYS/x","payload":""})",
                     "topic");
  CHECK(r.reply_to == "r/3");
  r = expect_failure(push_kind::uids, R"({"reply_to":"r/4","uids":["a"],"topic":"t"})", "payload");
  CHECK(r.reply_to == "r/4");

  // Not when it is itself invalid, repeated, or the body is not an object.
  r = expect_failure(push_kind::kick, R"({"uids":[],"reply_to":"r/+"})", "uids");
  CHECK_FALSE(r.reply_to.has_value());
  r = expect_failure(push_kind::kick, R"({"uids":["a"],"reply_to":"r","reply_to":"r"})",
                     "reply_to");
  CHECK_FALSE(r.reply_to.has_value());
  r = expect_failure(push_kind::kick, R"({"uids":[],"reply_to":5})", "uids");
  CHECK_FALSE(r.reply_to.has_value());
  r = expect_failure(push_kind::kick, R"([{"reply_to":"r"}])", "");
  CHECK_FALSE(r.reply_to.has_value());
  r = expect_failure(push_kind::kick, R"({"reply_to":"r",)", "");
  CHECK_FALSE(r.reply_to.has_value());
}

TEST_CASE("topic and reply_to follow the configured topic limits") {
  push_limits lim;
  lim.topic_limits.max_topic_length = 5;
  lim.topic_limits.max_topic_levels = 3;
  auto ok = [&](std::string topic, std::string reply_to) {
    return parse_push_request(
        push_kind::broadcast,
        R"({"payload":"p","topic":")" + topic + R"(","reply_to":")" + reply_to + R"("})", lim);
  };
  CHECK(ok("abcde", "a/b/c").request.has_value());
  CHECK(ok("abcdef", "r").field == "topic");
  CHECK(ok("a/b/c/d", "r").field == "topic");
  CHECK(ok("t", "abcdef").field == "reply_to");
  CHECK(ok("t", "a/b/c/d").field == "reply_to");
}

TEST_CASE("uids limit: max-1 and max pass, max+1 fails (before deduplication)") {
  push_limits lim;
  lim.max_uids = 3;
  auto with = [&](const std::string& uids) {
    return parse_push_request(push_kind::kick, R"({"uids":)" + uids + "}", lim);
  };
  REQUIRE(with(uid_array(2)).request);
  CHECK(with(uid_array(2)).request->uids.size() == 2);
  REQUIRE(with(uid_array(3)).request);
  CHECK(with(uid_array(3)).request->uids.size() == 3);
  auto r = with(uid_array(4));
  CHECK_FALSE(r.request);
  CHECK(r.field == "uids");
  CHECK(r.error.find("limit of 3") != std::string::npos);
  // The limit bounds the work per request, so it counts entries as sent.
  CHECK(with(R"(["a","a","a","a"])").field == "uids");
}

TEST_CASE("uids limit at its default of 10000") {
  push_limits lim;
  REQUIRE(lim.max_uids == 10000);
  for (std::size_t n : {9999u, 10000u}) {
    auto r = parse_push_request(push_kind::kick, R"({"uids":)" + uid_array(n) + "}", lim);
    REQUIRE(r.request);
    CHECK(r.request->uids.size() == n);
    CHECK(r.request->uids.back() == "u" + std::to_string(n - 1));
  }
  auto r = parse_push_request(push_kind::kick, R"({"uids":)" + uid_array(10001) + "}", lim);
  CHECK(r.field == "uids");
  CHECK(r.error.find("10000") != std::string::npos);
}

TEST_CASE("payload limit applies to decoded bytes: max-1 and max pass, max+1 fails") {
  for (std::size_t max : {std::size_t{4}, std::size_t{1024 * 1024}}) {
    CAPTURE(max);
    push_limits lim;
    lim.max_payload = max;
    for (std::size_t size : {max - 1, max, max + 1}) {
      CAPTURE(size);
      std::string bytes(size, 'z');
      for (bool base64 : {false, true}) {
        CAPTURE(base64);
        std::string json =
            R"({"topic":"t","payload":")" +
            (base64 ? base64_encode(bytes) + R"(","encoding":"base64"})" : bytes + R"("})");
        auto r = parse_push_request(push_kind::broadcast, json, lim);
        if (size <= max) {
          REQUIRE(r.request);
          CHECK(r.request->payload == bytes);
        } else {
          CHECK_FALSE(r.request);
          CHECK(r.field == "payload");
          CHECK(r.error.find(std::to_string(max)) != std::string::npos);
        }
      }
    }
  }
  // Escapes count as the bytes they stand for: six characters, one byte.
  push_limits lim;
  lim.max_payload = 2;
  CHECK(parse_push_request(push_kind::broadcast, R"({"topic":"t","payload":"\u0041\n"})", lim)
            .request);
  // base64 far over the limit is refused, valid or not.
  CHECK(parse_push_request(push_kind::broadcast,
                           R"({"topic":"t","payload":"AAAAAAAAAAAA","encoding":"base64"})", lim)
            .field == "payload");
  CHECK(parse_push_request(push_kind::broadcast,
                           R"({"topic":"t","payload":"!!!!!!!!!!!!","encoding":"base64"})", lim)
            .field == "payload");
}

TEST_CASE("success reply") {
  CHECK(format_push_reply({}) == R"({"ok":true,"sessions":0,"failed_uids":[]})");
  push_outcome partial;
  partial.sessions = 3;
  partial.unreachable_frontends = 2;  // a broadcast that missed two frontends says so
  CHECK(format_push_reply(partial) ==
        R"({"ok":true,"sessions":3,"failed_uids":[],"unreachable_frontends":2})");

  push_outcome o;
  o.sessions = 12345678901ULL;
  o.failed_uids = {
      "plain",        "q\"uote", "back\\slash", "nl\nt\tcr\r", std::string("nul\0x", 5),
      "\x01\x1f\x7f", "\xc3\xa9"};
  std::string text = format_push_reply(o);
  for (char c : text) CHECK(static_cast<unsigned char>(c) >= 0x20);  // control chars escaped
  auto d = parse_reply(text);
  CHECK(d.MemberCount() == 3);
  CHECK(d["ok"].IsTrue());
  REQUIRE(d["sessions"].IsUint64());
  CHECK(d["sessions"].GetUint64() == 12345678901ULL);
  const auto& failed = d["failed_uids"];
  REQUIRE(failed.IsArray());
  REQUIRE(failed.Size() == o.failed_uids.size());
  for (rapidjson::SizeType i = 0; i < failed.Size(); ++i) CHECK(str(failed[i]) == o.failed_uids[i]);
}

TEST_CASE("error reply") {
  push_outcome o;
  o.ok = false;
  o.error = "field 'uids' said \"no\"\n\x02 \\ done";
  o.field = "ui\"ds";
  o.sessions = 7;               // not part of an error reply
  o.failed_uids = {"ignored"};  // nor this
  std::string text = format_push_reply(o);
  for (char c : text) CHECK(static_cast<unsigned char>(c) >= 0x20);
  auto d = parse_reply(text);
  CHECK(d.MemberCount() == 3);
  CHECK(d["ok"].IsFalse());
  CHECK(str(d["error"]) == o.error);
  CHECK(str(d["field"]) == o.field);

  o.error = "bad \xff\xc0\xaf byte \xe2\x82";
  o.field = "";
  d = parse_reply(format_push_reply(o));  // still valid UTF-8
  CHECK(str(d["error"]) ==
        "bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd byte \xef\xbf\xbd\xef\xbf\xbd");
  CHECK(str(d["field"]) == "");
}

TEST_CASE("parse failures can be answered with a reply") {
  auto r = parse_push_request(push_kind::uids, R"({"uids":[1],"reply_to":"r"})", {});
  push_outcome o;
  o.ok = false;
  o.error = r.error;
  o.field = r.field;
  auto d = parse_reply(format_push_reply(o));
  CHECK(str(d["field"]) == "uids");
  CHECK(str(d["error"]) == r.error);
}
