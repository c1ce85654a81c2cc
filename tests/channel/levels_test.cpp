// detail::split_level and detail::parse_filter.
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "pummelo/channel/detail/levels.hpp"

using pummelo::channel::detail::no_level;
using pummelo::channel::detail::parse_filter;
using pummelo::channel::detail::split_level;

namespace {
std::vector<std::string_view> levels(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t pos = 0;;) {
    const auto split = split_level(s, pos);
    out.push_back(split.level);
    if (split.next == no_level) return out;
    pos = split.next;
  }
}
using views = std::vector<std::string_view>;
}  // namespace

TEST_CASE("split_level keeps empty levels") {
  CHECK(levels("a/b/c") == views{"a", "b", "c"});
  CHECK(levels("a//b") == views{"a", "", "b"});
  CHECK(levels("/a") == views{"", "a"});
  CHECK(levels("a/") == views{"a", ""});
  CHECK(levels("/") == views{"", ""});
  CHECK(levels("") == views{""});
  CHECK(levels("#") == views{"#"});
}

TEST_CASE("parse_filter splits $share filters") {
  auto p = parse_filter("$share/grp/a/b");
  CHECK(p.group == "grp");
  CHECK(p.filter == "a/b");
  p = parse_filter("$share/g/#");
  CHECK(p.group == "g");
  CHECK(p.filter == "#");
  p = parse_filter("$share/g//");
  CHECK(p.group == "g");
  CHECK(p.filter == "/");
  p = parse_filter("a/b");
  CHECK(p.group.empty());
  CHECK(p.filter == "a/b");
  p = parse_filter("$SYS/x");
  CHECK(p.group.empty());
  CHECK(p.filter == "$SYS/x");
  // Not of the shared shape: taken as an ordinary filter.
  p = parse_filter("$share/g");
  CHECK(p.group.empty());
  CHECK(p.filter == "$share/g");
  p = parse_filter("$sharex/g/a");
  CHECK(p.group.empty());
  static_assert(parse_filter("$share/g/t").group == "g");
}
