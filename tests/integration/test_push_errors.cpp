// Invalid push requests: each gets {"ok":false,"error":...,"field":...} naming
// the offending field, and nothing is delivered to anyone.
// pummelo-only: Mosquitto has no push API, so every case returns early there.
#include <optional>
#include <thread>

#include "push_support.hpp"

using namespace pummelo::test;

namespace {

struct bad_request {
  std::string name;  // also the payload, so a leaked delivery names its request
  std::string api;
  std::string json;
  std::optional<std::string> field;  // nullopt: field not checked
};

std::vector<bad_request> bad_requests(const std::string& uid) {
  const std::string u = "\"uids\":[\"" + uid + "\"]";
  auto req = [&](const char* name, const std::string& members) {
    return "{" + members + ",\"payload\":\"" + name + "\"}";
  };
  auto uids_req = [&](const char* name, const std::string& members) {
    return req(name, u + "," + members);
  };
  return {
      {"malformed", "$push/uids", "{" + u + R"(,"topic":"bad/t","payload":"malformed")", ""},
      // Valid JSON but not an object: which field to blame is unspecified.
      {"not-object", "$push/uids", "[\"" + uid + "\"]", std::nullopt},
      {"missing-uids", "$push/uids", req("missing-uids", R"("topic":"bad/t")"), "uids"},
      {"uids-string", "$push/uids",
       req("uids-string", "\"uids\":\"" + uid + "\",\"topic\":\"bad/t\""), "uids"},
      {"uids-empty", "$push/uids", req("uids-empty", R"("uids":[],"topic":"bad/t")"), "uids"},
      {"uids-number", "$push/uids",
       req("uids-number", "\"uids\":[\"" + uid + "\",7],\"topic\":\"bad/t\""), "uids"},
      {"missing-topic", "$push/uids", req("missing-topic", u), "topic"},
      {"topic-plus", "$push/uids", uids_req("topic-plus", R"("topic":"bad/+")"), "topic"},
      {"topic-hash", "$push/uids", uids_req("topic-hash", R"("topic":"bad/#")"), "topic"},
      {"topic-dollar", "$push/uids", uids_req("topic-dollar", R"("topic":"$SYS/x")"), "topic"},
      {"topic-empty", "$push/uids", uids_req("topic-empty", R"("topic":"")"), "topic"},
      {"qos-2", "$push/uids", uids_req("qos-2", R"("topic":"bad/t","qos":2)"), "qos"},
      {"qos-string", "$push/uids", uids_req("qos-string", R"("topic":"bad/t","qos":"1")"),
       "qos"},
      {"encoding-hex", "$push/uids",
       uids_req("encoding-hex", R"("topic":"bad/t","encoding":"hex")"), "encoding"},
      // The payload is what cannot be decoded ("encoding" itself is valid).
      {"bad-base64", "$push/uids",
       "{" + u + R"(,"topic":"bad/t","encoding":"base64","payload":"!!not*base64"})", "payload"},
      {"payload-number", "$push/uids", "{" + u + R"(,"topic":"bad/t","payload":42})", "payload"},
      {"unknown-key", "$push/uids", uids_req("unknown-key", R"("topic":"bad/t","colour":"red")"),
       "colour"},
      // Known member, wrong type: reported even though the Response Topic is used.
      {"reply-to-number", "$push/uids", uids_req("reply-to-number", R"("topic":"bad/t","reply_to":5)"),
       "reply_to"},
      {"bc-no-topic", "$push/broadcast", req("bc-no-topic", R"("bound_only":false)"), "topic"},
      {"bc-bound-only-string", "$push/broadcast",
       req("bc-bound-only-string", R"("topic":"bad/t","bound_only":"yes")"), "bound_only"},
      {"kick-empty", "$push/kick", R"({"uids":[]})", "uids"},
      {"kick-uids-string", "$push/kick", "{\"uids\":\"" + uid + "\"}", "uids"},
      // Unknown operation: an error; the field may be empty.
      {"unknown-op", "$push/other", uids_req("unknown-op", R"("topic":"bad/t")"), std::nullopt},
  };
}

}  // namespace

TEST_CASE("push: invalid requests are refused with the offending field, nothing delivered") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  auto b = start_broker();
  const std::string uid = "victor";
  // Both targets subscribe to everything they may see, so a leak shows.
  auto t1 = connect_client(*b, unique_id("victor-a"), mqtt_v5, as_user(uid));
  auto t2 = connect_client(*b, unique_id("victor-b"), mqtt_v311, as_user(uid));
  t1->subscribe("bad/#", 1);
  t2->subscribe("bad/#", 1);
  auto bystander = connect_client(*b, unique_id("bystander"), mqtt_v5);  // anonymous
  bystander->subscribe("bad/#", 1);

  push_requester v5req(*b, mqtt_v5);
  for (const auto& br : bad_requests(uid)) {
    INFO("v5 request '", br.name, "' (Response Topic set): ", br.json);
    auto r = v5req.request(br.api, br.json);
    REQUIRE(r);
    INFO("reply: ", r->raw);
    CHECK(r->parsed);
    CHECK_FALSE(r->ok);
    CHECK_FALSE(r->error.empty());
    if (br.field) {
      CHECK(r->field.has_value());
      CHECK(r->field.value_or("<absent>") == *br.field);
    }
    // An error result is not a success result.
    CHECK(r->sessions == -1);
  }
  // 3.1.1: the error still reaches reply_to when the JSON parses.
  push_requester v3req(*b, mqtt_v311);
  for (const auto& br : bad_requests(uid)) {
    const std::string& name = br.name;
    if (name == "malformed" || name == "not-object" || name == "reply-to-number") continue;
    INFO("3.1.1 request '", br.name, "': ", with_reply_to(br.json, v3req.reply_topic()));
    auto r = v3req.request(br.api, br.json);
    if (!r) {  // not fatal: the remaining requests and the leak check still run
      FAIL_CHECK("no reply on reply_to");
      continue;
    }
    INFO("reply: ", r->raw);
    CHECK_FALSE(r->ok);
    if (br.field) CHECK(r->field.value_or("<absent>") == *br.field);
  }
  for (auto* c : {t1.get(), t2.get(), bystander.get()}) {
    INFO("client ", c->client_id());
    for (auto& m : drain(*c, 300ms))
      FAIL_CHECK("delivered: ", m->get_topic(), " '", m->get_payload_str(), "'");
  }
  CHECK(v5req.others().empty());
  CHECK(v3req.others().empty());
}

TEST_CASE("push: more uids than limits.max_push_uids is refused") {
  if (!push_api_available()) return;  // Mosquitto has no push API: pummelo-only feature
  broker_settings s;
  s.pummelo_limits = {{"max_push_uids", 2}};
  auto b = start_broker(s);
  auto t = connect_client(*b, unique_id("lim"), mqtt_v5, as_user("lim-a"));
  push_requester req(*b, mqtt_v5);
  auto r = req.request("$push/uids", uids_request({"lim-a", "lim-b", "lim-c"}, "lim/t", "3"));
  REQUIRE(r);
  INFO("reply: ", r->raw);
  CHECK_FALSE(r->ok);
  CHECK(r->field.value_or("<absent>") == "uids");
  CHECK(t->expect_no_message(300ms));
  r = req.request("$push/uids", uids_request({"lim-a", "lim-b"}, "lim/t", "2"));
  REQUIRE(r);
  INFO("reply: ", r->raw);
  CHECK(r->ok);
  CHECK(r->sessions == 1);
  auto m = t->wait_message(3s);
  REQUIRE(m);
  CHECK((*m)->get_payload_str() == "2");
}
