// One queue submission, from the moment it is accepted until its signals are reached:
// an execution (command buffers, or none for a barrier or an allocation's signals) or a
// deallocation. Everything the caller passed is copied into the action's arena and every
// object it names is retained until the action is finished (a semaphore once, however
// often it is named), so the caller may reuse its arrays and drop its references at once.
//
// Lifetime: actions come from the scheduler's free list and hold an atomic reference
// count: one for the owner (whoever moves the action along: the pending list, the
// issuing thread, the queue's in-flight list, the completion thread) and one for each
// semaphore timepoint currently enqueued for it. The arena (which holds the wait slots
// those timepoints live in) is reset only when the count reaches zero.
#ifndef GPUHAL_BACKENDS_GPU_QUEUE_ACTION_H_
#define GPUHAL_BACKENDS_GPU_QUEUE_ACTION_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "backends/gpu/collective_channel_set.h"
#include "backends/gpu/event_pool.h"
#include "backends/gpu/gpu_buffer.h"
#include "backends/gpu/gpu_semaphore.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/arena.h"
#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
struct QueueAction;
template <Vendor V>
class ActionScheduler;  // action_scheduler.h

enum class ActionKind : uint8_t {
  kExecute,     // command buffers (possibly none) between waits and signals
  kDeallocate,  // frees a queue allocation in stream order
};

template <Vendor V>
struct ActionWait {
  enum class State : uint8_t {
    kUnresolved,   // neither reached nor servable on the device yet
    kReached,      // the semaphore's value was >= value
    kDeviceEvent,  // served by `event`, a recorded device signal of this device
    kFailed,
  };

  // Enqueued on `semaphore` while the action is pending.
  TimelineSemaphore::Timepoint timepoint;
  // Enqueued at completion for kDeviceEvent waits: the GPU-side wait passed when the
  // producer's work ended, but only the host value says whether that work succeeded.
  TimelineSemaphore::Timepoint completion_check;
  QueueAction<V>* action = nullptr;
  TimelineSemaphore* semaphore = nullptr;
  // Set when events of this device can serve the wait.
  GpuSemaphore<V>* device_semaphore = nullptr;
  uint64_t value = 0;
  PooledEvent<V>* event = nullptr;  // kDeviceEvent: one reference
  State state = State::kUnresolved;
  bool timepoint_enqueued = false;  // guarded by the scheduler's mutex
  // Whether the action holds a reference to `semaphore` through this wait (an earlier
  // mention of the same semaphore may hold the action's one reference instead).
  bool holds_reference = false;
};

template <Vendor V>
struct ActionSignal {
  TimelineSemaphore* semaphore = nullptr;
  // Set when the semaphore belongs to this device: the issue announces a device signal.
  GpuSemaphore<V>* device_semaphore = nullptr;
  uint64_t value = 0;
  bool holds_reference = false;  // as ActionWait::holds_reference
};

template <Vendor V>
struct alignas(64) QueueAction {
  explicit QueueAction(BlockPool& block_pool)
      : arena(block_pool), collective_channels(arena) {}

  // What every issue and retirement reads, together at the start: an action is retired
  // tens of microseconds after its issue, by when its lines have usually left the
  // submitting core's caches, and each line touched then is a miss.

  // The one chain the action is on at a time: ready to issue, in flight on a queue,
  // failing, or idle in the scheduler's free list.
  QueueAction* next = nullptr;
  // Set by the issue: its place in the device's issue order, from 1
  // (CompletionPacing::TakeIssueOrdinal), its time, and its completion event (released
  // when the action is finished).
  uint64_t sequence = 0;
  std::chrono::steady_clock::time_point issued_at{};
  PooledEvent<V>* completion_event = nullptr;
  std::span<ActionWait<V>> waits;
  std::span<ActionSignal<V>> signals;
  std::atomic<int32_t> references{0};
  ActionKind kind = ActionKind::kExecute;
  // Completion checks still outstanding, plus one while they are being enqueued.
  std::atomic<size_t> completion_checks{0};
  Status failure;  // guarded by the scheduler's mutex while the action is pending
  std::span<CommandBuffer*> command_buffers;
  uint32_t queue_index = 0;
  // Set by the issue once every command buffer of the action is on the stream; a failed
  // action without it aborts the channels of its collectives (collective_abort.h).
  bool work_issued = false;
  GpuBuffer<V>* deallocation = nullptr;  // kDeallocate
  ActionScheduler<V>* scheduler = nullptr;  // owns the action (its free list)

  // Guarded by the scheduler's mutex.
  size_t unresolved_count = 0;
  bool pending = false;
  QueueAction* pending_previous = nullptr;
  QueueAction* pending_next = nullptr;

  Arena arena;
  // Channels the issued collectives use, checked for NCCL errors at completion; in the
  // arena, filled by the issue.
  CollectiveChannelSet<V> collective_channels;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_QUEUE_ACTION_H_
