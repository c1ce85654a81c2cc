// uid_directory: sessions per uid per frontend, and plans by uid.
#include "pummelo/channel/uid_directory.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "plan_helpers.hpp"
#include "pummelo/channel/push_plan.hpp"

using pummelo::channel::push_errc;
using pummelo::channel::push_result;
using pummelo::channel::uid_directory;
using namespace pummelo::channel::test;

TEST_CASE("an empty directory knows nobody") {
  uid_directory dir;
  CHECK(dir.uid_count() == 0);
  CHECK(dir.frontends_of("u").empty());
  CHECK(dir.sessions_of("u", "f1") == 0);
  CHECK_FALSE(dir.unbind("u", "f1"));
  CHECK(dir.drop_frontend("f1").empty());
}

TEST_CASE("bind counts sessions per uid per frontend") {
  uid_directory dir;
  dir.bind("u1", "f1");
  dir.bind("u1", "f1");
  dir.bind("u1", "f2");
  dir.bind("u2", "f2");
  CHECK(dir.uid_count() == 2);
  CHECK(dir.sessions_of("u1", "f1") == 2);
  CHECK(dir.sessions_of("u1", "f2") == 1);
  CHECK(dir.sessions_of("u1", "f3") == 0);
  CHECK(dir.sessions_of("u2", "f2") == 1);
  CHECK(dir.sessions_of("u2", "f1") == 0);
  CHECK(sorted(dir.frontends_of("u1")) == strings{"f1", "f2"});
  CHECK(dir.frontends_of("u2") == strings{"f2"});
}

TEST_CASE("unbind counts down and drops emptied entries") {
  uid_directory dir;
  dir.bind("u1", "f1");
  dir.bind("u1", "f1");
  dir.bind("u1", "f2");

  CHECK(dir.unbind("u1", "f1"));
  CHECK(dir.sessions_of("u1", "f1") == 1);
  CHECK(sorted(dir.frontends_of("u1")) == strings{"f1", "f2"});

  CHECK(dir.unbind("u1", "f1"));
  CHECK(dir.sessions_of("u1", "f1") == 0);
  CHECK(dir.frontends_of("u1") == strings{"f2"});
  CHECK_FALSE(dir.unbind("u1", "f1"));  // none left there
  CHECK(dir.uid_count() == 1);

  CHECK(dir.unbind("u1", "f2"));
  CHECK(dir.uid_count() == 0);
  CHECK(dir.frontends_of("u1").empty());
  CHECK_FALSE(dir.unbind("u1", "f2"));
  CHECK(dir.drop_frontend("f1").empty());  // the reverse index was emptied too
  CHECK(dir.drop_frontend("f2").empty());
}

TEST_CASE("drop_frontend forgets a dead frontend's sessions, and only those") {
  uid_directory dir;
  dir.bind("a", "f1");
  dir.bind("a", "f1");
  dir.bind("b", "f1");
  dir.bind("b", "f2");
  dir.bind("c", "f2");

  CHECK(sorted(dir.drop_frontend("f1")) == strings{"a", "b"});
  CHECK(dir.uid_count() == 2);  // a is gone; b lives on f2
  CHECK(dir.frontends_of("a").empty());
  CHECK(dir.frontends_of("b") == strings{"f2"});
  CHECK(dir.sessions_of("a", "f1") == 0);
  CHECK_FALSE(dir.unbind("a", "f1"));
  CHECK(dir.drop_frontend("f1").empty());  // twice
  CHECK(dir.drop_frontend("nowhere").empty());

  const auto plan = dir.plan(strings{"a", "b", "c"});
  CHECK(plan.failed == strings{"a"});
  CHECK(frontends(plan) == strings{"f2"});
  CHECK(uids_for(plan, "f2") == strings{"b", "c"});

  dir.bind("a", "f1");  // the frontend comes back
  CHECK(dir.sessions_of("a", "f1") == 1);
  CHECK(dir.drop_frontend("f1") == strings{"a"});
}

TEST_CASE("plan groups uids by the frontends holding their sessions") {
  uid_directory dir;
  dir.bind("a", "f1");
  dir.bind("b", "f1");
  dir.bind("b", "f2");
  dir.bind("c", "f3");

  SUBCASE("each frontend gets its uids; a uid on two gets both") {
    const auto plan = dir.plan(strings{"a", "b"});
    CHECK(plan.error == push_errc::ok);
    CHECK(plan.failed.empty());
    CHECK(frontends(plan) == strings{"f1", "f2"});
    CHECK(uids_for(plan, "f1") == strings{"a", "b"});
    CHECK(uids_for(plan, "f2") == strings{"b"});
    for (const auto& g : plan.groups) CHECK_FALSE(g.whole_channel);
  }
  SUBCASE("uids with no session go to failed, once") {
    const auto plan = dir.plan(strings{"x", "c", "x", "y"});
    CHECK(plan.failed == strings{"x", "y"});
    CHECK(frontends(plan) == strings{"f3"});
  }
  SUBCASE("duplicates count once") {
    const auto plan = dir.plan(strings{"b", "b", "b"});
    CHECK(uids_for(plan, "f1") == strings{"b"});
    CHECK(uids_for(plan, "f2") == strings{"b"});
  }
  SUBCASE("no uids is an error") {
    const auto plan = dir.plan({});
    CHECK(plan.error == push_errc::empty_uids);
    CHECK(plan.groups.empty());
    CHECK(plan.failed.empty());
  }
  SUBCASE("an unbound uid is failed") {
    CHECK(dir.unbind("a", "f1"));
    const auto plan = dir.plan(strings{"a"});
    CHECK(plan.groups.empty());
    CHECK(plan.failed == strings{"a"});
  }
}

TEST_CASE("a uid with three devices on two frontends") {
  uid_directory dir;
  dir.bind("alice", "f1");  // phone
  dir.bind("alice", "f1");  // tablet, same frontend
  dir.bind("alice", "f2");  // laptop
  CHECK(dir.uid_count() == 1);
  CHECK(dir.sessions_of("alice", "f1") == 2);
  CHECK(dir.sessions_of("alice", "f2") == 1);

  // A push reaches both frontends; each delivers to its local sessions.
  auto plan = dir.plan(strings{"alice"});
  CHECK(frontends(plan) == strings{"f1", "f2"});
  push_result r(plan);
  CHECK(r.delivered("f1", dir.sessions_of("alice", "f1")));
  CHECK(r.delivered("f2", dir.sessions_of("alice", "f2")));
  CHECK(r.complete());
  CHECK(r.sessions() == 3);
  CHECK(r.failed().empty());

  // The phone disconnects: the tablet still holds f1.
  CHECK(dir.unbind("alice", "f1"));
  CHECK(frontends(dir.plan(strings{"alice"})) == strings{"f1", "f2"});
  // The tablet too: only the laptop's frontend is left.
  CHECK(dir.unbind("alice", "f1"));
  plan = dir.plan(strings{"alice"});
  CHECK(frontends(plan) == strings{"f2"});
  // The laptop: alice is gone.
  CHECK(dir.unbind("alice", "f2"));
  plan = dir.plan(strings{"alice"});
  CHECK(plan.groups.empty());
  CHECK(plan.failed == strings{"alice"});
  CHECK(dir.uid_count() == 0);
}
