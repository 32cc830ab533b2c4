// The event-backed timeline semaphore of a GPU device.
//
// Its value and failure live in the TimelineSemaphore base, like every semaphore's; what
// it adds is bookkeeping of *device signals*: when a submission that signals (S, v) has
// been issued and its completion event recorded, S holds an announcement of v with that
// event (device_signals.h). A later submission of the same device that waits on
// (S, w <= v) can then wait on the event on the GPU instead of waiting for the host to
// see the value. Only recorded events are ever announced (a wait on a never-recorded
// event passes at once on CUDA and HIP), and an announcement is dropped, releasing its
// event, when the value is reached, on failure, or when the semaphore goes away.
//
// Host waits use the same bookkeeping: a host thread waiting for a value that issued
// device work will produce, polls that work's completion event itself, as a raw
// cuEventSynchronize on a default (spinning) event would, rather than sleeping until the
// queue's completion thread has advanced the value and woken it: that hand-off costs a
// thread wake-up of several microseconds on every host wait (docs/performance.md). The
// value itself still moves only on the completion thread, after its failure checks; the
// waiter, once the event has completed, only polls for that briefly before falling back
// to sleeping. While a host thread waits, the device's completion threads observe
// eagerly even during a rapid run of issues (completion_pacing.h). The poll also
// watches the semaphore: the value may be reached, or the semaphore failed, without
// that event ever completing (a completion failure, a host Fail), and a waiter must not
// sit on the event then. It is bounded by kEventPollLimit
// too, so that a thread waiting on long-running work sleeps instead of burning a core.
#ifndef GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_
#define GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

#include "backends/gpu/completion_pacing.h"
#include "backends/gpu/device_signals.h"
#include "backends/gpu/event_pool.h"
#include "backends/gpu/vendor.h"
#include "backends/gpu/vendor_binding.h"
#include "gpuhal/allocator.h"
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class GpuSemaphore final : public TimelineSemaphore {
 public:
  static Result<Ref<GpuSemaphore>> Create(Allocator& allocator, uint64_t initial_value,
                                          Ref<VendorBinding<V>> binding,
                                          Ref<GpuEventPool<V>> events,
                                          Ref<DeviceSignalTally> tally,
                                          Ref<CompletionPacing> pacing) {
    Ref<GpuSemaphore> semaphore =
        MakeRef<GpuSemaphore>(allocator, allocator, initial_value, std::move(binding),
                              std::move(events), std::move(tally), std::move(pacing));
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
    std::lock_guard<std::mutex> lock(signals_mutex_);
    return signals_.AcquireEarliestAtLeast(value);
  }

  // Announces that `value` will be reached when `recorded` (already recorded on the
  // device) completes. Takes its own reference on the event. A value already reached,
  // or a failed semaphore, needs no announcement.
  Status AddDeviceSignal(uint64_t value, PooledEvent<V>& recorded) {
    {
      std::lock_guard<std::mutex> lock(signals_mutex_);
      GPUHAL_RETURN_IF_ERROR(signals_.Add(value, recorded));
    }
    // A failure or an advance past `value` (before this announcement, or racing with it)
    // released what it could see: this one must not stay held. Announcing first and
    // looking once costs less than also looking before: an issue's value is usually
    // not reached yet.
    Result<uint64_t> current = Query();
    if (!current.ok()) {
      ReleaseSignalsUpTo(UINT64_MAX);
    } else if (*current >= value) {
      ReleaseSignalsUpTo(*current);
    }
    return OkStatus();
  }

  void HostWaitBegins() override { pacing_->HostWaitBegins(); }
  void HostWaitEnds() override { pacing_->HostWaitEnds(); }

  // A reached value needs no announcement any more: its events go back to the pool.
  Status Signal(uint64_t new_value) override {
    Status status = TimelineSemaphore::Signal(new_value);
    if (status.ok()) ReleaseSignalsUpTo(new_value);
    return status;
  }

  // A failed semaphore is never waited on through an event again: its announcements go
  // back to the pool now, not when the semaphore is destroyed.
  void Fail(Status status) override {
    TimelineSemaphore::Fail(std::move(status));
    ReleaseSignalsUpTo(UINT64_MAX);
  }

  // Device progress observed by a completion thread; ignores values not greater than
  // the current one. The failure status once failed.
  Status AdvanceFromDevice(uint64_t value) {
    Status status = AdvanceTo(value);
    ReleaseSignalsUpTo(status.ok() ? value : UINT64_MAX);
    return status;
  }

  // See the file comment. Outcomes are the base class's: it has the last word.
  Status Wait(uint64_t value, Timeout timeout) override {
    if (timeout.is_immediate()) return TimelineSemaphore::Wait(value, timeout);
    // The value moves on a completion thread: keep it observing eagerly meanwhile.
    CompletionPacing::HostWait host_wait(*pacing_);
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

  GpuSemaphore(Allocator& allocator, uint64_t initial_value, Ref<VendorBinding<V>> binding,
               Ref<GpuEventPool<V>> events, Ref<DeviceSignalTally> tally,
               Ref<CompletionPacing> pacing)
      : TimelineSemaphore(initial_value),
        binding_(std::move(binding)),
        events_(std::move(events)),
        pacing_(std::move(pacing)),
        signals_(allocator, std::move(tally)) {}

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

  void ReleaseSignalsUpTo(uint64_t value) {
    std::lock_guard<std::mutex> lock(signals_mutex_);
    signals_.ReleaseUpTo(value);
  }

  Ref<VendorBinding<V>> binding_;
  Ref<GpuEventPool<V>> events_;
  Ref<CompletionPacing> pacing_;

  // Announced device signals not yet reached (device_signals.h).
  std::mutex signals_mutex_;
  DeviceSignalList<V> signals_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_SEMAPHORE_H_
