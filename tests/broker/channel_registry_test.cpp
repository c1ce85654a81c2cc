// The in-process channel server: a filter's channel holds (member, frontend)
// once however many sessions of that member subscribe, and the membership
// ends with the last of them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "channel_registry.hpp"

using pummelo::broker::channel_registry;

TEST_CASE("several devices of one uid make one membership that ends with the last") {
  channel_registry r("fe-1");
  r.join("news/#", "alice");  // phone
  r.join("news/#", "alice");  // tablet
  r.join("news/#", "bob");
  CHECK(r.channel_count() == 1);
  CHECK(r.members("news/#").size() == 2);  // alice once, bob once

  r.leave("news/#", "alice");  // the phone unsubscribes; the tablet still holds it
  auto m = r.members("news/#");
  REQUIRE(m.size() == 2);
  r.leave("news/#", "alice");
  m = r.members("news/#");
  REQUIRE(m.size() == 1);
  CHECK(m[0].uid == "bob");
  CHECK(m[0].frontend == "fe-1");

  r.leave("news/#", "bob");
  CHECK(r.channel_count() == 0);  // channels live while they have members
  CHECK(r.members("news/#").empty());
  r.leave("news/#", "bob");  // an unmatched leave changes nothing
  CHECK(r.channel_count() == 0);
}

TEST_CASE("unbound sessions join under their client id; names do not mix filters") {
  CHECK(channel_registry::member_name("alice", "phone-1") == "alice");
  CHECK(channel_registry::member_name("", "phone-1") == "$client/phone-1");
  channel_registry r("fe-1");
  r.join("a", "x");
  r.join("a/x", "");  // the '\0' separator keeps ("a","x") and ("a/x","") apart
  CHECK(r.channel_count() == 2);
  r.leave("a", "x");
  CHECK(r.channel_count() == 1);
  CHECK(r.members("a/x").size() == 1);
}

TEST_CASE("sessions by uid: bind, look up, unbind") {
  channel_registry r("fe-1");
  r.bind_uid("alice", 11);
  r.bind_uid("alice", 12);
  r.bind_uid("bob", 13);
  std::vector<std::string> asked{"alice", "carol"};
  auto found = r.local_sessions(asked);
  REQUIRE(found.count("alice") == 1);
  CHECK(found["alice"].size() == 2);
  CHECK(found.count("carol") == 0);  // no session: left out, reported failed by the caller
  r.unbind_uid("alice", 11);
  r.unbind_uid("alice", 11);  // twice is harmless
  CHECK(r.local_sessions(asked)["alice"] == std::vector<pummelo::channel::session_id>{12});
  r.unbind_uid("alice", 12);
  CHECK(r.local_sessions(asked).empty());
}
