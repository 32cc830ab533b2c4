// Recycles host events so that hot paths that need one do not allocate.
#ifndef GPUHAL_CORE_HOST_EVENT_POOL_H_
#define GPUHAL_CORE_HOST_EVENT_POOL_H_

#include <cstddef>
#include <mutex>

#include "gpuhal/allocator.h"
#include "gpuhal/core/host_event.h"
#include "gpuhal/status.h"

namespace gpuhal {

// Keeps up to `capacity` released events for reuse; beyond that, Acquire allocates a new
// event through the allocator and Release destroys the extra one. Thread-safe.
class HostEventPool {
 public:
  HostEventPool(Allocator& allocator, size_t capacity);
  HostEventPool(const HostEventPool&) = delete;
  HostEventPool& operator=(const HostEventPool&) = delete;
  // Every acquired event must have been released first.
  ~HostEventPool();

  // Returns an event that is not set. RESOURCE_EXHAUSTED when the allocator is.
  Result<HostEvent*> Acquire();
  // Returns `event` (from this pool's Acquire) to the pool. Nobody may wait on it or set
  // it any more. Null is ignored.
  void Release(HostEvent* event);

  // Allocates events until `count` are pooled (at most the capacity), so that later
  // acquisitions do not allocate.
  Status Reserve(size_t count);

  size_t capacity() const { return capacity_; }
  // Events that exist: acquired ones plus pooled ones.
  size_t live_count() const;
  size_t pooled_count() const;

 private:
  Result<HostEvent*> AllocateEvent();
  void DestroyEvent(HostEvent* event);

  Allocator& allocator_;
  const size_t capacity_;
  mutable std::mutex mutex_;
  HostEvent* free_list_ = nullptr;
  size_t pooled_count_ = 0;
  size_t live_count_ = 0;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_HOST_EVENT_POOL_H_
