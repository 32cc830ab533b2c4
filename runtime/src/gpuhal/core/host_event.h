// A host event: a flag that threads block on until another thread sets it.
//
// Host waiters on semaphores block on these. An event can live on the waiter's stack:
// Set() touches the event for the last time when it releases the event's mutex, so the
// waiter may destroy the event as soon as Wait() has seen it set.
#ifndef GPUHAL_CORE_HOST_EVENT_H_
#define GPUHAL_CORE_HOST_EVENT_H_

#include <condition_variable>
#include <mutex>

#include "gpuhal/status.h"
#include "gpuhal/time.h"

namespace gpuhal {

class HostEventPool;

// Thread-safe. Any number of threads may wait; Set() wakes all of them. Set and Reset
// are idempotent.
class HostEvent {
 public:
  HostEvent() = default;
  HostEvent(const HostEvent&) = delete;
  HostEvent& operator=(const HostEvent&) = delete;

  void Set();
  void Reset();
  bool IsSet() const;

  // Returns OK once the event is set, or DEADLINE_EXCEEDED if `timeout` passes first
  // (at once for Timeout::Immediate() when the event is not set).
  Status Wait(Timeout timeout);

 private:
  friend class HostEventPool;

  mutable std::mutex mutex_;
  std::condition_variable set_changed_;
  bool is_set_ = false;
  // Free-list link, used only while the event sits in a HostEventPool.
  HostEvent* next_pooled_ = nullptr;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_HOST_EVENT_H_
