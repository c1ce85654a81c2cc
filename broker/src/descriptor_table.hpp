// Growing the process's descriptor table once, at start, instead of during
// a connect storm.
#pragma once

#include <cstddef>

namespace pummelo::broker {

/// Makes the kernel's descriptor table cover `count` descriptors, capped at
/// RLIMIT_NOFILE. Linux grows the table by doubling as descriptors are
/// opened, and in a multi-threaded process every doubling waits for an RCU
/// grace period (milliseconds) while holding up accept(): a storm of 19k
/// connects met about ten such stalls. The table never shrinks, so a
/// frontend pays its memory (8 bytes a slot) at start rather than at peak.
/// Returns the size reserved; 0 when nothing could be done (the caller may
/// go on: the table then grows on demand).
std::size_t reserve_descriptor_table(std::size_t count);

}  // namespace pummelo::broker
