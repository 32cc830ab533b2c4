#include "gpuhal/core/host_event.h"

namespace gpuhal {

void HostEvent::Set() {
  std::lock_guard<std::mutex> lock(mutex_);
  is_set_ = true;
  // Notified under the lock so that a waiter that sees the flag and destroys the event
  // cannot race with this call still touching the condition variable.
  set_changed_.notify_all();
}

void HostEvent::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  is_set_ = false;
}

bool HostEvent::IsSet() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return is_set_;
}

Status HostEvent::Wait(Timeout timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (is_set_) return OkStatus();
  if (timeout.is_immediate()) {
    return DeadlineExceededError("host event was not set and the timeout is immediate");
  }
  if (timeout.is_infinite()) {
    // wait_until(time_point::max()) overflows in some standard libraries' clock
    // conversions, so the unbounded case waits without a deadline.
    set_changed_.wait(lock, [this] { return is_set_; });
    return OkStatus();
  }
  if (!set_changed_.wait_until(lock, timeout.deadline(), [this] { return is_set_; })) {
    return DeadlineExceededError("host event was not set before the deadline");
  }
  return OkStatus();
}

}  // namespace gpuhal
