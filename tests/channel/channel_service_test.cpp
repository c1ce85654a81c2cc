// channel_service: channels by name, plans by records, broadcast.
#include "pummelo/channel/channel_service.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "plan_helpers.hpp"

using pummelo::channel::add_result;
using pummelo::channel::channel;
using pummelo::channel::channel_service;
using pummelo::channel::member;
using pummelo::channel::push_errc;
using pummelo::channel::push_result;
using namespace pummelo::channel::test;

TEST_CASE("create makes a channel once and returns it after") {
  channel_service svc;
  CHECK(svc.size() == 0);
  channel& a = svc.create("room/a");
  CHECK(a.name() == "room/a");
  CHECK(svc.size() == 1);
  a.add("u1", "f1");
  channel& again = svc.create("room/a");
  CHECK(&again == &a);
  CHECK(again.size() == 1);  // not replaced by a fresh one
  CHECK(svc.size() == 1);
  svc.create("room/b");
  CHECK(svc.size() == 2);
  CHECK(&svc.create("room/a") == &a);  // references survive other insertions
}

TEST_CASE("get finds, and creates only when asked") {
  channel_service svc;
  CHECK(svc.get("x") == nullptr);
  CHECK(svc.get("x", false) == nullptr);
  CHECK(svc.size() == 0);
  channel* made = svc.get("x", true);
  REQUIRE(made != nullptr);
  CHECK(made->name() == "x");
  CHECK(svc.size() == 1);
  CHECK(svc.get("x") == made);
  CHECK(svc.get("x", true) == made);
  CHECK(&svc.create("x") == made);

  const channel_service& view = svc;
  CHECK(view.get("x") == made);
  CHECK(view.get("y") == nullptr);
}

TEST_CASE("destroy forgets the channel; the name can be reused afresh") {
  channel_service svc;
  svc.create("c").add("u1", "f1");
  CHECK(svc.destroy("c"));
  CHECK(svc.size() == 0);
  CHECK(svc.get("c") == nullptr);
  CHECK_FALSE(svc.destroy("c"));
  CHECK_FALSE(svc.destroy("never"));

  channel& fresh = svc.create("c");
  CHECK_FALSE(fresh.destroyed());
  CHECK(fresh.empty());  // the old members are gone
  CHECK(fresh.add("u1", "f1") == add_result::added);
}

TEST_CASE("a channel destroyed directly stays listed, refusing, until the service drops it") {
  channel_service svc;
  channel& c = svc.create("c");
  c.add("u1", "f1");
  c.destroy();
  CHECK(svc.get("c") == &c);
  CHECK(svc.create("c").add("u2", "f1") == add_result::destroyed);
  CHECK(svc.create("c").plan_push().error == push_errc::channel_destroyed);
  CHECK(svc.destroy("c"));
  CHECK_FALSE(svc.create("c").destroyed());
}

TEST_CASE("names: sorted, filtered by prefix, limited") {
  channel_service svc;
  for (const char* n : {"room/3", "lobby", "room/1", "room/10", "room/2", "roo"}) svc.create(n);
  CHECK(svc.names() == strings{"lobby", "roo", "room/1", "room/10", "room/2", "room/3"});
  CHECK(svc.names("room/") == strings{"room/1", "room/10", "room/2", "room/3"});
  CHECK(svc.names("room/1") == strings{"room/1", "room/10"});
  CHECK(svc.names("room/", 2) == strings{"room/1", "room/10"});  // the first two, sorted
  CHECK(svc.names("", 1) == strings{"lobby"});
  CHECK(svc.names("room/", 0).empty());
  CHECK(svc.names("room/", 100).size() == 4);
  CHECK(svc.names("zzz").empty());
  CHECK(channel_service{}.names().empty());
}

TEST_CASE("plan_by_records groups (uid, frontend) records by frontend") {
  const std::vector<member> records{
      {"a", "f1"}, {"b", "f2"}, {"c", "f1"}, {"a", "f2"}, {"a", "f1"}, {"c", "f1"},
  };
  const auto plan = channel_service::plan_by_records(records);
  CHECK(plan.error == push_errc::ok);
  CHECK(plan.failed.empty());
  REQUIRE(plan.groups.size() == 2);
  CHECK(plan.groups[0].frontend == "f1");  // in order of first appearance
  CHECK(plan.groups[1].frontend == "f2");
  CHECK(plan.groups[0].uids == strings{"a", "c"});  // repeated records count once
  CHECK(plan.groups[1].uids == strings{"b", "a"});
  for (const auto& g : plan.groups) CHECK_FALSE(g.whole_channel);
}

TEST_CASE("plan_by_records of nothing is empty_uids") {
  const auto plan = channel_service::plan_by_records({});
  CHECK(plan.error == push_errc::empty_uids);
  CHECK(plan.groups.empty());
  CHECK(push_result(plan).complete());
}

TEST_CASE("plan_broadcast: one whole-channel group per distinct frontend") {
  const strings fronts{"f2", "f1", "f2", "f3", "f1"};
  const auto plan = channel_service::plan_broadcast(fronts);
  CHECK(plan.error == push_errc::ok);
  CHECK(plan.failed.empty());
  REQUIRE(plan.groups.size() == 3);
  CHECK(plan.groups[0].frontend == "f2");
  CHECK(plan.groups[1].frontend == "f1");
  CHECK(plan.groups[2].frontend == "f3");
  for (const auto& g : plan.groups) {
    CHECK(g.whole_channel);
    CHECK(g.uids.empty());
  }
  push_result r(plan);
  CHECK(r.pending() == 3);
  CHECK(r.delivered("f1", 10));
  CHECK(r.delivered("f2", 20));
  CHECK(r.group_failed("f3"));
  CHECK(r.complete());
  CHECK(r.sessions() == 30);
}

TEST_CASE("plan_broadcast to no frontend has nothing to do and no error") {
  const auto plan = channel_service::plan_broadcast({});
  CHECK(plan.error == push_errc::ok);
  CHECK(plan.groups.empty());
  CHECK(push_result(plan).complete());
}
