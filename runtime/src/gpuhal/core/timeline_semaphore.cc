#include "gpuhal/core/timeline_semaphore.h"

#include <cassert>
#include <cstdint>
#include <utility>

#include "gpuhal/core/host_event.h"

namespace gpuhal {

TimelineSemaphore::~TimelineSemaphore() {
  // Owners of timepoints that outlive the semaphore learn of it rather than waiting
  // forever. No lock: nobody else may hold a reference any more.
  Timepoint* orphans = DetachAllLocked();
  if (orphans) {
    Dispatch(orphans, CancelledError("the semaphore was destroyed while timepoints were "
                                     "still waiting on it; keep a reference while waiting"));
  }
}

Result<uint64_t> TimelineSemaphore::Query() {
  if (!failed_.load(std::memory_order_acquire)) return value_.load(std::memory_order_acquire);
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

Status TimelineSemaphore::Signal(uint64_t new_value) {
  Timepoint* reached = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failed_) return failure_;
    if (new_value <= value_) {
      return OutOfRangeError("semaphore cannot be signalled to ", new_value,
                             ": its value is already ", value_.load(),
                             " and a signal must increase it");
    }
    value_ = new_value;
    reached = DetachReachedLocked(new_value);
  }
  Dispatch(reached, OkStatus());
  return OkStatus();
}

Status TimelineSemaphore::AdvanceTo(uint64_t value) {
  Timepoint* reached = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failed_) return failure_;
    if (value <= value_) return OkStatus();
    value_ = value;
    reached = DetachReachedLocked(value);
  }
  Dispatch(reached, OkStatus());
  return OkStatus();
}

void TimelineSemaphore::Fail(Status status) {
  if (status.ok()) {
    status = UnknownError("semaphore failed with an OK status; the failing code did not "
                          "say what went wrong");
  }
  Timepoint* all = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failed_) return;
    failure_ = status;
    failed_.store(true, std::memory_order_release);
    all = DetachAllLocked();
  }
  // `status` is a local copy: a callback may drop the last reference to the semaphore.
  Dispatch(all, status);
}

namespace {

struct HostWait {
  HostEvent event;
  Status status;
};

void CompleteHostWait(void* user_data, TimelineSemaphore::Timepoint&, const Status& status) {
  auto* wait = static_cast<HostWait*>(user_data);
  wait->status = status;
  // Last touch: the waiter may destroy `wait` as soon as it sees the event set.
  wait->event.Set();
}

}  // namespace

Status TimelineSemaphore::Wait(uint64_t value, Timeout timeout) {
  uint64_t current_value = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failed_) return failure_;
    if (value_ >= value) return OkStatus();
    current_value = value_;
  }
  if (timeout.is_immediate()) {
    return DeadlineExceededError("semaphore is at value ", current_value, ", not yet ", value,
                                 ", and the wait's timeout is immediate");
  }

  HostWait wait;
  Timepoint timepoint(value, &CompleteHostWait, &wait, kHostWaitTimepoint);
  GPUHAL_ASSIGN_OR_RETURN(Acquisition acquisition, AcquireTimepoint(timepoint));
  if (acquisition == Acquisition::kAlreadyReached) return OkStatus();

  if (!wait.event.Wait(timeout).ok()) {
    if (CancelTimepoint(timepoint)) {
      Result<uint64_t> now = Query();
      if (!now.ok()) return now.status();
      return DeadlineExceededError("semaphore did not reach value ", value,
                                   " before the timeout; it is at ", *now);
    }
    // Lost the race with a notification: the callback owns `wait` until it sets the
    // event, which it is about to do.
    wait.event.Wait(Timeout::Infinite()).IgnoreError();
  }
  return wait.status;
}

Result<TimelineSemaphore::Acquisition> TimelineSemaphore::AcquireTimepoint(
    Timepoint& timepoint) {
  assert(timepoint.callback && "a timepoint needs a callback");
  std::lock_guard<std::mutex> lock(mutex_);
  assert(timepoint.state_ != Timepoint::State::kEnqueued && "timepoint is already enqueued");
  if (failed_) return failure_;
  if (value_ >= timepoint.minimum_value) return Acquisition::kAlreadyReached;

  // The insertion point (after every timepoint of a value <= this one, so equal values
  // keep acquisition order) is searched from the nearer end by value. Most timepoints
  // are for the latest values (new device signals, new waits: the tail), but a
  // completion's check of a wait it passed on the GPU is for a value near the current
  // one (the head); with a long chain in flight a walk from the wrong end is linear in
  // its length, under the lock that every submission on this timeline takes.
  const uint64_t value = timepoint.minimum_value;
  Timepoint* after = nullptr;
  if (!head_ || value < head_->minimum_value) {
    after = nullptr;
  } else if (value >= tail_->minimum_value) {
    after = tail_;
  } else if (value - head_->minimum_value < tail_->minimum_value - value) {
    Timepoint* first_greater = head_;
    while (first_greater->minimum_value <= value) first_greater = first_greater->next_;
    after = first_greater->previous_;
  } else {
    after = tail_;
    while (after->minimum_value > value) after = after->previous_;
  }
  Timepoint* before = after ? after->next_ : head_;
  timepoint.previous_ = after;
  timepoint.next_ = before;
  (after ? after->next_ : head_) = &timepoint;
  (before ? before->previous_ : tail_) = &timepoint;
  timepoint.semaphore_ = this;
  timepoint.state_ = Timepoint::State::kEnqueued;
  ++pending_count_;
  return Acquisition::kEnqueued;
}

bool TimelineSemaphore::CancelTimepoint(Timepoint& timepoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  switch (timepoint.state_) {
    case Timepoint::State::kIdle:
      return true;
    case Timepoint::State::kDispatched:
      return false;
    case Timepoint::State::kEnqueued:
      break;
  }
  assert(timepoint.semaphore_ == this && "timepoint cancelled on the wrong semaphore");
  (timepoint.previous_ ? timepoint.previous_->next_ : head_) = timepoint.next_;
  (timepoint.next_ ? timepoint.next_->previous_ : tail_) = timepoint.previous_;
  timepoint.previous_ = timepoint.next_ = nullptr;
  timepoint.semaphore_ = nullptr;
  timepoint.state_ = Timepoint::State::kIdle;
  --pending_count_;
  return true;
}

size_t TimelineSemaphore::pending_timepoint_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_count_;
}

TimelineSemaphore::Timepoint* TimelineSemaphore::DetachReachedLocked(uint64_t value) {
  Timepoint* chain = head_;
  Timepoint* last = nullptr;
  for (Timepoint* timepoint = head_; timepoint && timepoint->minimum_value <= value;
       timepoint = timepoint->next_) {
    // State changes happen under the lock so that CancelTimepoint sees them.
    timepoint->state_ = Timepoint::State::kDispatched;
    timepoint->semaphore_ = nullptr;
    --pending_count_;
    last = timepoint;
  }
  if (!last) return nullptr;
  head_ = last->next_;
  (head_ ? head_->previous_ : tail_) = nullptr;
  last->next_ = nullptr;
  return chain;
}

TimelineSemaphore::Timepoint* TimelineSemaphore::DetachAllLocked() {
  return DetachReachedLocked(UINT64_MAX);
}

void TimelineSemaphore::Dispatch(Timepoint* chain, const Status& status) {
  while (chain) {
    // Read everything needed before the callback: from then on it owns the timepoint.
    Timepoint* next = chain->next_;
    chain->previous_ = chain->next_ = nullptr;
    chain->callback(chain->user_data, *chain, status);
    chain = next;
  }
}

}  // namespace gpuhal
