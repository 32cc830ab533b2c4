#include "gpuhal/allocator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace gpuhal {
namespace {

class SystemAllocator final : public Allocator {
 public:
  void* Allocate(size_t size, size_t alignment) override {
    // Every allocation remembers its alignment in a header so that Free needs no size.
    alignment = std::max(alignment, alignof(std::max_align_t));
    const size_t header = std::max(alignment, sizeof(Header));
    auto* base = static_cast<std::byte*>(
        ::operator new(header + size, std::align_val_t(alignment), std::nothrow));
    if (!base) return nullptr;
    std::byte* user = base + header;
    new (user - sizeof(Header)) Header{header, alignment};
    return user;
  }
  void Free(void* ptr) override {
    if (!ptr) return;
    auto* user = static_cast<std::byte*>(ptr);
    const Header* h = reinterpret_cast<const Header*>(user - sizeof(Header));
    ::operator delete(user - h->offset, std::align_val_t(h->alignment));
  }

 private:
  struct Header {
    size_t offset;
    size_t alignment;
  };
};

// Prepended by CountingAllocator so that Free knows the size it counted.
struct alignas(std::max_align_t) CountHeader {
  size_t size;
  size_t padding;  // distance from the base allocation to this header's end
};

}  // namespace

Allocator& Allocator::System() {
  static SystemAllocator* allocator = new SystemAllocator();  // never destroyed
  return *allocator;
}

CountingAllocator::~CountingAllocator() {
  if (live_allocations() != 0) {
    std::fprintf(stderr,
                 "gpuhal: CountingAllocator destroyed with %zu live allocations (%zu bytes): "
                 "something leaked\n",
                 live_allocations(), live_bytes());
    std::abort();
  }
}

void* CountingAllocator::Allocate(size_t size, size_t alignment) {
  const size_t limit = byte_limit_.load(std::memory_order_relaxed);
  if (limit != 0 && live_bytes() + size > limit) return nullptr;
  alignment = std::max(alignment, alignof(CountHeader));
  const size_t header = std::max(alignment, sizeof(CountHeader));
  auto* base = static_cast<std::byte*>(base_.Allocate(header + size, alignment));
  if (!base) return nullptr;
  std::byte* user = base + header;
  new (user - sizeof(CountHeader)) CountHeader{size, header};
  const size_t live = live_bytes_.fetch_add(size, std::memory_order_relaxed) + size;
  live_allocations_.fetch_add(1, std::memory_order_relaxed);
  allocation_count_.fetch_add(1, std::memory_order_relaxed);
  size_t peak = peak_bytes_.load(std::memory_order_relaxed);
  while (live > peak && !peak_bytes_.compare_exchange_weak(peak, live)) {
  }
  return user;
}

void CountingAllocator::Free(void* ptr) {
  if (!ptr) return;
  auto* user = static_cast<std::byte*>(ptr);
  const CountHeader* h = reinterpret_cast<const CountHeader*>(user - sizeof(CountHeader));
  live_bytes_.fetch_sub(h->size, std::memory_order_relaxed);
  live_allocations_.fetch_sub(1, std::memory_order_relaxed);
  base_.Free(user - h->padding);
}

}  // namespace gpuhal
