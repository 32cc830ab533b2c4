// Timeouts for every blocking gpuhal call: immediate, relative, absolute, or infinite.
#ifndef GPUHAL_TIME_H_
#define GPUHAL_TIME_H_

#include <chrono>

namespace gpuhal {

using Clock = std::chrono::steady_clock;

// A Timeout is stored as an absolute deadline so that a wait retried after a spurious
// wake-up, or split across several semaphores, never waits longer than asked.
class Timeout {
 public:
  // Poll: a wait that is not already satisfied returns DEADLINE_EXCEEDED at once.
  static constexpr Timeout Immediate() { return Timeout(Clock::time_point::min()); }
  static constexpr Timeout Infinite() { return Timeout(Clock::time_point::max()); }
  // `duration` from now; measured when the Timeout is made, not when it is used.
  static Timeout After(Clock::duration duration) {
    if (duration <= Clock::duration::zero()) return Immediate();
    const Clock::time_point now = Clock::now();
    if (duration >= Clock::time_point::max() - now) return Infinite();
    return Timeout(now + duration);
  }
  static constexpr Timeout At(Clock::time_point deadline) { return Timeout(deadline); }

  constexpr Clock::time_point deadline() const { return deadline_; }
  constexpr bool is_immediate() const { return deadline_ == Clock::time_point::min(); }
  constexpr bool is_infinite() const { return deadline_ == Clock::time_point::max(); }
  bool HasExpired() const { return !is_infinite() && Clock::now() >= deadline_; }

 private:
  constexpr explicit Timeout(Clock::time_point deadline) : deadline_(deadline) {}
  Clock::time_point deadline_;
};

}  // namespace gpuhal

#endif  // GPUHAL_TIME_H_
