// The ACL: reading the file (errors name the JSON path), filter containment
// for SUBSCRIBE, matching for PUBLISH, %u/%c substitution, the built-in
// $push/$CONTROL guards, and the shipped conf/secure/acl.json.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "auth/acl.hpp"

using pummelo::broker::auth::acl;
using pummelo::broker::auth::action;
using pummelo::broker::auth::identity;

namespace {

const char* const sample = R"({
  "roles": {
    "device":  { "subscribe": ["push/%u/#", "broadcast/#"], "publish": [] },
    "backend": { "subscribe": ["#"], "publish": ["#", "$push/#"] },
    "admin":   { "subscribe": ["#", "$SYS/#", "$CONTROL/#"],
                 "publish": ["#", "$push/#", "$CONTROL/#"] }
  },
  "users": {
    "alice":   { "roles": ["device"] },
    "backend": { "roles": ["backend"] },
    "root":    { "roles": ["admin"] },
    "carol":   { "roles": ["device"], "subscribe": ["extra/%c"], "publish": ["telemetry/%u"] }
  },
  "default_roles": ["device"],
  "anonymous": { "subscribe": ["public/#"], "publish": [] }
})";

acl parsed(const std::string& json) {
  auto r = acl::parse(json);
  REQUIRE_MESSAGE(r.value, r.error);
  return *r.value;
}

std::string error_of(const std::string& json) {
  auto r = acl::parse(json);
  REQUIRE_FALSE(r.value);
  return r.error;
}

identity user(std::string_view name, std::string_view client_id = "client-1") {
  return {name, client_id};
}

bool may_subscribe(const acl& a, const identity& who, std::string_view filter) {
  return a.allows(action::subscribe, who, filter);
}

bool may_publish(const acl& a, const identity& who, std::string_view topic) {
  return a.allows(action::publish, who, topic);
}

// A role list of `n` roles named r0, r1... all defined.
std::string with_roles(std::size_t n) {
  std::string defs;
  std::string list;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = "\"r" + std::to_string(i) + "\"";
    defs += (i ? ", " : "") + name + ": {}";
    list += (i ? ", " : "") + name;
  }
  return R"({"roles": {)" + defs + R"(}, "default_roles": [)" + list + "]}";
}

// A role whose subscribe list has `n` patterns.
std::string with_patterns(std::size_t n) {
  std::string list;
  for (std::size_t i = 0; i < n; ++i) list += (i ? ", " : "") + std::string("\"a/b\"");
  return R"({"roles": {"r": {"subscribe": [)" + list + "]}}}";
}

}  // namespace

TEST_CASE("a device subscribes to its own push topics and broadcasts only") {
  const acl a = parsed(sample);
  const identity alice = user("alice");
  CHECK(may_subscribe(a, alice, "push/alice/#"));
  CHECK(may_subscribe(a, alice, "push/alice"));  // "push/alice/#" matches its parent
  CHECK(may_subscribe(a, alice, "push/alice/x"));
  CHECK(may_subscribe(a, alice, "push/alice/+/x"));
  CHECK(may_subscribe(a, alice, "push/alice/+"));
  CHECK(may_subscribe(a, alice, "broadcast/#"));
  CHECK(may_subscribe(a, alice, "broadcast/news"));
  CHECK_FALSE(may_subscribe(a, alice, "push/bob/#"));
  CHECK_FALSE(may_subscribe(a, alice, "push/#"));
  CHECK_FALSE(may_subscribe(a, alice, "#"));
  CHECK_FALSE(may_subscribe(a, alice, "+/alice/#"));
  CHECK_FALSE(may_subscribe(a, alice, "push/+/x"));
  CHECK_FALSE(may_subscribe(a, alice, "push/+"));
  CHECK_FALSE(may_subscribe(a, alice, "push"));
  CHECK_FALSE(may_subscribe(a, alice, "push/alicex/y"));
  CHECK(may_subscribe(a, alice, "broadcast"));  // "broadcast/#" matches its parent too
}

TEST_CASE("containment level by level") {
  const acl a = parsed(R"({"anonymous": {"subscribe": ["a/+/c", "d/#", "e/+"]}})");
  const identity anon{std::nullopt, "c"};
  CHECK(may_subscribe(a, anon, "a/b/c"));
  CHECK(may_subscribe(a, anon, "a/+/c"));
  CHECK_FALSE(may_subscribe(a, anon, "a/+/+"));
  CHECK_FALSE(may_subscribe(a, anon, "a/#"));
  CHECK_FALSE(may_subscribe(a, anon, "a/b"));
  CHECK_FALSE(may_subscribe(a, anon, "a/b/c/d"));
  CHECK(may_subscribe(a, anon, "d"));
  CHECK(may_subscribe(a, anon, "d/#"));
  CHECK(may_subscribe(a, anon, "d/+/#"));
  CHECK(may_subscribe(a, anon, "d//x"));
  CHECK(may_subscribe(a, anon, "e/+"));
  CHECK(may_subscribe(a, anon, "e/x"));
  CHECK_FALSE(may_subscribe(a, anon, "e/#"));  // also matches "e", which "e/+" does not
  CHECK_FALSE(may_subscribe(a, anon, "e"));
  CHECK_FALSE(may_subscribe(a, anon, "e/x/y"));
  // A topic has at least one level, so "+/#" matches what "#" matches.
  const acl any = parsed(R"({"anonymous": {"subscribe": ["+/#"]}})");
  CHECK(may_subscribe(any, anon, "#"));
  CHECK(may_subscribe(any, anon, "x"));
  CHECK_FALSE(may_subscribe(any, anon, "$SYS/#"));
  const acl two = parsed(R"({"anonymous": {"subscribe": ["+/+/#", "a/+/#"]}})");
  CHECK_FALSE(may_subscribe(two, anon, "#"));
  CHECK_FALSE(may_subscribe(two, anon, "a/#"));
  CHECK(may_subscribe(two, anon, "a/+/#"));
}

TEST_CASE("publish matches topic names, '#' and '+' not reaching '$' topics") {
  const acl a = parsed(R"({"anonymous": {"publish": ["a/+/c", "d/#", "+/x"]},
                           "roles": {"all": {"publish": ["#"], "subscribe": ["#", "+/#"]}},
                           "users": {"u": {"roles": ["all"]}}})");
  const identity anon{std::nullopt, "c"};
  CHECK(may_publish(a, anon, "a/b/c"));
  CHECK_FALSE(may_publish(a, anon, "a/b"));
  CHECK_FALSE(may_publish(a, anon, "a/b/c/d"));
  CHECK(may_publish(a, anon, "d"));
  CHECK(may_publish(a, anon, "d/e/f"));
  CHECK(may_publish(a, anon, "y/x"));
  CHECK_FALSE(may_publish(a, anon, "$y/x"));
  const identity u = user("u");
  CHECK(may_publish(a, u, "anything/at/all"));
  CHECK(may_publish(a, u, "/"));
  CHECK_FALSE(may_publish(a, u, "$SYS/x"));
  CHECK_FALSE(may_subscribe(a, u, "$SYS/x"));
  CHECK_FALSE(may_subscribe(a, u, "$SYS/#"));
  CHECK(may_subscribe(a, u, "+/#"));
  CHECK(may_subscribe(a, u, "#"));
}

TEST_CASE("$push is for backends and admins, whatever the rules say") {
  const acl a = parsed(R"({
    "roles": {
      "device":  {"publish": ["$push/#", "$push", "$pushy"]},
      "backend": {"publish": ["$push/#"]},
      "admin":   {"publish": ["$push/#"]}
    },
    "users": {"alice": {"roles": ["device"], "publish": ["$push/uids"]},
              "be": {"roles": ["backend"]}, "root": {"roles": ["admin"]}}
  })");
  CHECK_FALSE(may_publish(a, user("alice"), "$push/uids"));
  CHECK_FALSE(may_publish(a, user("alice"), "$push/anything"));
  CHECK_FALSE(may_publish(a, user("alice"), "$push"));
  CHECK(may_publish(a, user("be"), "$push/uids"));
  CHECK(may_publish(a, user("root"), "$push/uids"));
  CHECK_FALSE(may_publish(a, user("nobody"), "$push/uids"));
  // Only "$push" and below: "$pushy" is an ordinary '$' topic.
  CHECK(may_publish(a, user("alice"), "$pushy"));
  CHECK(a.has_role("be", "backend"));
  CHECK_FALSE(a.has_role("alice", "backend"));
}

TEST_CASE("$CONTROL is for admins only, whatever the rules say") {
  const acl a = parsed(R"({
    "roles": {
      "backend": {"subscribe": ["$CONTROL/#"], "publish": ["$CONTROL/#"]},
      "admin":   {"subscribe": ["$CONTROL/#"], "publish": ["$CONTROL/#"]}
    },
    "users": {"be": {"roles": ["backend"]}, "root": {"roles": ["admin"]}}
  })");
  CHECK(may_subscribe(a, user("root"), "$CONTROL/pummelo/v1"));
  CHECK(may_publish(a, user("root"), "$CONTROL/pummelo/v1"));
  CHECK(may_subscribe(a, user("root"), "$share/ops/$CONTROL/pummelo/v1"));
  CHECK_FALSE(may_subscribe(a, user("be"), "$CONTROL/pummelo/v1"));
  CHECK_FALSE(may_publish(a, user("be"), "$CONTROL/pummelo/v1"));
  CHECK_FALSE(may_subscribe(a, user("be"), "$CONTROL/#"));
  CHECK_FALSE(may_subscribe(a, user("be"), "$share/g/$CONTROL/#"));
  CHECK_FALSE(may_publish(a, user("be"), "$CONTROL"));
}

TEST_CASE("the sample's admin and backend") {
  const acl a = parsed(sample);
  CHECK(may_publish(a, user("backend"), "$push/uids"));
  CHECK(may_publish(a, user("backend"), "news/today"));
  CHECK(may_subscribe(a, user("backend"), "up/#"));
  CHECK_FALSE(may_subscribe(a, user("backend"), "$SYS/#"));
  CHECK_FALSE(may_subscribe(a, user("backend"), "$CONTROL/pummelo/v1"));
  CHECK(may_subscribe(a, user("root"), "$SYS/#"));
  CHECK(may_subscribe(a, user("root"), "$CONTROL/pummelo/v1"));
  CHECK(may_publish(a, user("root"), "$CONTROL/pummelo/v1"));
  CHECK_FALSE(may_publish(a, user("alice"), "$CONTROL/pummelo/v1"));
  CHECK_FALSE(may_subscribe(a, user("alice"), "$CONTROL/pummelo/v1"));
}

TEST_CASE("%c stands for the client id, %u for the username, as whole levels") {
  const acl a = parsed(R"({"users": {
    "carol": {"subscribe": ["extra/%c", "%u/mine/#", "x/dev-%u"], "publish": ["telemetry/%u/%c"]}
  }})");
  CHECK(may_subscribe(a, user("carol", "phone-7"), "extra/phone-7"));
  CHECK_FALSE(may_subscribe(a, user("carol", "phone-7"), "extra/phone-8"));
  CHECK_FALSE(may_subscribe(a, user("carol", "phone-7"), "extra/+"));
  CHECK_FALSE(may_subscribe(a, user("carol", "phone-7"), "extra/#"));
  CHECK(may_subscribe(a, user("carol"), "carol/mine/a"));
  CHECK_FALSE(may_subscribe(a, user("carol"), "+/mine/a"));
  CHECK(may_publish(a, user("carol", "phone-7"), "telemetry/carol/phone-7"));
  CHECK_FALSE(may_publish(a, user("carol", "phone-7"), "telemetry/carol/phone-8"));
  // Inside a longer level "%u" is plain text.
  CHECK(may_subscribe(a, user("carol"), "x/dev-%u"));
  CHECK_FALSE(may_subscribe(a, user("carol"), "x/dev-carol"));
  // An empty client id or one that is not a single plain level matches nothing.
  CHECK_FALSE(may_subscribe(a, user("carol", ""), "extra/"));
  CHECK_FALSE(may_subscribe(a, user("carol", "a/b"), "extra/a/b"));
  CHECK_FALSE(may_subscribe(a, user("carol", "+"), "extra/+"));
  CHECK_FALSE(may_subscribe(a, user("carol", "#"), "extra/#"));
}

TEST_CASE("a username that is not one plain level gets nothing from %u") {
  const acl a = parsed(R"({"roles": {"device": {"subscribe": ["push/%u/#", "%u"],
                                                 "publish": ["up/%u"]}},
                           "default_roles": ["device"]})");
  for (const char* name : {"#", "+", "a/b", "", "x#", "y+"}) {
    CAPTURE(name);
    const identity who = user(name);
    CHECK_FALSE(may_subscribe(a, who, "push/" + std::string(name) + "/#"));
    CHECK_FALSE(may_subscribe(a, who, "push/#"));
    CHECK_FALSE(may_subscribe(a, who, "push/+/#"));
    CHECK_FALSE(may_subscribe(a, who, "#"));
    CHECK_FALSE(may_subscribe(a, who, "+"));
    CHECK_FALSE(may_publish(a, who, "up/" + std::string(name)));
  }
  CHECK_FALSE(may_publish(a, user("a/b"), "up/a/b"));
  // A name starting with '$' does not stand for a first level ("$SYS").
  CHECK_FALSE(may_subscribe(a, user("$SYS"), "$SYS"));
  CHECK(may_subscribe(a, user("$SYS"), "push/$SYS/#"));
  CHECK(may_subscribe(a, user("dave"), "dave"));
}

TEST_CASE("unlisted users get default_roles; anonymous clients the anonymous rules") {
  const acl a = parsed(sample);
  CHECK(may_subscribe(a, user("zed"), "push/zed/#"));
  CHECK_FALSE(may_subscribe(a, user("zed"), "push/alice/#"));
  CHECK(a.roles_of("zed") == std::vector<std::string>{"device"});
  CHECK(a.roles_of("carol") == std::vector<std::string>{"device"});
  CHECK(a.roles_of("root") == std::vector<std::string>{"admin"});
  CHECK(a.roles_of(std::nullopt).empty());
  CHECK(a.has_role("zed", "device"));
  CHECK_FALSE(a.has_role(std::nullopt, "device"));
  // The empty username is a username (an unlisted one), not anonymity.
  CHECK(a.roles_of("") == std::vector<std::string>{"device"});

  const identity anon{std::nullopt, "anon-1"};
  CHECK(may_subscribe(a, anon, "public/x"));
  CHECK_FALSE(may_subscribe(a, anon, "broadcast/#"));
  CHECK_FALSE(may_publish(a, anon, "public/x"));
  CHECK_FALSE(may_subscribe(a, user(""), "public/x"));
}

TEST_CASE("without default_roles and anonymous there are no rights") {
  const acl a = parsed(R"({"roles": {"device": {"subscribe": ["#"]}}})");
  CHECK_FALSE(may_subscribe(a, user("zed"), "x"));
  CHECK_FALSE(may_subscribe(a, {std::nullopt, "c"}, "x"));
  CHECK(a.roles_of("zed").empty());
  const acl none = parsed("{}");
  CHECK_FALSE(may_publish(none, user("zed"), "x"));
  CHECK_FALSE(acl{}.allows(action::subscribe, user("zed"), "x"));
}

TEST_CASE("a user entry without roles has none, even with default_roles") {
  const acl a = parsed(R"({"roles": {"device": {"subscribe": ["#"]}}, "default_roles": ["device"],
                           "users": {"eve": {"subscribe": ["eve/#"]}}})");
  CHECK(a.roles_of("eve").empty());
  CHECK(may_subscribe(a, user("eve"), "eve/x"));
  CHECK_FALSE(may_subscribe(a, user("eve"), "x"));
  CHECK(may_subscribe(a, user("zed"), "x"));
}

TEST_CASE("users may come before the roles they name") {
  const acl a = parsed(R"({"users": {"u": {"roles": ["r"]}}, "roles": {"r": {"publish": ["p"]}}})");
  CHECK(may_publish(a, user("u"), "p"));
}

TEST_CASE("shared subscriptions are checked by their filter") {
  const acl a = parsed(sample);
  CHECK(may_subscribe(a, user("alice"), "$share/g/push/alice/#"));
  CHECK(may_subscribe(a, user("alice"), "$share/g/broadcast/news"));
  CHECK_FALSE(may_subscribe(a, user("alice"), "$share/g/push/#"));
  CHECK_FALSE(may_subscribe(a, user("alice"), "$share/g/push/bob/#"));
  CHECK(error_of(R"({"anonymous": {"subscribe": ["$share/g/x"]}})")
            .starts_with("anonymous.subscribe[0]: '$share/g/x'"));
}

TEST_CASE("errors name the JSON path") {
  CHECK(error_of(R"({"users": {"alice": {"roles": ["devise"]}}, "roles": {"device": {}}})") ==
        "users.alice.roles[0]: unknown role 'devise' (not in 'roles')");
  CHECK(error_of(R"({"default_roles": ["x"]})") ==
        "default_roles[0]: unknown role 'x' (not in 'roles')");
  CHECK(error_of(R"({"roles": {"r": {}}, "users": {"u": {"roles": ["r", "r"]}}})") ==
        "users.u.roles[1]: role 'r' is listed twice");
  CHECK(error_of(R"({"rolez": {}})") == "unknown key 'rolez'");
  CHECK(error_of(R"({"roles": {"device": {"subscrib": []}}})") ==
        "unknown key 'roles.device.subscrib'");
  CHECK(error_of(R"({"users": {"a": {"publish": [], "role": []}}})") ==
        "unknown key 'users.a.role'");
  CHECK(error_of(R"({"anonymous": {"roles": []}})") == "unknown key 'anonymous.roles'");
  CHECK(error_of(R"({"roles": {"r": {}, "r": {}}})") == "duplicate key 'roles.r'");
  CHECK(error_of(R"({"roles": {"device": {"subscribe": ["a", "b", "#/x"]}}})") ==
        "roles.device.subscribe[2]: '#/x' is not a valid topic filter");
  CHECK(error_of(R"({"roles": {"device": {"publish": ["a+"]}}})") ==
        "roles.device.publish[0]: 'a+' is not a valid topic filter");
  CHECK(error_of(R"({"roles": {"device": {"publish": [""]}}})") ==
        "roles.device.publish[0]: '' is not a valid topic filter");
  CHECK(error_of(R"({"roles": {"device": {"publish": [3]}}})") ==
        "'roles.device.publish[0]' must be a topic filter (a string)");
  CHECK(error_of(R"({"roles": {"device": {"publish": "a"}}})") ==
        "'roles.device.publish' must be an array of topic filters");
  CHECK(error_of(R"({"users": {"u": {"roles": "r"}}})") ==
        "'users.u.roles' must be an array of role names");
  CHECK(error_of(R"({"users": {"u": []}})") == "'users.u' must be an object");
  CHECK(error_of("[]") == "'(top level)' must be an object");
  CHECK(error_of("{").starts_with("invalid JSON at offset"));
  CHECK(error_of(R"({"anonymous": {"publish": ["a\u0000"]}})")
            .starts_with("anonymous.publish[0]: 'a"));
  // Deep nesting is an error, not a stack overflow.
  CHECK(error_of(R"({"roles": )" + std::string(100000, '[') + std::string(100000, ']') + "}") ==
        "'roles' must be an object");
}

TEST_CASE("JSON comments are allowed") {
  const acl a = parsed("// who may do what\n{\"anonymous\": {\"publish\": [\"a\"]}}");
  CHECK(may_publish(a, {std::nullopt, "c"}, "a"));
}

TEST_CASE("limits hold at the limit and fail one past it") {
  using namespace pummelo::broker::auth;
  // Patterns per list.
  CHECK(acl::parse(with_patterns(max_patterns_per_list)).value);
  CHECK(error_of(with_patterns(max_patterns_per_list + 1)) ==
        "'roles.r.subscribe' must have at most " + std::to_string(max_patterns_per_list) +
            " patterns");
  // Pattern length.
  const std::string longest(max_pattern_length, 'a');
  const acl a = parsed(R"({"anonymous": {"publish": [")" + longest + R"("]}})");
  CHECK(may_publish(a, {std::nullopt, "c"}, longest));
  CHECK(error_of(R"({"anonymous": {"publish": [")" + longest + R"(a"]}})") ==
        "anonymous.publish[0]: a pattern must be at most " + std::to_string(max_pattern_length) +
            " bytes");
  // Roles per list.
  CHECK(acl::parse(with_roles(max_roles_per_list)).value);
  CHECK(error_of(with_roles(max_roles_per_list + 1)) ==
        "'default_roles' must have at most " + std::to_string(max_roles_per_list) + " roles");
  // Text size: padding with spaces.
  std::string text = "{}";
  text.resize(max_acl_file_size, ' ');
  CHECK(acl::parse(text).value);
  text.push_back(' ');
  CHECK(error_of(text) ==
        "the ACL must be at most " + std::to_string(max_acl_file_size) + " bytes");
}

TEST_CASE("a missing file is a clear error naming it") {
  auto r = acl::load("/nonexistent/acl.json");
  REQUIRE_FALSE(r.value);
  CHECK(r.error.starts_with("cannot read ACL file '/nonexistent/acl.json'"));
}

TEST_CASE("the shipped conf/secure/acl.json loads and says what it documents") {
  const std::string path = std::string(PUMMELO_SOURCE_ROOT) + "/conf/secure/acl.json";
  auto r = acl::load(path);
  REQUIRE_MESSAGE(r.value, r.error);
  const acl& a = *r.value;
  for (const char* device : {"alice", "bob"}) {
    CAPTURE(device);
    const std::string me = device;
    const std::string other = me == "alice" ? "bob" : "alice";
    CHECK(a.roles_of(me) == std::vector<std::string>{"device"});
    CHECK(may_subscribe(a, user(me), "push/" + me + "/#"));
    CHECK(may_subscribe(a, user(me), "broadcast/#"));
    CHECK(may_publish(a, user(me), "up/" + me + "/battery"));
    CHECK_FALSE(may_subscribe(a, user(me), "push/" + other + "/#"));
    CHECK_FALSE(may_subscribe(a, user(me), "push/#"));
    CHECK_FALSE(may_subscribe(a, user(me), "up/#"));
    CHECK_FALSE(may_publish(a, user(me), "up/" + other + "/battery"));
    CHECK_FALSE(may_publish(a, user(me), "$push/uids"));
    CHECK_FALSE(may_publish(a, user(me), "broadcast/news"));
  }
  CHECK(may_subscribe(a, user("backend"), "up/#"));
  CHECK(may_subscribe(a, user("backend"), "#"));
  CHECK(may_publish(a, user("backend"), "$push/uids"));
  CHECK(may_publish(a, user("backend"), "broadcast/news"));
  CHECK_FALSE(may_subscribe(a, user("backend"), "$SYS/#"));
  CHECK_FALSE(may_publish(a, user("backend"), "$CONTROL/pummelo/v1"));
  CHECK(may_subscribe(a, user("admin"), "$SYS/#"));
  CHECK(may_subscribe(a, user("admin"), "$CONTROL/pummelo/v1"));
  CHECK(may_publish(a, user("admin"), "$CONTROL/pummelo/v1"));
  CHECK(may_publish(a, user("admin"), "$push/uids"));
  // No default roles, no anonymous rights.
  CHECK(a.roles_of("mallory").empty());
  CHECK_FALSE(may_subscribe(a, user("mallory"), "push/mallory/#"));
  CHECK_FALSE(may_subscribe(a, {std::nullopt, "c"}, "broadcast/#"));
}
