// Each pomelo channel flaw (shared/ANCHORS.md), shown fixed. Each test states
// what pomelo did; it fails if ours behaves that way.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "plan_helpers.hpp"
#include "pummelo/channel/channel.hpp"
#include "pummelo/channel/channel_service.hpp"
#include "pummelo/channel/push_plan.hpp"
#include "pummelo/channel/uid_directory.hpp"

using pummelo::channel::add_result;
using pummelo::channel::channel;
using pummelo::channel::channel_service;
using pummelo::channel::push_errc;
using pummelo::channel::push_result;
using pummelo::channel::uid_directory;
using namespace pummelo::channel::test;

TEST_CASE("pomelo #745: a uid added twice is one member and is planned once") {
  // pomelo's add pushed the uid into groups[sid] again: two deliveries.
  channel ch("c");
  CHECK(ch.add("u1", "f1") == add_result::added);
  CHECK(ch.add("u1", "f1") == add_result::already_member);
  CHECK(ch.size() == 1);
  CHECK(ch.members().size() == 1);
  CHECK(ch.frontends() == std::vector<std::pair<std::string, std::size_t>>{{"f1", 1}});

  const auto by_uid = ch.plan_push_by_uids(strings{"u1"});
  REQUIRE(by_uid.groups.size() == 1);
  CHECK(by_uid.groups[0].uids == strings{"u1"});  // one entry, not two

  CHECK(ch.plan_push().groups.size() == 1);

  // One leave undoes the membership entirely.
  CHECK(ch.leave("u1", "f1"));
  CHECK(ch.empty());
  CHECK_FALSE(ch.leave("u1", "f1"));
}

TEST_CASE("pomelo: a push on a destroyed channel gets an error result") {
  // pomelo's pushMessage returned without calling back: the caller hung.
  channel_service svc;
  channel& ch = svc.create("c");
  ch.add("u1", "f1");
  ch.destroy();
  for (const auto& plan : {ch.plan_push(), ch.plan_push_by_uids(strings{"u1"})}) {
    CHECK(plan.error == push_errc::channel_destroyed);
    CHECK(plan.groups.empty());
    push_result r(plan);
    CHECK(r.complete());  // the callback fires at once, with the error
    CHECK(r.error() == push_errc::channel_destroyed);
  }
}

TEST_CASE("pomelo: uids of a frontend group whose RPC failed are reported") {
  // pomelo logged the failed group and called back with no failed uids.
  channel ch("c");
  ch.add("a", "f1");
  ch.add("b", "f2");
  ch.add("c", "f2");

  SUBCASE("by uids") {
    push_result r(ch.plan_push_by_uids(strings{"a", "b", "c", "ghost"}));
    CHECK(r.delivered("f1", 1));
    CHECK(r.group_failed("f2"));
    CHECK(r.complete());
    CHECK(sorted(r.failed()) == strings{"b", "c", "ghost"});
  }
  SUBCASE("whole channel") {
    push_result r(ch.plan_push());
    CHECK(r.delivered("f1", 1));
    std::vector<std::string> on_f2;
    for (const auto& m : ch.members()) {
      if (m.frontend == "f2") on_f2.push_back(m.uid);
    }
    CHECK(r.group_failed("f2", on_f2));
    CHECK(r.complete());
    CHECK(sorted(r.failed()) == strings{"b", "c"});
  }
}

TEST_CASE("pomelo #230/#579: a kick by uid reaches every frontend holding it") {
  // pomelo's sessionService.kick only looked at the local frontend's sessions.
  uid_directory dir;
  dir.bind("u1", "f1");
  dir.bind("u1", "f2");
  dir.bind("u1", "f2");
  dir.bind("u2", "f3");
  const auto kick = dir.plan(strings{"u1"});
  CHECK(kick.error == push_errc::ok);
  CHECK(frontends(kick) == strings{"f1", "f2"});
  CHECK(uids_for(kick, "f1") == strings{"u1"});
  CHECK(uids_for(kick, "f2") == strings{"u1"});
  CHECK(group_of(kick, "f3") == nullptr);  // frontends without u1 are spared

  // Each frontend reports the sessions it kicked.
  push_result r(kick);
  CHECK(r.delivered("f1", 1));
  CHECK(r.delivered("f2", 2));
  CHECK(r.complete());
  CHECK(r.sessions() == 3);
}

TEST_CASE("pomelo: leaving one frontend does not forget the uid's others") {
  // pomelo's records held one {uid, sid} per uid: add on a second frontend
  // overwrote it and leave deleted it while the uid stayed in another group.
  channel ch("c");
  ch.add("u1", "f1");
  ch.add("u1", "f2");
  CHECK(sorted(ch.member("u1")) == strings{"f1", "f2"});
  CHECK(ch.leave("u1", "f1"));
  CHECK(ch.member("u1") == strings{"f2"});
  const auto plan = ch.plan_push_by_uids(strings{"u1"});
  CHECK(plan.failed.empty());
  CHECK(frontends(plan) == strings{"f2"});
}

TEST_CASE("pomelo: a destroyed channel's name starts a fresh channel") {
  // pomelo's Channel.destroy left the object refusing but, once the service
  // dropped it, getChannel(name, true) made a new one: ours does the same, and
  // the old members do not leak into the new channel.
  channel_service svc;
  svc.create("c").add("u1", "f1");
  CHECK(svc.destroy("c"));
  CHECK(svc.get("c") == nullptr);
  CHECK(svc.names().empty());
  channel* fresh = svc.get("c", true);
  REQUIRE(fresh != nullptr);
  CHECK_FALSE(fresh->destroyed());
  CHECK(fresh->plan_push_by_uids(strings{"u1"}).failed == strings{"u1"});
}
