// The timing wheel behind connection deadlines: never early, at most a tick
// late, entries of later revolutions kept, and re-scheduling from fire().
#include <doctest/doctest.h>

#include <vector>

#include "deadline_wheel.hpp"

using namespace pummelo::broker;
using namespace std::chrono_literals;

namespace {
struct item : deadline_wheel::entry {
  int fired = 0;
};
using tp = deadline_wheel::clock::time_point;
}  // namespace

TEST_CASE("an entry fires once its deadline has passed, never before") {
  tp t0{};
  deadline_wheel w(t0);
  item a;
  w.schedule(a, t0 + 250ms);
  CHECK(w.size() == 1);
  auto fire = [](deadline_wheel::entry& e) { ++static_cast<item&>(e).fired; };
  w.advance(t0 + 249ms, fire);
  CHECK(a.fired == 0);
  w.advance(t0 + 299ms, fire);
  CHECK(a.fired == 0);  // rounded up to the next tick: never early
  w.advance(t0 + 300ms, fire);
  CHECK(a.fired == 1);
  CHECK_FALSE(a.scheduled());
  CHECK(w.size() == 0);
  w.advance(t0 + 10s, fire);
  CHECK(a.fired == 1);
}

TEST_CASE("deadlines beyond one revolution wait for their own") {
  tp t0{};
  deadline_wheel w(t0);
  item near, far;
  w.schedule(near, t0 + 1s);
  w.schedule(far, t0 + 1s + 1024 * deadline_wheel::tick);  // same slot, next revolution
  auto fire = [](deadline_wheel::entry& e) { ++static_cast<item&>(e).fired; };
  w.advance(t0 + 2s, fire);
  CHECK(near.fired == 1);
  CHECK(far.fired == 0);
  w.advance(t0 + 1s + 1024 * deadline_wheel::tick - 1ms, fire);
  CHECK(far.fired == 0);
  w.advance(t0 + 1s + 1025 * deadline_wheel::tick, fire);
  CHECK(far.fired == 1);
}

TEST_CASE("cancel, re-schedule, and changes made from fire()") {
  tp t0{};
  deadline_wheel w(t0);
  item a, b, c;
  w.schedule(a, t0 + 1s);
  w.schedule(b, t0 + 1s);
  w.schedule(c, t0 + 5s);
  w.cancel(c);
  CHECK(w.size() == 2);
  w.schedule(b, t0 + 3s);  // moved later
  std::vector<item*> order;
  w.advance(t0 + 2s, [&](deadline_wheel::entry& e) {
    auto& i = static_cast<item&>(e);
    ++i.fired;
    order.push_back(&i);
    if (&i == &a) {
      w.cancel(b);                 // fire() may cancel another entry...
      w.schedule(a, t0 + 4s);      // ...and schedule itself again
    }
  });
  CHECK(order == std::vector<item*>{&a});
  CHECK(b.fired == 0);
  CHECK(c.fired == 0);
  w.advance(t0 + 10s, [&](deadline_wheel::entry& e) { ++static_cast<item&>(e).fired; });
  CHECK(a.fired == 2);
  CHECK(b.fired == 0);
  CHECK(c.fired == 0);
  CHECK(w.size() == 0);
}

TEST_CASE("a deadline already past fires at the next advance") {
  tp t0{};
  deadline_wheel w(t0);
  item a;
  w.advance(t0 + 5s, [](deadline_wheel::entry&) {});
  w.schedule(a, t0 + 1s);
  w.advance(t0 + 5s + deadline_wheel::tick, [](deadline_wheel::entry& e) { ++static_cast<item&>(e).fired; });
  CHECK(a.fired == 1);
}

TEST_CASE("many entries in one tick all fire, each once") {
  tp t0{};
  deadline_wheel w(t0);
  std::vector<item> items(1000);
  for (auto& i : items) w.schedule(i, t0 + 700ms);
  int total = 0;
  w.advance(t0 + 1s, [&](deadline_wheel::entry& e) {
    ++static_cast<item&>(e).fired;
    ++total;
  });
  CHECK(total == 1000);
  for (auto& i : items) CHECK(i.fired == 1);
}
