// The event-backed timeline semaphore of a GPU device.
//
// Its value and failure live in the TimelineSemaphore base, like every semaphore's; what
// it adds is bookkeeping of *device signals*: when a submission that signals (S, v) has
// been issued and its completion event recorded, a device-signal timepoint holding that
// event is enqueued on S at v. A later submission of the same device that waits on
// (S, w <= v) can then wait on the event on the GPU instead of waiting for the host to
// see the value. Only recorded events are ever enqueued (a wait on a never-recorded event
// passes at once on CUDA and HIP), and the timepoint is dropped, releasing its event,
// when the value is reached, on failure, or when the semaphore goes away.
#ifndef GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_
#define GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_

#include <cstdint>
#include <utility>

#include "backends/gpu/event_pool.h"
#include "backends/gpu/timepoint_pool.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/allocator.h"
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

inline constexpr uint32_t kDeviceSignalTimepoint = TimelineSemaphore::kFirstSubclassKind;

template <Vendor V>
class GpuSemaphore final : public TimelineSemaphore {
 public:
  static Result<Ref<GpuSemaphore>> Create(Allocator& allocator, uint64_t initial_value,
                                          Ref<GpuEventPool<V>> events,
                                          Ref<TimepointPool<V>> timepoints) {
    Ref<GpuSemaphore> semaphore =
        MakeRef<GpuSemaphore>(allocator, initial_value, std::move(events), std::move(timepoints));
    if (!semaphore) {
      return ResourceExhaustedError("semaphore: the host allocator could not provide ",
                                    sizeof(GpuSemaphore), " bytes");
    }
    return semaphore;
  }

  // Whether events of `pool` (one per device) can serve device waits on this semaphore.
  bool BelongsTo(const GpuEventPool<V>& pool) const { return events_.get() == &pool; }

  // The recorded event of the earliest device signal of a value >= `value`, with one
  // reference taken for the caller; null when no such signal has been recorded yet.
  PooledEvent<V>* AcquireRecordedEvent(uint64_t value) {
    PooledEvent<V>* found = nullptr;
    VisitTimepoints(value, [&](Timepoint& timepoint) {
      if (timepoint.kind != kDeviceSignalTimepoint) return false;
      found = static_cast<DeviceSignalTimepoint<V>*>(timepoint.user_data)->event;
      // Safe under the semaphore's lock: the timepoint holds a reference until it is
      // detached, which also takes the lock.
      found->Retain();
      return true;
    });
    return found;
  }

  // Announces that `value` will be reached when `recorded` (already recorded on the
  // device) completes. Takes its own reference on the event. A value already reached,
  // or a failed semaphore, needs no announcement.
  Status AddDeviceSignal(uint64_t value, PooledEvent<V>& recorded) {
    GPUHAL_ASSIGN_OR_RETURN(DeviceSignalTimepoint<V> * signal, timepoints_->Acquire());
    recorded.Retain();
    signal->event = &recorded;
    signal->timepoint.minimum_value = value;
    signal->timepoint.callback = &OnDeviceSignalDone;
    signal->timepoint.user_data = signal;
    signal->timepoint.kind = kDeviceSignalTimepoint;
    Result<Acquisition> acquisition = AcquireTimepoint(signal->timepoint);
    if (!acquisition.ok() || *acquisition == Acquisition::kAlreadyReached) {
      DropSignal(*signal);
    }
    return OkStatus();
  }

  // Device progress observed by a completion thread; ignores values not greater than
  // the current one. The failure status once failed.
  Status AdvanceFromDevice(uint64_t value) { return AdvanceTo(value); }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  GpuSemaphore(uint64_t initial_value, Ref<GpuEventPool<V>> events,
               Ref<TimepointPool<V>> timepoints)
      : TimelineSemaphore(initial_value),
        events_(std::move(events)),
        timepoints_(std::move(timepoints)) {}

  static void DropSignal(DeviceSignalTimepoint<V>& signal) {
    signal.event->Release();
    signal.pool->Return(&signal);
  }
  // Also runs from the base destructor; it touches only the timepoint, its event and its
  // pool, which the timepoint keeps alive.
  static void OnDeviceSignalDone(void* user_data, Timepoint&, const Status&) {
    DropSignal(*static_cast<DeviceSignalTimepoint<V>*>(user_data));
  }

  Ref<GpuEventPool<V>> events_;
  Ref<TimepointPool<V>> timepoints_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_
