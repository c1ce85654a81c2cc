#include "descriptor_table.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace pummelo::broker {

std::size_t reserve_descriptor_table(std::size_t count) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == 0) return 0;
  if (limit.rlim_cur != RLIM_INFINITY) count = std::min<std::size_t>(count, limit.rlim_cur);
  if (count < 2) return 0;
  // Placing a descriptor at the top slot makes the kernel size the table for
  // it; closing it leaves the table as grown.
  const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (probe < 0) return 0;
  const int top = ::fcntl(probe, F_DUPFD_CLOEXEC, static_cast<int>(count - 1));
  ::close(probe);
  if (top < 0) return 0;
  ::close(top);
  return count;
}

}  // namespace pummelo::broker
