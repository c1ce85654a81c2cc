// Replaces the global (non-aligned) operator new/delete with counting ones
// that forward to malloc/free, which sanitizers still track.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::int64_t> allocated{0};
std::atomic<std::int64_t> freed{0};

void* counted_new(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  allocated.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void counted_delete(void* p) noexcept {
  if (p == nullptr) return;
  freed.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

namespace pummelo::channel::test {
std::int64_t allocations() noexcept { return allocated.load(std::memory_order_relaxed); }
std::int64_t live_allocations() noexcept {
  return allocated.load(std::memory_order_relaxed) - freed.load(std::memory_order_relaxed);
}
}  // namespace pummelo::channel::test

void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }

// The nothrow forms too: library code (e.g. std::inplace_merge's buffer) pairs
// them with the plain deletes above, which ASan checks as a matched pair.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_new(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_new(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
