// The timeline semaphore base that every gpuhal semaphore derives from: host semaphores
// here, event-backed device semaphores in the GPU backend.
//
// It holds the current value, the failure status and an ordered list of timepoints. A
// timepoint is one point of interest on the timeline, "call me when the value reaches
// N (or the semaphore fails)". Timepoints are intrusive nodes owned by whoever acquires
// them (a host waiter's stack frame, a pending queue action, a subclass's pool), so
// acquiring one never allocates.
//
// Thread-safety contract:
//  - Every public method may be called from any thread at any time. The caller of Signal,
//    Fail, Wait, AcquireTimepoint, CancelTimepoint or AdvanceTo keeps the semaphore alive
//    for the duration of the call.
//  - Timepoint callbacks run on the thread that advanced or failed the semaphore, after
//    the semaphore's lock is released. They may call back into this or any semaphore:
//    signal, fail, acquire or cancel timepoints, wait with an immediate timeout. They
//    should not block for long: the signalling thread runs them one after another.
//  - Once a timepoint's callback has been called, the semaphore never touches that
//    timepoint again; the callback owns it and may reuse or free it.
//  - CancelTimepoint returns true when it removed the timepoint before it was notified:
//    the callback will never run. It returns false when the timepoint was already handed
//    to a notifying thread: the callback has run, is running, or is about to run, and the
//    owner must wait for a signal from the callback itself (for example a host event it
//    sets as its last action) before reusing or freeing the timepoint.
#ifndef GPUHAL_CORE_TIMELINE_SEMAPHORE_H_
#define GPUHAL_CORE_TIMELINE_SEMAPHORE_H_

#include <atomic>
#include <cstdint>
#include <mutex>

#include "gpuhal/semaphore.h"
#include "gpuhal/status.h"
#include "gpuhal/time.h"

namespace gpuhal {

class TimelineSemaphore : public Semaphore {
 public:
  class Timepoint;
  // `status` is OK when the value reached the timepoint's minimum value, or the
  // semaphore's failure status.
  using TimepointCallback = void (*)(void* user_data, Timepoint& timepoint,
                                     const Status& status);

  // Kinds tell timepoints apart when a subclass visits the list. Values from
  // kFirstSubclassKind up are free for subclasses (device signal, device wait, ...).
  enum TimepointKind : uint32_t {
    kHostWaitTimepoint = 0,
    kFirstSubclassKind = 16,
  };

  class Timepoint {
   public:
    Timepoint() = default;
    Timepoint(uint64_t minimum_value, TimepointCallback callback, void* user_data,
              uint32_t kind = kHostWaitTimepoint)
        : minimum_value(minimum_value), callback(callback), user_data(user_data), kind(kind) {}
    Timepoint(const Timepoint&) = delete;
    Timepoint& operator=(const Timepoint&) = delete;

    // Set before AcquireTimepoint; must not change while the timepoint is enqueued.
    uint64_t minimum_value = 0;
    TimepointCallback callback = nullptr;
    void* user_data = nullptr;
    uint32_t kind = kHostWaitTimepoint;

   private:
    friend class TimelineSemaphore;
    enum class State : uint8_t { kIdle, kEnqueued, kDispatched };

    Timepoint* previous_ = nullptr;
    Timepoint* next_ = nullptr;
    const TimelineSemaphore* semaphore_ = nullptr;
    State state_ = State::kIdle;
  };

  enum class Acquisition : uint8_t {
    kEnqueued,        // the callback will run when the value is reached or on failure
    kAlreadyReached,  // nothing was enqueued; the callback will not run
  };

  explicit TimelineSemaphore(uint64_t initial_value) : value_(initial_value) {}
  ~TimelineSemaphore() override;

  // Semaphore -----------------------------------------------------------------------
  // Lock-free unless the semaphore has failed.
  Result<uint64_t> Query() override;
  Status Signal(uint64_t new_value) override;
  void Fail(Status status) override;
  Status Wait(uint64_t value, Timeout timeout) override;

  // Timepoints ----------------------------------------------------------------------

  // Enqueues `timepoint` (which must not be enqueued anywhere) unless its minimum value
  // is already reached (kAlreadyReached) or the semaphore has failed (the failure
  // status); in those cases the callback will not run and the caller acts itself.
  Result<Acquisition> AcquireTimepoint(Timepoint& timepoint);

  // See the thread-safety contract above. A timepoint that was never enqueued, or was
  // already cancelled, returns true.
  bool CancelTimepoint(Timepoint& timepoint);

  // For tests and debugging: the number of timepoints waiting on this semaphore.
  size_t pending_timepoint_count() const;

  // A host thread starts or stops blocking until this semaphore reaches a value (Wait,
  // WaitSemaphores). A device whose completion threads pace themselves observes eagerly
  // while any host thread waits on one of its semaphores
  // (backends/gpu/completion_pacing.h); here they do nothing.
  virtual void HostWaitBegins() {}
  virtual void HostWaitEnds() {}

  // Every gpuhal semaphore derives from this class: see Semaphore::TypeTag.
  static constexpr char kTypeTag = 0;
  const void* TypeTag() const final { return &kTypeTag; }

  // Which device's event-backed semaphores this is one of: an opaque identity a device
  // compares with its own (cheaper than a dynamic_cast on every submission); null for
  // semaphores no device can wait on through its events.
  virtual const void* device_identity() const { return nullptr; }

 protected:
  // Device progress: advances the value to `value` when that is greater, releasing the
  // timepoints it reaches; a value that is not greater is ignored, so completions
  // observed out of order are harmless. Returns the failure status once failed.
  Status AdvanceTo(uint64_t value);

  // Calls `visit(Timepoint&)` for each enqueued timepoint whose minimum value is at least
  // `minimum_value`, in value order, under the semaphore's lock, until it returns true.
  // Returns whether one did. For subclass bookkeeping kept in this list (for example
  // finding a recorded device-signal event that can serve a device wait): `visit` must
  // not call into this semaphore and must not unlink or free the timepoint.
  template <typename Visitor>
  bool VisitTimepoints(uint64_t minimum_value, Visitor&& visit) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Timepoint* timepoint = head_; timepoint; timepoint = timepoint->next_) {
      if (timepoint->minimum_value < minimum_value) continue;
      if (visit(*timepoint)) return true;
    }
    return false;
  }

 private:
  // Unlinks the enqueued timepoints up to `value` (all when `value` is UINT64_MAX and the
  // semaphore failed) and returns them as a singly linked chain through next_.
  Timepoint* DetachReachedLocked(uint64_t value);
  Timepoint* DetachAllLocked();
  // Runs the callbacks of a detached chain. Touches nothing of `this`.
  static void Dispatch(Timepoint* chain, const Status& status);

  mutable std::mutex mutex_;
  // Written under mutex_; also read without it by Query, so that the submissions and
  // waiters that poll a semaphore do not contend for the lock with the thread advancing
  // it (failure_ is read under the lock once failed_ is seen).
  std::atomic<uint64_t> value_;
  std::atomic<bool> failed_{false};
  Status failure_;
  // Sorted by minimum value; timepoints with equal values stay in acquisition order.
  Timepoint* head_ = nullptr;
  Timepoint* tail_ = nullptr;
  size_t pending_count_ = 0;
};

// `semaphore` as gpuhal's own semaphore, or null when it is another implementation.
inline TimelineSemaphore* AsTimelineSemaphore(Semaphore* semaphore) {
  return semaphore && semaphore->TypeTag() == &TimelineSemaphore::kTypeTag
             ? static_cast<TimelineSemaphore*>(semaphore)
             : nullptr;
}

}  // namespace gpuhal

#endif  // GPUHAL_CORE_TIMELINE_SEMAPHORE_H_
