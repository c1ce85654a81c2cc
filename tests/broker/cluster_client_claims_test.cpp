// A channel server's record of which frontend holds each client id
// (cluster/client_claims.hpp): claims move between frontends, stale
// releases change nothing, and dropping a frontend forgets exactly its own.
#include <doctest/doctest.h>

#include <string>

#include "cluster/client_claims.hpp"

using pummelo::broker::cluster::client_claims;

TEST_CASE("a claim is recorded, and a claim from elsewhere returns the owner it replaces") {
  client_claims c;
  CHECK_FALSE(c.set("dev-1", 0, 10).has_value());
  REQUIRE(c.find("dev-1").has_value());
  CHECK(c.find("dev-1")->frontend == 0);
  CHECK(c.find("dev-1")->stamp == 10);

  CHECK_FALSE(c.set("dev-1", 0, 11).has_value());  // same frontend: a newer session
  CHECK(c.find("dev-1")->stamp == 11);

  auto before = c.set("dev-1", 2, 20);  // the device moved to frontend 2
  REQUIRE(before.has_value());
  CHECK(before->frontend == 0);
  CHECK(before->stamp == 11);
  CHECK(c.find("dev-1")->frontend == 2);
  CHECK(c.size() == 1);
  CHECK_FALSE(c.find("nobody").has_value());
}

TEST_CASE("a release counts only while it names the current owner") {
  client_claims c;
  c.set("dev-1", 0, 10);
  CHECK_FALSE(c.release("dev-1", 0, 9));   // an older session of frontend 0
  CHECK_FALSE(c.release("dev-1", 1, 10));  // another frontend
  CHECK_FALSE(c.release("nobody", 0, 10));
  CHECK(c.size() == 1);
  CHECK(c.release("dev-1", 0, 10));
  CHECK(c.size() == 0);
  CHECK_FALSE(c.find("dev-1").has_value());
}

TEST_CASE("dropping a frontend forgets its claims and only those, in any order of changes") {
  client_claims c;
  for (int i = 0; i < 300; ++i) c.set("dev-" + std::to_string(i), static_cast<std::uint16_t>(i % 3), 1);
  // Move some, release some: both must keep each frontend's list exact.
  for (int i = 0; i < 300; i += 7) c.set("dev-" + std::to_string(i), 1, 2);
  for (int i = 1; i < 300; i += 11) {
    const auto who = c.find("dev-" + std::to_string(i));
    REQUIRE(who.has_value());
    CHECK(c.release("dev-" + std::to_string(i), who->frontend, who->stamp));
  }
  std::size_t on1 = 0, total = 0;
  for (int i = 0; i < 300; ++i) {
    if (auto who = c.find("dev-" + std::to_string(i))) {
      ++total;
      if (who->frontend == 1) ++on1;
    }
  }
  REQUIRE(total == c.size());
  CHECK(c.drop_frontend(1) == on1);
  CHECK(c.size() == total - on1);
  for (int i = 0; i < 300; ++i)
    if (auto who = c.find("dev-" + std::to_string(i))) CHECK(who->frontend != 1);
  CHECK(c.drop_frontend(1) == 0);   // already empty
  CHECK(c.drop_frontend(40) == 0);  // never had any
  CHECK(c.drop_frontend(0) + c.drop_frontend(2) == total - on1);
  CHECK(c.size() == 0);
  // The lists are usable after a drop.
  c.set("dev-x", 1, 5);
  CHECK(c.drop_frontend(1) == 1);
}
