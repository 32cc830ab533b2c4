// Reference counts where only a holder takes another reference: a pooled event (each
// new reference is retained from one already held) or a queue action (its owner retains
// it for each timepoint it enqueues). A holder that finds such a count at one is the
// only holder, and no other thread can raise it meanwhile, so dropping the reference
// needs no read-modify-write: a locked instruction waits for the core's pending stores,
// and on a submission path between driver calls there are many.
#ifndef GPUHAL_CORE_HOLDER_REFERENCE_H_
#define GPUHAL_CORE_HOLDER_REFERENCE_H_

#include <atomic>
#include <cstdint>

namespace gpuhal {

// Drops one of the caller's references from `count` and returns the count before, as
// fetch_sub would: 1 means the caller held the last one. A count already at zero or
// below (an over-release) is decremented further, so that the caller can report it.
inline int32_t DropHolderReference(std::atomic<int32_t>& count) {
  if (count.load(std::memory_order_acquire) == 1) {
    count.store(0, std::memory_order_relaxed);
    return 1;
  }
  return count.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace gpuhal

#endif  // GPUHAL_CORE_HOLDER_REFERENCE_H_
