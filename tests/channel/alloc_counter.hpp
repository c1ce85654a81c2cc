// Counts heap allocations made through operator new in this test binary, so
// tests can check that match() allocates nothing and that unsubscribe frees.
#pragma once

#include <cstdint>

namespace pummelo::channel::test {

/// operator new calls so far (all threads).
std::int64_t allocations() noexcept;
/// Blocks allocated and not yet freed.
std::int64_t live_allocations() noexcept;

}  // namespace pummelo::channel::test
