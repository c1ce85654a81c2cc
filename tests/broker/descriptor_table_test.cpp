// The descriptor table is grown once at start (descriptor_table.hpp): the
// kernel's own view (FDSize in /proc/self/status) must show it, capped at
// RLIMIT_NOFILE, without a descriptor left open.
#include <dirent.h>
#include <sys/resource.h>

#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "descriptor_table.hpp"

namespace {

std::size_t kernel_table_size() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("FDSize:", 0) == 0) return std::stoul(line.substr(7));
  return 0;
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  REQUIRE(d != nullptr);
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n;
}

std::size_t soft_limit() {
  rlimit l{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &l) == 0);
  return l.rlim_cur;
}

}  // namespace

using pummelo::broker::reserve_descriptor_table;

TEST_CASE("the descriptor table is grown to the count asked, within RLIMIT_NOFILE") {
  const std::size_t limit = soft_limit();
  REQUIRE(limit >= 1024);  // every test machine allows this much
  const std::size_t before = open_descriptors();
  const std::size_t want = limit / 2;
  CHECK(reserve_descriptor_table(want) == want);
  CHECK(kernel_table_size() >= want);
  CHECK(open_descriptors() == before);  // the probe descriptors are closed
}

TEST_CASE("a count beyond RLIMIT_NOFILE is cut to the limit") {
  const std::size_t limit = soft_limit();
  CHECK(reserve_descriptor_table(limit * 4) == limit);
  CHECK(kernel_table_size() >= limit);
}

TEST_CASE("nothing to reserve for fewer than two descriptors") {
  CHECK(reserve_descriptor_table(0) == 0);
  CHECK(reserve_descriptor_table(1) == 0);
}
