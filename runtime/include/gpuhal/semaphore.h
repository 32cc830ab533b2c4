// Timeline semaphores: a monotonically increasing 64-bit value with Vulkan timeline
// semantics. Any number of host or device waiters per value; signals and waits in either
// order; failure is a terminal state that carries a Status.
#ifndef GPUHAL_SEMAPHORE_H_
#define GPUHAL_SEMAPHORE_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "gpuhal/allocator.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"
#include "gpuhal/time.h"

namespace gpuhal {

class Semaphore : public RefCounted {
 public:
  // The current value, or the failure status once the semaphore has failed.
  virtual Result<uint64_t> Query() = 0;

  // Advances the value to `new_value` from the host and releases everything waiting on
  // values up to it. OUT_OF_RANGE when `new_value` is not greater than the current value;
  // the failure status when the semaphore has failed. Either way nothing changes.
  virtual Status Signal(uint64_t new_value) = 0;

  // Moves the semaphore to its terminal failed state. The first failure wins: later calls
  // keep the original status. Every waiter, present and future, returns the failure. An
  // OK `status` is recorded as UNKNOWN, since a failure must say what went wrong.
  virtual void Fail(Status status) = 0;

  // Blocks the calling thread until the value is >= `value`. DEADLINE_EXCEEDED when
  // `timeout` passes first (at once for Timeout::Immediate()); the failure status if
  // the semaphore fails before or during the wait.
  virtual Status Wait(uint64_t value, Timeout timeout) = 0;

  // Tells gpuhal's own semaphores (every one a device or CreateHostSemaphore makes) from
  // other implementations without RTTI: devices check every submitted point with it, and
  // accept only their own family. Other implementations keep the default, null.
  virtual const void* TypeTag() const { return nullptr; }

 protected:
  Semaphore() = default;
};

// One point on one semaphore's timeline: "semaphore reaches value". Arrays of these are
// copied by every call that takes them; the caller may reuse its memory at once.
struct SemaphorePoint {
  Semaphore* semaphore = nullptr;
  uint64_t value = 0;
};

enum class WaitMode : uint8_t {
  kAll,  // every point must be reached
  kAny,  // one reached point is enough
};

// Waits on several semaphores from the host. Semaphores from different devices, and
// host-only semaphores, may be mixed. With kAll, the first failure among them is
// returned; with kAny, a failed semaphore ends the wait with its failure only when
// no point is reached. INVALID_ARGUMENT for an empty list or a null semaphore.
Status WaitSemaphores(WaitMode mode, std::span<const SemaphorePoint> points, Timeout timeout);

// As WaitSemaphores(kAny, ...), returning the index of a reached point.
Result<size_t> WaitAnySemaphore(std::span<const SemaphorePoint> points, Timeout timeout);

// A semaphore signalled only from the host; it needs no device. Devices accept these in
// queue submissions as host-signalled dependencies.
Result<Ref<Semaphore>> CreateHostSemaphore(uint64_t initial_value,
                                           Allocator& allocator = Allocator::System());

}  // namespace gpuhal

#endif  // GPUHAL_SEMAPHORE_H_
