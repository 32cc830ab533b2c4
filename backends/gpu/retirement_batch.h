// The actions a submitting thread retires in one pass, finished together
// (ActionScheduler, action_scheduler.h). One batch is active per thread at a time.
#ifndef GPUHAL_BACKENDS_GPU_RETIREMENT_BATCH_H_
#define GPUHAL_BACKENDS_GPU_RETIREMENT_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <utility>

#include "backends/gpu/gpu_semaphore.h"
#include "backends/gpu/queue_action.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/core/timeline_semaphore.h"

namespace gpuhal::gpu {

// The actions a submitting thread retires in one pass (GpuQueue::RetireCompletedInline)
// finish together when the pass ends: each device semaphore they signal advances once,
// to the highest value among them (one timeline lock, one release of announcements),
// and the actions go back to the free list under one lock. In a chain of submissions
// on one semaphore that is once per pass instead of once per hop. Until then, a
// completion check of a later action in the pass counts the values the batch holds as
// reached. An action that signals a semaphore of another kind, or one that failed,
// first finishes the batch and is then finished on its own, so that order is kept.
template <Vendor V>
class RetirementBatch {
 public:
  // `owner` is the scheduler whose actions the batch takes (an identity only).
  explicit RetirementBatch(const void* owner) : owner_(owner) { active_ = this; }
  ~RetirementBatch() {
    if (active_ == this) active_ = nullptr;
  }
  RetirementBatch(const RetirementBatch&) = delete;
  RetirementBatch& operator=(const RetirementBatch&) = delete;

  const void* owner() const { return owner_; }
  bool empty() const { return advance_count_ == 0 && !finished_; }
  static RetirementBatch* active() { return active_; }
  static void SetActive(RetirementBatch* batch) { active_ = batch; }

  bool Reaches(const TimelineSemaphore* semaphore, uint64_t value) const {
    const DeferredAdvance* advance = Find(semaphore);
    return advance && advance->value >= value;
  }

  // Takes `action` (checked, not failed) into the batch; false when it cannot be
  // deferred (a signal of another kind, or no room).
  bool Defer(QueueAction<V>& action) {
    for (const ActionSignal<V>& signal : action.signals) {
      if (!signal.device_semaphore) return false;
    }
    size_t added = 0;
    for (const ActionSignal<V>& signal : action.signals) {
      DeferredAdvance* slot = Find(signal.device_semaphore);
      if (!slot) {
        if (advance_count_ == kMaxSemaphores) {
          advance_count_ -= added;  // the action's new entries are the last ones
          return false;
        }
        slot = &advances_[advance_count_++];
        *slot = {signal.device_semaphore, signal.value};
        ++added;
      }
    }
    for (const ActionSignal<V>& signal : action.signals) {
      DeferredAdvance& slot = *Find(signal.device_semaphore);
      if (signal.value > slot.value) slot.value = signal.value;
    }
    action.next = nullptr;
    *finished_tail_ = &action;
    finished_tail_ = &action.next;
    return true;
  }

  // Hands the batch's contents to `advance` (per semaphore, its highest value) and
  // returns its actions, chained through `next`; the batch is empty afterwards.
  template <typename Advance>
  QueueAction<V>* Take(Advance&& advance) {
    for (size_t i = 0; i < advance_count_; ++i) {
      advance(*advances_[i].semaphore, advances_[i].value);
    }
    advance_count_ = 0;
    QueueAction<V>* finished = finished_;
    finished_ = nullptr;
    finished_tail_ = &finished_;
    return finished;
  }

 private:
  struct DeferredAdvance {
    GpuSemaphore<V>* semaphore;
    uint64_t value;
  };
  static constexpr size_t kMaxSemaphores = 8;

  const DeferredAdvance* Find(const TimelineSemaphore* semaphore) const {
    for (size_t i = 0; i < advance_count_; ++i) {
      if (advances_[i].semaphore == semaphore) return &advances_[i];
    }
    return nullptr;
  }
  DeferredAdvance* Find(const TimelineSemaphore* semaphore) {
    return const_cast<DeferredAdvance*>(std::as_const(*this).Find(semaphore));
  }

  static inline thread_local RetirementBatch* active_ = nullptr;
  const void* const owner_;
  DeferredAdvance advances_[kMaxSemaphores];
  size_t advance_count_ = 0;
  // Hold their resources, and so the semaphores above, until the batch finishes.
  QueueAction<V>* finished_ = nullptr;
  QueueAction<V>** finished_tail_ = &finished_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_RETIREMENT_BATCH_H_
