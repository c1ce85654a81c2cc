// Scale: 100k members and sessions. Costs are asserted as counts (heap
// allocations per operation, group counts), never as times, so a quadratic
// structure or a per-operation full scan fails here on any machine.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "plan_helpers.hpp"
#include "pummelo/channel/channel.hpp"
#include "pummelo/channel/push_plan.hpp"
#include "pummelo/channel/uid_directory.hpp"

using pummelo::channel::add_result;
using pummelo::channel::channel;
using pummelo::channel::push_result;
using pummelo::channel::uid_directory;
using pummelo::channel::test::allocations;
using pummelo::channel::test::live_allocations;
using pummelo::channel::test::strings;

namespace {

constexpr std::size_t members = 100'000;
constexpr std::size_t frontend_count = 8;

// Short enough for the small-string buffer: allocations count nodes only.
std::string uid(std::size_t i) {
  return "u" + std::to_string(i);
}
std::string frontend(std::size_t i) {
  return "f" + std::to_string(i % frontend_count);
}

}  // namespace

TEST_CASE("100k members added, planned and removed with O(1) work each") {
  std::vector<std::string> uids;
  std::vector<std::string> fronts;
  uids.reserve(members);
  fronts.reserve(members);
  for (std::size_t i = 0; i < members; ++i) {
    uids.push_back(uid(i));
    fronts.push_back(frontend(i));
  }

  channel ch("big");
  const auto live_before = live_allocations();
  const auto before_add = allocations();
  std::size_t added = 0;
  for (std::size_t i = 0; i < members; ++i)
    added += ch.add(uids[i], fronts[i]) == add_result::added;
  const auto add_allocs = allocations() - before_add;
  std::size_t again = 0;
  const auto before_again = allocations();
  for (std::size_t i = 0; i < members; ++i) {
    again += ch.add(uids[i], fronts[i]) == add_result::already_member;
  }
  const auto again_allocs = allocations() - before_again;

  CHECK(added == members);
  CHECK(again == members);
  CHECK(ch.size() == members);
  // A node in the group's set and its key (2), and ~log2(n) rehashes.
  CHECK(add_allocs <= static_cast<std::int64_t>(2 * members + 1000));
  CHECK(again_allocs == 0);  // a repeated add is a lookup, nothing more

  {  // plans are dropped before leaving, so that live memory can be compared
    const auto plan = ch.plan_push();
    CHECK(plan.groups.size() == frontend_count);
    auto counts = ch.frontends();
    for (const auto& [f, n] : counts) CHECK(n == members / frontend_count);

    // Planning for a few uids costs the same in a 100k channel as in a small one.
    const auto before_plan = allocations();
    const auto few = ch.plan_push_by_uids(strings{uids[7], uids[8], "nobody"});
    const auto plan_allocs = allocations() - before_plan;
    CHECK(plan_allocs < 40);
    CHECK(few.groups.size() == 2);
    CHECK(few.failed == strings{"nobody"});

    const auto everyone = ch.plan_push_by_uids(uids);
    std::size_t planned = 0;
    for (const auto& g : everyone.groups) planned += g.uids.size();
    CHECK(planned == members);
    CHECK(everyone.groups.size() == frontend_count);
  }

  // Leave everyone: no allocation at all, and the memory comes back.
  const auto before_leave = allocations();
  std::size_t left = 0;
  for (std::size_t i = 0; i < members; ++i) left += ch.leave(uids[i], fronts[i]);
  const auto leave_allocs = allocations() - before_leave;
  const auto live_after = live_allocations();
  CHECK(leave_allocs == 0);
  CHECK(left == members);
  CHECK(ch.empty());
  CHECK(ch.frontends().empty());
  // The two maps keep their bucket arrays (and doctest its bookkeeping);
  // a per-member leak would show as 100k here.
  CHECK(live_after - live_before <= 4);
}

TEST_CASE("a 100k-member frontend failing reports every uid exactly once") {
  channel ch("big");
  std::vector<std::string> on_f0;
  for (std::size_t i = 0; i < members; ++i) {
    ch.add(uid(i), frontend(i));
    if (i % frontend_count == 0) on_f0.push_back(uid(i));
  }
  push_result r(ch.plan_push());
  for (std::size_t f = 1; f < frontend_count; ++f) CHECK(r.delivered(frontend(f), 1));
  CHECK_FALSE(r.complete());
  on_f0.insert(on_f0.end(), on_f0.begin(), on_f0.begin() + 1000);  // repeats
  CHECK(r.group_failed("f0", on_f0));
  CHECK(r.complete());
  CHECK(r.failed().size() == members / frontend_count);
}

TEST_CASE("100k uids bound, unbound, and a dead frontend dropped") {
  uid_directory dir;
  const auto before_bind = allocations();
  for (std::size_t i = 0; i < members; ++i) dir.bind(uid(i), frontend(i));
  const auto bind_allocs = allocations() - before_bind;
  CHECK(dir.uid_count() == members);
  // uid node, its frontend list, reverse-index node; and the rehashes.
  CHECK(bind_allocs <= static_cast<std::int64_t>(3 * members + 1000));

  // A second device of each uid, on the same frontend: a count, no allocation.
  const auto before_second = allocations();
  for (std::size_t i = 0; i < members; ++i) dir.bind(uid(i), frontend(i));
  CHECK(allocations() - before_second == 0);
  CHECK(dir.sessions_of(uid(12345), frontend(12345)) == 2);

  // Every uid of f3 in one plan: one group.
  std::vector<std::string> of_f3;
  for (std::size_t i = 3; i < members; i += frontend_count) of_f3.push_back(uid(i));
  const auto plan = dir.plan(of_f3);
  REQUIRE(plan.groups.size() == 1);
  CHECK(plan.groups[0].uids.size() == members / frontend_count);

  const auto dropped = dir.drop_frontend("f3");
  CHECK(dropped.size() == members / frontend_count);
  CHECK(dir.uid_count() == members - members / frontend_count);

  std::size_t unbound = 0;
  for (std::size_t i = 0; i < members; ++i) {
    if (i % frontend_count == 3) continue;
    unbound += dir.unbind(uid(i), frontend(i));
    unbound += dir.unbind(uid(i), frontend(i));
  }
  CHECK(unbound == 2 * (members - members / frontend_count));
  CHECK(dir.uid_count() == 0);
  for (std::size_t f = 0; f < frontend_count; ++f) CHECK(dir.drop_frontend(frontend(f)).empty());
}
