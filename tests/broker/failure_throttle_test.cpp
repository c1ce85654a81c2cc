#include <doctest/doctest.h>

#include "auth/failure_throttle.hpp"

using pummelo::broker::auth::failure_throttle;
using namespace std::chrono_literals;

TEST_CASE("failure throttle: free below the threshold, then doubling up to the cap") {
  failure_throttle t({.failures_before_delay = 2, .first_delay = 100ms, .max_delay = 700ms,
                      .window = 60s, .max_addresses = 10});
  auto now = failure_throttle::clock::now();
  CHECK(t.none_tracked());
  CHECK(t.failed("10.0.0.1", now) == 0ms);
  CHECK_FALSE(t.none_tracked());
  CHECK(t.failed("10.0.0.1", now) == 0ms);
  CHECK(t.failed("10.0.0.1", now) == 100ms);
  CHECK(t.failed("10.0.0.1", now) == 200ms);
  CHECK(t.failed("10.0.0.1", now) == 400ms);
  CHECK(t.failed("10.0.0.1", now) == 700ms);  // capped
  CHECK(t.failed("10.0.0.1", now) == 700ms);
  // Other addresses are not affected.
  CHECK(t.failed("10.0.0.2", now) == 0ms);
  // A success clears the address.
  t.succeeded("10.0.0.1");
  t.succeeded("10.0.0.2");
  CHECK(t.none_tracked());
  CHECK(t.failed("10.0.0.1", now) == 0ms);
}

TEST_CASE("failure throttle: failures older than the window are forgotten") {
  failure_throttle t({.failures_before_delay = 1, .first_delay = 50ms, .max_delay = 1s,
                      .window = 10s, .max_addresses = 10});
  auto now = failure_throttle::clock::now();
  CHECK(t.failed("a", now) == 0ms);
  CHECK(t.failed("a", now + 1s) == 50ms);
  CHECK(t.failed("a", now + 12s) == 0ms);  // 11 s after the last one: a fresh start
}

TEST_CASE("failure throttle: at most max_addresses tracked, the stalest dropped first") {
  failure_throttle t({.failures_before_delay = 1, .first_delay = 10ms, .max_delay = 1s,
                      .window = 600s, .max_addresses = 2});
  auto now = failure_throttle::clock::now();
  t.failed("a", now);
  t.failed("b", now + 1s);
  t.failed("a", now + 2s);  // a is now the freshest
  CHECK(t.tracked() == 2);
  t.failed("c", now + 3s);  // full: b goes
  CHECK(t.tracked() == 2);
  CHECK(t.failed("a", now + 4s) == 20ms);  // a kept its count (3rd failure)
  CHECK(t.failed("b", now + 5s) == 0ms);   // b starts over
}
