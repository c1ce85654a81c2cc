// Topic name and filter validation, $share splitting and matching.
#include "pummelo/protocol/topic.hpp"
#include "test_support.hpp"

namespace pummelo::protocol::test {
namespace {

TEST_CASE("validate_topic_name") {
  for (const char* ok : {"a", "/", "a/b", "/a", "a/", "a//b", "$SYS/x", "sport tennis", " "}) {
    CAPTURE(ok);
    CHECK(validate_topic_name(ok) == errc::ok);
  }
  for (const char* bad : {"", "+", "#", "a/+", "a/#", "a+b", "a#", "+/a"}) {
    CAPTURE(bad);
    CHECK(validate_topic_name(bad) == errc::invalid_topic_name);
  }
}

TEST_CASE("validate_topic_filter") {
  for (const char* ok : {"#", "+", "/", "a", "a/b", "a/+", "+/b", "a/#", "+/+", "/+", "+/#",
                         "a//b", "$SYS/#", "$share", "$share/g/a", "$share/g/#",
                         "$share/group/+/x/#", "$shared/a", "$share/g/$share/x"}) {
    CAPTURE(ok);
    CHECK(validate_topic_filter(ok) == errc::ok);
  }
  for (const char* bad : {"", "a#", "#/a", "a/#/b", "a/b#", "a+", "+a", "a/+b/c", "##", "++",
                          "$share/", "$share/g", "$share//x", "$share/g/", "$share/+/x",
                          "$share/#/x", "$share/g+/x", "$share/g/a#"}) {
    CAPTURE(bad);
    CHECK(validate_topic_filter(bad) == errc::invalid_topic_filter);
  }
}

TEST_CASE("split_shared") {
  const auto s = split_shared("$share/g/a/b");
  CHECK(s.group == "g");
  CHECK(s.filter == "a/b");
  const auto t = split_shared("$share/group/#");
  CHECK(t.group == "group");
  CHECK(t.filter == "#");
  const auto n = split_shared("a/b");
  CHECK(n.group.empty());
  CHECK(n.filter == "a/b");
  const auto d = split_shared("$shared/a");
  CHECK(d.group.empty());
  CHECK(d.filter == "$shared/a");
}

TEST_CASE("topic_matches") {
  struct row {
    const char* filter;
    const char* name;
    bool match;
  };
  const row rows[] = {
      {"a/b", "a/b", true},
      {"a/b", "a/c", false},
      {"a/b", "a/b/c", false},
      {"a/b/c", "a/b", false},
      {"a/+", "a/b", true},
      {"a/+", "a/", true},  // '+' matches an empty level
      {"a/+", "a", false},
      {"a/+", "a/b/c", false},
      {"+/+", "/x", true},
      {"+", "/", false},
      {"/+", "/", true},
      {"+/b", "a/b", true},
      {"a/#", "a", true},  // '#' includes the parent level
      {"a/#", "a/", true},
      {"a/#", "a/b/c", true},
      {"a/#", "ab", false},
      {"a/#", "b/a", false},
      {"#", "a/b/c", true},
      {"#", "/", true},
      {"+/#", "a", true},
      {"a/+/#", "a/b", true},
      {"a/+/#", "a", false},
      {"a//b", "a//b", true},
      {"a/+/b", "a//b", true},
      {"A", "a", false},
      // Names starting with '$' are not matched by leading wildcards.
      {"#", "$SYS/x", false},
      {"+/x", "$SYS/x", false},
      {"+", "$SYS", false},
      {"$SYS/#", "$SYS/x", true},
      {"$SYS/+", "$SYS/x", true},
      {"a/#", "a/$x", true},
  };
  for (const row& r : rows) {
    CAPTURE(r.filter);
    CAPTURE(r.name);
    CHECK(topic_matches(r.filter, r.name) == r.match);
  }
}

}  // namespace
}  // namespace pummelo::protocol::test
