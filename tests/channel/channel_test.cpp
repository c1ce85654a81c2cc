// channel: membership, destroy, and its two push plans.
#include "pummelo/channel/channel.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "plan_helpers.hpp"

using pummelo::channel::add_result;
using pummelo::channel::channel;
using pummelo::channel::push_errc;
using namespace pummelo::channel::test;

TEST_CASE("a new channel is empty and alive") {
  channel ch("room/1");
  CHECK(ch.name() == "room/1");
  CHECK(ch.empty());
  CHECK(ch.size() == 0);
  CHECK(ch.members().empty());
  CHECK(ch.frontends().empty());
  CHECK_FALSE(ch.destroyed());
  CHECK(ch.member("u1").empty());
  CHECK_FALSE(ch.has_member("u1", "f1"));
}

TEST_CASE("add records the membership both ways") {
  channel ch("c");
  CHECK(ch.add("u1", "f1") == add_result::added);
  CHECK(ch.add("u2", "f1") == add_result::added);
  CHECK(ch.add("u3", "f2") == add_result::added);
  CHECK(ch.size() == 3);
  CHECK_FALSE(ch.empty());
  CHECK(ch.has_member("u1", "f1"));
  CHECK_FALSE(ch.has_member("u1", "f2"));  // uid known, but not on that frontend
  CHECK_FALSE(ch.has_member("u3", "f1"));
  CHECK(ch.member("u1") == strings{"f1"});
  CHECK(ch.member("u3") == strings{"f2"});
  CHECK(memberships(ch) == strings{"u1@f1", "u2@f1", "u3@f2"});
  auto fronts = ch.frontends();
  std::sort(fronts.begin(), fronts.end());
  CHECK(fronts == std::vector<std::pair<std::string, std::size_t>>{{"f1", 2}, {"f2", 1}});
}

TEST_CASE("add is idempotent per (uid, frontend)") {
  channel ch("c");
  CHECK(ch.add("u1", "f1") == add_result::added);
  CHECK(ch.add("u1", "f1") == add_result::already_member);
  CHECK(ch.add("u1", "f1") == add_result::already_member);
  CHECK(ch.size() == 1);
  CHECK(memberships(ch) == strings{"u1@f1"});
  CHECK(ch.member("u1") == strings{"f1"});
  CHECK(ch.frontends() == std::vector<std::pair<std::string, std::size_t>>{{"f1", 1}});
}

TEST_CASE("one uid on several frontends is one membership per frontend") {
  channel ch("c");
  CHECK(ch.add("u1", "f1") == add_result::added);
  CHECK(ch.add("u1", "f2") == add_result::added);  // a second device elsewhere
  CHECK(ch.size() == 2);
  CHECK(sorted(ch.member("u1")) == strings{"f1", "f2"});
  CHECK(memberships(ch) == strings{"u1@f1", "u1@f2"});
}

TEST_CASE("leave removes one membership and drops emptied records and groups") {
  channel ch("c");
  ch.add("u1", "f1");
  ch.add("u1", "f2");
  ch.add("u2", "f1");

  SUBCASE("leaving one frontend keeps the uid's others") {
    CHECK(ch.leave("u1", "f1"));
    CHECK(ch.size() == 2);
    CHECK(ch.member("u1") == strings{"f2"});
    CHECK_FALSE(ch.has_member("u1", "f1"));
    CHECK(ch.has_member("u1", "f2"));
    CHECK(memberships(ch) == strings{"u1@f2", "u2@f1"});
  }
  SUBCASE("the last uid of a frontend drops its group") {
    CHECK(ch.leave("u1", "f2"));
    auto fronts = ch.frontends();
    CHECK(fronts == std::vector<std::pair<std::string, std::size_t>>{{"f1", 2}});
    CHECK(frontends(ch.plan_push()) == strings{"f1"});
  }
  SUBCASE("the last frontend of a uid drops its record") {
    CHECK(ch.leave("u1", "f1"));
    CHECK(ch.leave("u1", "f2"));
    CHECK(ch.member("u1").empty());
    CHECK(ch.size() == 1);
    const auto plan = ch.plan_push_by_uids(strings{"u1"});
    CHECK(plan.failed == strings{"u1"});
    CHECK(plan.groups.empty());
  }
  SUBCASE("leaving what is not a membership changes nothing") {
    CHECK_FALSE(ch.leave("u2", "f2"));  // member, other frontend
    CHECK_FALSE(ch.leave("nobody", "f1"));
    CHECK_FALSE(ch.leave("u1", "nowhere"));
    CHECK_FALSE(ch.leave("", ""));
    CHECK(ch.size() == 3);
    CHECK(ch.leave("u2", "f1"));
    CHECK_FALSE(ch.leave("u2", "f1"));  // twice
    CHECK(ch.size() == 2);
  }
  SUBCASE("leaving everything empties the channel; it can be refilled") {
    CHECK(ch.leave("u1", "f1"));
    CHECK(ch.leave("u1", "f2"));
    CHECK(ch.leave("u2", "f1"));
    CHECK(ch.empty());
    CHECK(ch.members().empty());
    CHECK(ch.frontends().empty());
    CHECK(ch.plan_push().groups.empty());
    CHECK(ch.add("u1", "f1") == add_result::added);
    CHECK(memberships(ch) == strings{"u1@f1"});
  }
}

TEST_CASE("destroy forgets the members and refuses adds and pushes") {
  channel ch("c");
  ch.add("u1", "f1");
  ch.add("u2", "f2");
  ch.destroy();
  CHECK(ch.destroyed());
  CHECK(ch.empty());
  CHECK(ch.size() == 0);
  CHECK(ch.members().empty());
  CHECK(ch.frontends().empty());
  CHECK(ch.member("u1").empty());
  CHECK_FALSE(ch.has_member("u1", "f1"));
  CHECK_FALSE(ch.leave("u1", "f1"));
  CHECK(ch.add("u3", "f1") == add_result::destroyed);
  CHECK(ch.add("u1", "f1") == add_result::destroyed);
  CHECK(ch.size() == 0);

  const auto all = ch.plan_push();
  CHECK(all.error == push_errc::channel_destroyed);
  CHECK(all.groups.empty());
  CHECK(all.failed.empty());
  const auto some = ch.plan_push_by_uids(strings{"u1"});
  CHECK(some.error == push_errc::channel_destroyed);
  CHECK(some.groups.empty());
  // The channel's state wins over the request's fault.
  CHECK(ch.plan_push_by_uids({}).error == push_errc::channel_destroyed);

  ch.destroy();  // twice is harmless
  CHECK(ch.destroyed());
  CHECK(ch.name() == "c");
}

TEST_CASE("plan_push: one whole-channel group per frontend holding members") {
  channel ch("c");
  for (const char* uid : {"a", "b", "c"}) ch.add(uid, "f1");
  ch.add("d", "f2");
  ch.add("a", "f3");
  const auto plan = ch.plan_push();
  CHECK(plan.error == push_errc::ok);
  CHECK(plan.failed.empty());
  CHECK(frontends(plan) == strings{"f1", "f2", "f3"});
  for (const auto& g : plan.groups) {
    CHECK(g.whole_channel);
    CHECK(g.uids.empty());  // the frontend resolves the members itself
  }
}

TEST_CASE("plan_push of an empty channel has nothing to do and no error") {
  channel ch("c");
  const auto plan = ch.plan_push();
  CHECK(plan.error == push_errc::ok);
  CHECK(plan.groups.empty());
  CHECK(plan.failed.empty());
}

TEST_CASE("plan_push_by_uids: each frontend gets only its listed members") {
  channel ch("c");
  ch.add("a", "f1");
  ch.add("b", "f1");
  ch.add("c", "f2");
  ch.add("d", "f2");
  ch.add("e", "f3");
  ch.add("b", "f2");  // b has two devices on two frontends

  SUBCASE("listed members only, a uid on two frontends in both groups") {
    const auto plan = ch.plan_push_by_uids(strings{"a", "b", "c"});
    CHECK(plan.error == push_errc::ok);
    CHECK(plan.failed.empty());
    CHECK(frontends(plan) == strings{"f1", "f2"});  // f3 holds none of them
    CHECK(uids_for(plan, "f1") == strings{"a", "b"});
    CHECK(uids_for(plan, "f2") == strings{"b", "c"});
    for (const auto& g : plan.groups) CHECK_FALSE(g.whole_channel);
  }
  SUBCASE("non-members go to failed, once each") {
    const auto plan = ch.plan_push_by_uids(strings{"x", "a", "y", "x"});
    CHECK(plan.failed == strings{"x", "y"});
    CHECK(frontends(plan) == strings{"f1"});
    CHECK(uids_for(plan, "f1") == strings{"a"});
  }
  SUBCASE("duplicates in the input count once") {
    const auto plan = ch.plan_push_by_uids(strings{"b", "b", "e", "b", "e"});
    CHECK(uids_for(plan, "f1") == strings{"b"});
    CHECK(uids_for(plan, "f2") == strings{"b"});
    CHECK(uids_for(plan, "f3") == strings{"e"});
    CHECK(plan.failed.empty());
  }
  SUBCASE("only non-members: no groups, all failed") {
    const auto plan = ch.plan_push_by_uids(strings{"x"});
    CHECK(plan.error == push_errc::ok);
    CHECK(plan.groups.empty());
    CHECK(plan.failed == strings{"x"});
  }
  SUBCASE("no uids is an error") {
    const auto plan = ch.plan_push_by_uids({});
    CHECK(plan.error == push_errc::empty_uids);
    CHECK(plan.groups.empty());
    CHECK(plan.failed.empty());
  }
  SUBCASE("a member who left is failed") {
    CHECK(ch.leave("a", "f1"));
    const auto plan = ch.plan_push_by_uids(strings{"a", "b"});
    CHECK(plan.failed == strings{"a"});
    CHECK(uids_for(plan, "f1") == strings{"b"});
  }
}

TEST_CASE("a channel can be copied and moved as plain data") {
  channel ch("c");
  ch.add("u1", "f1");
  channel copy = ch;
  CHECK(copy.add("u2", "f1") == add_result::added);
  CHECK(ch.size() == 1);
  CHECK(copy.size() == 2);
  channel moved = std::move(copy);
  CHECK(memberships(moved) == strings{"u1@f1", "u2@f1"});
}

TEST_CASE("uids_on lists one frontend's members only") {
  channel ch("room/1");
  ch.add("u1", "f1");
  ch.add("u2", "f1");
  ch.add("u1", "f2");
  auto on_f1 = ch.uids_on("f1");
  std::sort(on_f1.begin(), on_f1.end());
  CHECK(on_f1 == std::vector<std::string>{"u1", "u2"});
  CHECK(ch.uids_on("f2") == std::vector<std::string>{"u1"});
  CHECK(ch.uids_on("f3").empty());
  ch.leave("u1", "f2");
  CHECK(ch.uids_on("f2").empty());
}
