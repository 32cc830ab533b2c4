// What a GPU device reports about its own bookkeeping, without naming its vendor (CUDA
// and HIP headers cannot share a translation unit, so tests and tools that look at both
// kinds of device see them through this).
#ifndef GPUHAL_BACKENDS_GPU_GPU_DEVICE_DIAGNOSTICS_H_
#define GPUHAL_BACKENDS_GPU_GPU_DEVICE_DIAGNOSTICS_H_

#include <cstddef>
#include <cstdint>

#include "gpuhal/device.h"
#include "gpuhal/ref.h"

namespace gpuhal::gpu {

struct SchedulerCounts {
  size_t pending_actions = 0;
  size_t live_actions = 0;  // taken from the free list and not yet back
  size_t pooled_actions = 0;
  uint64_t device_event_waits = 0;  // waits served by a recorded event, on the GPU
  uint64_t host_value_waits = 0;    // waits released by a value the host saw reached
};

// After quiescence everything taken from a pool is back: no live actions, no acquired
// events, no device-signal announcements held.
struct GpuDeviceCounts {
  SchedulerCounts actions;
  size_t in_flight_actions = 0;
  size_t live_events = 0;
  size_t acquired_events = 0;
  size_t idle_events = 0;
  uint64_t event_over_releases = 0;  // reference mistakes the event pool caught; always 0
  size_t announced_device_signals = 0;  // held by the device's semaphores
  // Retired by submitting threads during rapid runs (completion_pacing.h), since creation.
  uint64_t inline_retired_actions = 0;
  // Host threads blocked waiting on the device's semaphores (Wait or WaitSemaphores).
  uint32_t host_waiters = 0;
};

class GpuDeviceDiagnostics {
 public:
  virtual GpuDeviceCounts counts() const = 0;
  // What keeps the device's symbol table loaded: the vendor library, or the simulated
  // GPU platform.
  virtual RefCounted& symbol_owner() const = 0;
  // For tests: while paused, no queue observes completions, so issued work stays in
  // flight as far as the host can tell (and on the deterministic simulated GPU nothing
  // drives it).
  virtual void SetCompletionPausedForTesting(bool paused) = 0;
  // For tests: completion threads observe sparsely whatever the pace of issues and
  // whoever waits (completion_pacing.h), so that what they find done is left to the
  // next submission to retire.
  virtual void ForceSparseCompletionForTesting(bool forced) = 0;

 protected:
  ~GpuDeviceDiagnostics() = default;
};

// The diagnostics of a device of the single-source GPU driver; null for other devices.
inline GpuDeviceDiagnostics* DiagnosticsOf(Device& device) {
  return dynamic_cast<GpuDeviceDiagnostics*>(&device);
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_DEVICE_DIAGNOSTICS_H_
