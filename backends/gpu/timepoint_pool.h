// Recycled device-signal timepoints. Each issued submission that signals a semaphore of
// its own device leaves one on that semaphore's timeline ("value V is produced when this
// recorded event completes"), so that later device waits can be served by the event.
// Pooling them keeps the submission path free of allocations after warm-up.
#ifndef GPUHAL_BACKENDS_GPU_TIMEPOINT_POOL_H_
#define GPUHAL_BACKENDS_GPU_TIMEPOINT_POOL_H_

#include <cstddef>
#include <mutex>
#include <new>
#include <utility>

#include "backends/gpu/event_pool.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/allocator.h"
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class TimepointPool;

// A device signal on a semaphore's timeline. Only ever enqueued with an event that has
// already been recorded, so whoever finds it may wait on the event at once.
template <Vendor V>
struct DeviceSignalTimepoint {
  TimelineSemaphore::Timepoint timepoint;
  PooledEvent<V>* event = nullptr;  // one reference, released when the timepoint is
  TimepointPool<V>* pool = nullptr;
  DeviceSignalTimepoint* next_idle = nullptr;
};

// Thread-safe. Every acquired timepoint keeps the pool alive until it is released.
template <Vendor V>
class TimepointPool final : public RefCounted {
 public:
  static Result<Ref<TimepointPool>> Create(Allocator& allocator) {
    Ref<TimepointPool> pool = MakeRef<TimepointPool>(allocator, allocator);
    if (!pool) {
      return ResourceExhaustedError("timepoint pool: the host allocator could not provide ",
                                    sizeof(TimepointPool), " bytes");
    }
    return pool;
  }

  Result<DeviceSignalTimepoint<V>*> Acquire() {
    DeviceSignalTimepoint<V>* timepoint = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (idle_) {
        timepoint = std::exchange(idle_, idle_->next_idle);
        --idle_count_;
      }
      ++acquired_count_;
    }
    if (!timepoint) {
      void* memory =
          allocator_.Allocate(sizeof(DeviceSignalTimepoint<V>), alignof(DeviceSignalTimepoint<V>));
      if (!memory) {
        std::lock_guard<std::mutex> lock(mutex_);
        --acquired_count_;
        return ResourceExhaustedError("timepoint pool: the host allocator could not provide ",
                                      sizeof(DeviceSignalTimepoint<V>), " bytes");
      }
      timepoint = new (memory) DeviceSignalTimepoint<V>();
      timepoint->pool = this;
      std::lock_guard<std::mutex> lock(mutex_);
      ++live_count_;
    }
    AddRef();
    return timepoint;
  }

  // Returns a timepoint that is no longer enqueued; its event was released already.
  void Return(DeviceSignalTimepoint<V>* timepoint) {
    timepoint->event = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      timepoint->next_idle = idle_;
      idle_ = timepoint;
      ++idle_count_;
      --acquired_count_;
    }
    Release();  // the reference the timepoint held; may destroy the pool
  }

  size_t live_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_count_;
  }
  size_t acquired_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return acquired_count_;
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  explicit TimepointPool(Allocator& allocator) : allocator_(allocator) {}
  ~TimepointPool() override {
    while (idle_) {
      DeviceSignalTimepoint<V>* timepoint = std::exchange(idle_, idle_->next_idle);
      timepoint->~DeviceSignalTimepoint();
      allocator_.Free(timepoint);
    }
  }

  Allocator& allocator_;
  mutable std::mutex mutex_;
  DeviceSignalTimepoint<V>* idle_ = nullptr;
  size_t idle_count_ = 0;
  size_t live_count_ = 0;
  size_t acquired_count_ = 0;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_TIMEPOINT_POOL_H_
