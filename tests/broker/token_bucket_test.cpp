#include <doctest/doctest.h>

#include "token_bucket.hpp"

using pummelo::broker::token_bucket;
using namespace std::chrono_literals;

TEST_CASE("token bucket: a full burst at once, then the rate") {
  const auto t0 = token_bucket::clock::now();
  token_bucket b(10.0, 3.0, t0);  // 10/s, 3 at once
  CHECK(b.take(t0) == 0ns);
  CHECK(b.take(t0) == 0ns);
  CHECK(b.take(t0) == 0ns);
  const auto wait = b.take(t0);  // empty: the next token is 100 ms away
  CHECK(wait > 99ms);
  CHECK(wait <= 100ms);
  CHECK(b.take(t0 + 50ms) > 0ns);
  CHECK(b.take(t0 + 100ms) == 0ns);
  CHECK(b.take(t0 + 100ms) > 0ns);
  // Idle for long: never more than the burst.
  const auto later = t0 + 10s;
  for (int i = 0; i < 3; ++i) CHECK(b.take(later) == 0ns);
  CHECK(b.take(later) > 0ns);
}

TEST_CASE("token bucket: a burst below one still lets one through") {
  const auto t0 = token_bucket::clock::now();
  token_bucket b(2.0, 0.0, t0);
  CHECK(b.take(t0) == 0ns);
  CHECK(b.take(t0) > 400ms);
}
