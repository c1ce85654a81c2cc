// push_result: the latch over a plan's groups, and push_errc names.
#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "plan_helpers.hpp"
#include "pummelo/channel/push_plan.hpp"

using pummelo::channel::push_errc;
using pummelo::channel::push_group;
using pummelo::channel::push_plan;
using pummelo::channel::push_result;
using namespace pummelo::channel::test;

namespace {

push_plan two_groups() {
  push_plan plan;
  plan.groups.push_back({"f1", {"a", "b"}, false});
  plan.groups.push_back({"f2", {"c"}, false});
  return plan;
}

}  // namespace

TEST_CASE("a result completes when every group has reported") {
  push_result r(two_groups());
  CHECK(r.error() == push_errc::ok);
  CHECK(r.pending() == 2);
  CHECK_FALSE(r.complete());
  CHECK(r.sessions() == 0);
  CHECK(r.failed().empty());

  CHECK(r.delivered("f1", 3));
  CHECK(r.pending() == 1);
  CHECK_FALSE(r.complete());
  CHECK(r.sessions() == 3);

  CHECK(r.delivered("f2", 4));
  CHECK(r.pending() == 0);
  CHECK(r.complete());
  CHECK(r.sessions() == 7);  // summed over frontends
  CHECK(r.failed().empty());
}

TEST_CASE("each frontend reports once; repeats and strangers are ignored") {
  push_result r(two_groups());
  CHECK(r.delivered("f1", 2));
  CHECK_FALSE(r.delivered("f1", 5, {"a"}));  // a second delivered report
  CHECK_FALSE(r.group_failed("f1"));         // a failure after delivery
  CHECK_FALSE(r.delivered("nowhere", 9));
  CHECK_FALSE(r.group_failed("nowhere", {"z"}));
  CHECK(r.pending() == 1);
  CHECK(r.sessions() == 2);
  CHECK(r.failed().empty());

  CHECK(r.group_failed("f2"));
  CHECK_FALSE(r.group_failed("f2"));
  CHECK_FALSE(r.delivered("f2", 1));
  CHECK(r.complete());
  CHECK(r.sessions() == 2);
  CHECK(r.failed() == strings{"c"});
}

TEST_CASE("a failed group puts all its uids into failed") {
  push_result r(two_groups());
  CHECK(r.group_failed("f1", {"ignored"}));  // listed uids: channel_uids unused
  CHECK(r.failed() == strings{"a", "b"});
  CHECK(r.pending() == 1);
  CHECK(r.sessions() == 0);
}

TEST_CASE("a failed whole-channel group fails the channel uids given") {
  push_plan plan;
  plan.groups.push_back({"f1", {}, true});
  plan.groups.push_back({"f2", {}, true});
  push_result r(plan);
  CHECK(r.group_failed("f1", {"a", "b", "a"}));
  CHECK(r.group_failed("f2"));  // nothing known about f2's members: none listed
  CHECK(r.complete());
  CHECK(r.failed() == strings{"a", "b"});
}

TEST_CASE("failed: the plan's first, then reported ones, without duplicates") {
  push_plan plan = two_groups();
  plan.failed = {"x", "y", "x"};
  push_result r(plan);
  CHECK(r.failed() == strings{"x", "y"});  // before any report
  CHECK(r.delivered("f1", 1, {"b", "x", "b"}));
  CHECK(r.failed() == strings{"x", "y", "b"});
  CHECK(r.group_failed("f2"));
  CHECK(r.failed() == strings{"x", "y", "b", "c"});
  const std::set<std::string> unique(r.failed().begin(), r.failed().end());
  CHECK(unique.size() == r.failed().size());
}

TEST_CASE("a plan with an error is complete at once") {
  for (const auto e :
       {push_errc::channel_destroyed, push_errc::no_such_channel, push_errc::empty_uids}) {
    push_plan plan;
    plan.error = e;
    push_result r(plan);
    CHECK(r.error() == e);
    CHECK(r.complete());
    CHECK(r.pending() == 0);
    CHECK_FALSE(r.delivered("f1", 1));
    CHECK(r.sessions() == 0);
  }
}

TEST_CASE("groups left in an error plan are not waited for") {
  push_plan plan = two_groups();
  plan.error = push_errc::channel_destroyed;
  push_result r(plan);
  CHECK(r.complete());
  CHECK_FALSE(r.delivered("f1", 1));
  CHECK_FALSE(r.group_failed("f2"));
  CHECK(r.failed().empty());
}

TEST_CASE("a plan with nothing to do is complete at once, without error") {
  push_result r(push_plan{});
  CHECK(r.error() == push_errc::ok);
  CHECK(r.complete());
  CHECK(r.failed().empty());
}

TEST_CASE("a plan whose failed list is all there is completes with them") {
  push_plan plan;
  plan.failed = {"gone"};
  push_result r(plan);
  CHECK(r.complete());
  CHECK(r.failed() == strings{"gone"});
}

TEST_CASE("a frontend listed twice in a plan is waited for once") {
  push_plan plan = two_groups();
  plan.groups.push_back({"f1", {"d"}, false});
  push_result r(plan);
  CHECK(r.pending() == 2);
  CHECK(r.group_failed("f1"));
  CHECK(r.failed() == strings{"a", "b"});  // the first f1 group
  CHECK(r.delivered("f2", 1));
  CHECK(r.complete());
}

TEST_CASE("a result outlives its plan, and copies report independently") {
  auto plan = std::make_unique<push_plan>(two_groups());
  push_result original(*plan);
  plan.reset();  // the result keeps what it needs

  push_result copy = original;
  CHECK(copy.group_failed("f1"));
  CHECK(copy.failed() == strings{"a", "b"});
  CHECK(copy.pending() == 1);
  CHECK(original.pending() == 2);
  CHECK(original.failed().empty());

  {
    push_result doomed = original;
    copy = doomed;  // copy the unreported state, then drop the source
  }
  CHECK(copy.pending() == 2);
  CHECK(copy.group_failed("f2"));
  CHECK(copy.failed() == strings{"c"});

  push_result moved = std::move(original);
  CHECK(moved.group_failed("f1"));
  CHECK(moved.failed() == strings{"a", "b"});
}

TEST_CASE("every push_errc has its own name") {
  std::set<std::string_view> names;
  for (const auto e : {push_errc::ok, push_errc::channel_destroyed, push_errc::no_such_channel,
                       push_errc::empty_uids}) {
    CHECK_FALSE(to_string(e).empty());
    names.insert(to_string(e));
  }
  CHECK(names.size() == 4);
  CHECK(to_string(push_errc::ok) == "ok");
}
