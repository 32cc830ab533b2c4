// How a device's completion threads observe finished work: eagerly, or sparsely while a
// rapid run of issues is under way.
//
// Eagerly, a completion thread waits for the oldest in-flight action's event inside the
// vendor's own wait (cuEventSynchronize on a default event spins in the driver), the
// lowest latency there is. But a thread inside the driver slows every driver call other
// threads make on the same context. While a submitting thread issues a rapid run of
// work (a chain of dependent submissions, one every few microseconds), an observer
// synchronizing each hop's event added 1.4 to 2.1 us to each of its hops on an H100, its
// cuStreamWaitEvent going from 0.25 to 0.8-1.1 us; one that queried only the newest
// event every few tens of microseconds, sleeping in between, added 0.1 to 0.3 us
// (gpuhal-bench BM_RawChainObservers). So while issues on the device arrive less than
// kRapidIssueGap apart and no host thread waits on one of its semaphores, completion
// threads observe sparsely: they sleep kSparseInterval between observations, and each
// observation queries one event, that of the newest in-flight action issued at least
// kSettle ago. When it has completed, so has everything issued before it on the stream
// (and a fault would have failed the query): the queue publishes that, and the next
// submission retires it on its own thread (GpuQueue::ObserveSparsely).
//
// What sparse observation delays: the host-visible value of a device semaphore, by up to
// about kRapidIssueGap + kSparseInterval after the run of issues ends. Device-to-device
// waits do not depend on it (they wait on recorded events), and host waiters on the
// device's semaphores turn observation back to eager for as long as they wait.
#ifndef GPUHAL_BACKENDS_GPU_COMPLETION_PACING_H_
#define GPUHAL_BACKENDS_GPU_COMPLETION_PACING_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

#include "gpuhal/allocator.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

class CompletionPacing final : public RefCounted {
 public:
  using Clock = std::chrono::steady_clock;

  // Issues closer together than this make a rapid run.
  static constexpr std::chrono::microseconds kRapidIssueGap{50};
  // How long a sparse observer sleeps between observations.
  static constexpr std::chrono::microseconds kSparseInterval{20};
  // How old an action's issue must be before a sparse observer queries its event: far
  // longer than a short action's issue-to-done time on the GPU, so that the query
  // usually finds it done.
  static constexpr std::chrono::microseconds kSettle{20};

  static Result<Ref<CompletionPacing>> Create(Allocator& allocator) {
    Ref<CompletionPacing> pacing = MakeRef<CompletionPacing>(allocator);
    if (!pacing) {
      return ResourceExhaustedError("device: the host allocator could not provide ",
                                    sizeof(CompletionPacing), " bytes for completion pacing");
    }
    return pacing;
  }

  // Called by every issue on the device; returns its time, which the queue keeps with
  // the action.
  Clock::time_point NoteIssue() {
    const Clock::time_point now = Clock::now();
    const int64_t ticks = now.time_since_epoch().count();
    // Plain loads and stores: issues on several queues may race here, and either
    // outcome is a fair picture of how close together issues come.
    const int64_t previous = last_issue_.load(std::memory_order_relaxed);
    last_issue_.store(ticks, std::memory_order_relaxed);
    last_gap_.store(ticks - previous, std::memory_order_relaxed);
    return now;
  }

  // The issue's place in the device's issue order, from 1 (QueueAction::sequence). Taken
  // by each issue under its queue's issue lock, before it announces device signals: so
  // the order is the order of each queue's stream, and an action that waits on another
  // queue's device signal comes after the action that recorded it (the order in which
  // inline retirement hands actions over, GpuQueue::RetireCompletedInline).
  uint64_t TakeIssueOrdinal() { return issue_ordinal_.fetch_add(1, std::memory_order_relaxed) + 1; }

  // Whether completion threads should observe sparsely at `now` (see the file comment).
  bool ObserveSparsely(Clock::time_point now) const {
    if (forced_sparse_.load(std::memory_order_relaxed)) return true;
    if (host_waiters_.load(std::memory_order_relaxed) != 0) return false;
    const int64_t rapid = Clock::duration(kRapidIssueGap).count();
    return last_gap_.load(std::memory_order_relaxed) < rapid &&
           now.time_since_epoch().count() - last_issue_.load(std::memory_order_relaxed) < rapid;
  }

  // See GpuDeviceDiagnostics::ForceSparseCompletionForTesting.
  void ForceSparseForTesting(bool forced) { forced_sparse_.store(forced); }

  // Host threads waiting on one of the device's semaphores: while there are any,
  // completion is observed eagerly.
  void HostWaitBegins() { host_waiters_.fetch_add(1, std::memory_order_relaxed); }
  void HostWaitEnds() { host_waiters_.fetch_sub(1, std::memory_order_relaxed); }
  uint32_t host_waiters() const { return host_waiters_.load(std::memory_order_relaxed); }

  // One host wait, for its scope.
  class HostWait {
   public:
    explicit HostWait(CompletionPacing& pacing) : pacing_(pacing) { pacing_.HostWaitBegins(); }
    ~HostWait() { pacing_.HostWaitEnds(); }
    HostWait(const HostWait&) = delete;
    HostWait& operator=(const HostWait&) = delete;

   private:
    CompletionPacing& pacing_;
  };

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);
  CompletionPacing() = default;

  // Written by every issue, read by the completion threads.
  alignas(64) std::atomic<int64_t> last_issue_{std::numeric_limits<int64_t>::min() / 2};
  std::atomic<int64_t> last_gap_{std::numeric_limits<int64_t>::max()};
  std::atomic<uint64_t> issue_ordinal_{0};
  alignas(64) std::atomic<uint32_t> host_waiters_{0};
  std::atomic<bool> forced_sparse_{false};
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_COMPLETION_PACING_H_
