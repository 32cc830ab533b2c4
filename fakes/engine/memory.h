// The simulated device address space. Device addresses are synthetic 64-bit numbers, never
// host pointers; every allocation sits between unmapped guard gaps and addresses are never
// reused, so each access can be checked: out of bounds, freed, not yet allocated (stream
// order) or unmapped becomes an error with a reason instead of undefined behaviour.
// Not thread-safe: the engine calls it under its lock.
#ifndef GPUHAL_FAKES_ENGINE_MEMORY_H_
#define GPUHAL_FAKES_ENGINE_MEMORY_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "fakes/engine/types.h"

namespace gpuhal::fake {

struct Allocation {
  enum class State : uint8_t { kPending, kLive, kFreed };
  uint64_t base = 0;
  uint64_t size = 0;
  uint8_t* data = nullptr;  // host backing; null once freed
  AllocationKind kind = AllocationKind::kDevice;
  State state = State::kLive;
  bool owns_data = true;
  bool free_enqueued = false;  // a stream-ordered free is pending
  int device = 0;
  uint64_t pool = 0;  // PoolId for stream-ordered allocations
};

class AddressSpace {
 public:
  AddressSpace() = default;
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;
  ~AddressSpace();

  // Owned, zero-filled backing. A pending allocation faults on access until MarkLive.
  Error Allocate(uint64_t size, AllocationKind kind, int device, Allocation::State state,
                 Allocation** out);
  // Gives caller-owned host memory a device address with the same offset within a page,
  // so an aligned device address means an aligned host pointer.
  Error Register(void* host, uint64_t size, int device, Allocation** out);
  // Drops the backing and marks the range freed (addresses stay reserved, forever invalid).
  void Release(Allocation* allocation);

  // The allocation whose [base, base + size) holds `address`, live or not; else null.
  Allocation* FindContaining(uint64_t address);
  Allocation* FindByBase(uint64_t address);
  // The pinned or registered allocation whose host range holds `host`; else null.
  Allocation* FindHost(const void* host);

  // The host bytes behind [address, address + bytes), or null with *why describing the
  // violation. `bytes` may be 0 (then any address inside a live allocation is fine).
  uint8_t* Translate(uint64_t address, uint64_t bytes, std::string* why);

 private:
  uint64_t Reserve(uint64_t size, uint64_t page_offset);
  static constexpr uint64_t kFirstAddress = uint64_t{1} << 44;
  static constexpr uint64_t kGuardBytes = 64 * 1024;
  static constexpr uint64_t kPage = 4096;
  // Freed allocations are remembered (for "use after free" messages) up to this many;
  // older ones are forgotten, and accesses to them report "unmapped" instead.
  static constexpr size_t kMaxFreedRecords = 1 << 16;
  uint64_t next_address_ = kFirstAddress;
  std::deque<uint64_t> freed_bases_;
  std::map<uint64_t, Allocation> by_base_;
  std::map<uintptr_t, Allocation*> by_host_;  // pinned + registered, keyed by host start
  Allocation* last_hit_ = nullptr;             // map nodes are stable, so caching is safe
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_MEMORY_H_
