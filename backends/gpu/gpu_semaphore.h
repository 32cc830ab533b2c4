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
//
// Host waits use the same bookkeeping: a host thread waiting for a value that issued
// device work will produce, polls that work's completion event itself, as a raw
// cuEventSynchronize on a default (spinning) event would, rather than sleeping until the
// queue's completion thread has advanced the value and woken it: that hand-off costs a
// thread wake-up of several microseconds on every host wait (docs/performance.md). The
// value itself still moves only on the completion thread, after its failure checks; the
// waiter, once the event has completed, only polls for that briefly before falling back
// to sleeping. The poll also watches the semaphore: the value may be reached, or the
// semaphore failed, without that event ever completing (a completion failure, a host
// Fail), and a waiter must not sit on the event then. It is bounded by kEventPollLimit
// too, so that a thread waiting on long-running work sleeps instead of burning a core.
#ifndef GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_
#define GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

#include "backends/gpu/event_pool.h"
#include "backends/gpu/timepoint_pool.h"
#include "backends/gpu/vendor.h"
#include "backends/gpu/vendor_binding.h"
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
                                          Ref<VendorBinding<V>> binding,
                                          Ref<GpuEventPool<V>> events,
                                          Ref<TimepointPool<V>> timepoints) {
    Ref<GpuSemaphore> semaphore =
        MakeRef<GpuSemaphore>(allocator, initial_value, std::move(binding), std::move(events),
                              std::move(timepoints));
    if (!semaphore) {
      return ResourceExhaustedError("semaphore: the host allocator could not provide ",
                                    sizeof(GpuSemaphore), " bytes");
    }
    return semaphore;
  }

  // Whether events of `pool` (one per device) can serve device waits on this semaphore.
  bool BelongsTo(const GpuEventPool<V>& pool) const { return events_.get() == &pool; }
  // The device's event pool: see TimelineSemaphore::device_identity.
  const void* device_identity() const override { return events_.get(); }

  // The recorded event of the earliest device signal of a value >= `value`, with one
  // reference taken for the caller; null when no such signal has been recorded yet.
  PooledEvent<V>* AcquireRecordedEvent(uint64_t value) {
    {
      // The common case, a wait on the value most recently announced (a chain of
      // submissions on one timeline), is served without walking the timeline: with a
      // long chain in flight that walk is linear in its length for every submission.
      std::lock_guard<std::mutex> lock(latest_signal_mutex_);
      if (latest_signal_event_ && latest_signal_value_ == value) {
        latest_signal_event_->Retain();
        return latest_signal_event_;
      }
    }
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
      return OkStatus();
    }
    {
      std::lock_guard<std::mutex> lock(latest_signal_mutex_);
      if (!latest_signal_event_ || value >= latest_signal_value_) {
        recorded.Retain();
        if (latest_signal_event_) latest_signal_event_->Release();
        latest_signal_event_ = &recorded;
        latest_signal_value_ = value;
      }
    }
    // A failure that raced with this announcement must not leave the event held.
    if (!Query().ok()) ReleaseLatestSignalUpTo(UINT64_MAX);
    return OkStatus();
  }

  // A failed semaphore is never waited on through an event again: its latest device
  // signal goes back to the pool now, not when the semaphore is destroyed.
  void Fail(Status status) override {
    TimelineSemaphore::Fail(std::move(status));
    ReleaseLatestSignalUpTo(UINT64_MAX);
  }

  // Device progress observed by a completion thread; ignores values not greater than
  // the current one. The failure status once failed.
  Status AdvanceFromDevice(uint64_t value) {
    Status status = AdvanceTo(value);
    // A reached value needs no event any more; give it back to the pool.
    ReleaseLatestSignalUpTo(status.ok() ? value : UINT64_MAX);
    return status;
  }

  // See the file comment. Outcomes are the base class's: it has the last word.
  Status Wait(uint64_t value, Timeout timeout) override {
    if (timeout.is_immediate()) return TimelineSemaphore::Wait(value, timeout);
    if (PooledEvent<V>* event = AcquireRecordedEvent(value)) {
      const Clock::time_point poll_until =
          std::min(timeout.deadline(), Clock::now() + kEventPollLimit);
      const bool completed = PollEvent(event->handle(), value, poll_until);
      event->Release();
      if (completed) AwaitAdvance(value, timeout.deadline());
    }
    return TimelineSemaphore::Wait(value, timeout);
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  ~GpuSemaphore() override {
    if (latest_signal_event_) latest_signal_event_->Release();
  }

  GpuSemaphore(uint64_t initial_value, Ref<VendorBinding<V>> binding, Ref<GpuEventPool<V>> events,
               Ref<TimepointPool<V>> timepoints)
      : TimelineSemaphore(initial_value),
        binding_(std::move(binding)),
        events_(std::move(events)),
        timepoints_(std::move(timepoints)) {}

  // How long a host waiter polls a device signal's event before it sleeps until the
  // completion thread wakes it: far longer than a submission's launch-to-done round trip
  // (tens of microseconds), short enough that a wait on long work costs little CPU.
  static constexpr auto kEventPollLimit = std::chrono::milliseconds(2);

  // Whether `event` completed (successfully or not: the completion thread judges) before
  // `until`. False as soon as the semaphore reaches `value` or fails by another path:
  // the caller's base-class wait then returns at once.
  bool PollEvent(typename V::Event event, uint64_t value, Clock::time_point until) {
    Result<V> vendor = binding_->Current();
    if (!vendor.ok()) return false;
    for (uint32_t poll = 0;; ++poll) {
      Result<bool> done = vendor->QueryEvent(event);
      if (!done.ok() || *done) return true;
      // The semaphore's lock is cheap but not free; the event is the usual way out.
      if (poll % 16 == 15) {
        Result<uint64_t> current = Query();
        if (!current.ok() || *current >= value) return false;
      }
      if (Clock::now() >= until) return false;
      std::this_thread::yield();
    }
  }

  // Polls until `value` is reached or the semaphore fails, for at most kAdvancePollLimit:
  // the completion thread saw the same event complete and is advancing the value now.
  void AwaitAdvance(uint64_t value, Clock::time_point deadline) {
    static constexpr auto kAdvancePollLimit = std::chrono::microseconds(200);
    const Clock::time_point limit =
        std::min(deadline, Clock::now() + kAdvancePollLimit);
    for (;;) {
      Result<uint64_t> current = Query();
      if (!current.ok() || *current >= value) return;
      if (Clock::now() >= limit) return;
      std::this_thread::yield();
    }
  }

  // Releases the latest device signal when its value is at most `value`.
  void ReleaseLatestSignalUpTo(uint64_t value) {
    PooledEvent<V>* released = nullptr;
    {
      std::lock_guard<std::mutex> lock(latest_signal_mutex_);
      if (latest_signal_event_ && latest_signal_value_ <= value) {
        released = std::exchange(latest_signal_event_, nullptr);
      }
    }
    if (released) released->Release();
  }

  static void DropSignal(DeviceSignalTimepoint<V>& signal) {
    signal.event->Release();
    signal.pool->Return(&signal);
  }
  // Also runs from the base destructor; it touches only the timepoint, its event and its
  // pool, which the timepoint keeps alive.
  static void OnDeviceSignalDone(void* user_data, Timepoint&, const Status&) {
    DropSignal(*static_cast<DeviceSignalTimepoint<V>*>(user_data));
  }

  Ref<VendorBinding<V>> binding_;
  Ref<GpuEventPool<V>> events_;
  Ref<TimepointPool<V>> timepoints_;

  // The most recently announced device signal (highest value), with a reference of its
  // own, until the value is reached; see AcquireRecordedEvent.
  std::mutex latest_signal_mutex_;
  uint64_t latest_signal_value_ = 0;
  PooledEvent<V>* latest_signal_event_ = nullptr;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_
