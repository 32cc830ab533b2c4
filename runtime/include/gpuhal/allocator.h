// The injectable host allocator. Every host allocation gpuhal makes on behalf of a device
// (objects, arenas, pools, pending submissions) goes through the Allocator the device
// was created with, so an embedding application can account for or cap it.
#ifndef GPUHAL_ALLOCATOR_H_
#define GPUHAL_ALLOCATOR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gpuhal {

class Allocator {
 public:
  virtual ~Allocator() = default;
  // Returns nullptr when the request cannot be met; callers turn that into
  // RESOURCE_EXHAUSTED. `alignment` is a power of two.
  virtual void* Allocate(size_t size, size_t alignment) = 0;
  // Frees memory returned by Allocate on this allocator. Null is ignored.
  virtual void Free(void* ptr) = 0;

  // The process-wide allocator over the C++ runtime's aligned operator new.
  static Allocator& System();
};

// Wraps another allocator and counts what is live through it. Thread-safe. Tests create
// devices with one and assert that live_bytes() is zero at the end.
class CountingAllocator final : public Allocator {
 public:
  explicit CountingAllocator(Allocator& base = Allocator::System()) : base_(base) {}
  // Aborts if anything is still live: a leak must not pass silently.
  ~CountingAllocator() override;

  void* Allocate(size_t size, size_t alignment) override;
  void Free(void* ptr) override;

  size_t live_bytes() const { return live_bytes_.load(std::memory_order_relaxed); }
  size_t live_allocations() const { return live_allocations_.load(std::memory_order_relaxed); }
  // Total number of successful Allocate calls since construction.
  uint64_t allocation_count() const { return allocation_count_.load(std::memory_order_relaxed); }
  size_t peak_bytes() const { return peak_bytes_.load(std::memory_order_relaxed); }

  // Fail every allocation that would take live bytes above `limit` (0: no limit), so
  // tests can drive exhaustion paths.
  void set_byte_limit(size_t limit) { byte_limit_.store(limit, std::memory_order_relaxed); }

 private:
  Allocator& base_;
  std::atomic<size_t> live_bytes_{0};
  std::atomic<size_t> live_allocations_{0};
  std::atomic<uint64_t> allocation_count_{0};
  std::atomic<size_t> peak_bytes_{0};
  std::atomic<size_t> byte_limit_{0};
};

}  // namespace gpuhal

#endif  // GPUHAL_ALLOCATOR_H_
