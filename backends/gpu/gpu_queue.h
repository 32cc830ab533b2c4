// One queue of a GPU device: its dispatch stream, the lock that orders issues onto it,
// and the completion thread that observes issued work finishing.
//
// Completion is observed through each issued action's recorded completion event, in
// issue order, on a thread the queue owns: never through a host function on the stream,
// which is measurably slower and may not call the vendor API. While work is in flight
// the thread sits in V::SynchronizeEvent on the oldest action's event (the vendor's
// lowest-latency wait), except during a rapid run of issues on the device, when it
// observes sparsely so as not to slow the issuing thread's driver calls
// (completion_pacing.h). With nothing in flight it sleeps on a condition variable,
// except while an issue is under way: the start of an issue wakes it, and it watches
// for the issued work (bounded) so that work whose issue takes long (a large graph
// launch blocks the caller for about a millisecond) finds it awake when it lands.
#ifndef GPUHAL_BACKENDS_GPU_GPU_QUEUE_H_
#define GPUHAL_BACKENDS_GPU_GPU_QUEUE_H_

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "backends/gpu/completion_pacing.h"
#include "backends/gpu/device_params.h"
#include "backends/gpu/event_pool.h"
#include "backends/gpu/gpu_buffer.h"
#include "backends/gpu/gpu_context.h"
#include "backends/gpu/host_transfers.h"
#include "backends/gpu/queue_action.h"
#include "backends/gpu/vendor.h"
#include "backends/gpu/vendor_binding.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

namespace testing {
template <Vendor V>
class GpuQueueTestPeer;  // testing/gpu_queue_test_peer.h
}  // namespace testing

template <Vendor V>
class GpuQueue final : public RefCounted {
 public:
  using Clock = std::chrono::steady_clock;
  // Called with no lock held once `action`'s work has ended, on the completion thread or,
  // during a rapid run of issues, on a submitting thread (RetireCompletedInline);
  // `status` is the device's verdict on it.
  using CompletionHandler = void (*)(void* owner, QueueAction<V>& action, const Status& status);

  static Result<Ref<GpuQueue>> Create(Allocator& allocator, const GpuContext<V>& context,
                                      Ref<VendorBinding<V>> binding, Ref<GpuEventPool<V>> events,
                                      Ref<CompletionPacing> pacing, uint32_t index,
                                      CompletionHandler on_complete, void* owner) {
    GPUHAL_ASSIGN_OR_RETURN(V vendor, binding->Current());
    GPUHAL_ASSIGN_OR_RETURN(typename V::Stream stream, vendor.CreateStream());
    Ref<GpuQueue> queue =
        MakeRef<GpuQueue>(allocator, context, std::move(binding), std::move(events),
                          std::move(pacing), index, stream, on_complete, owner);
    if (!queue) {
      vendor.DestroyStream(stream).IgnoreError();
      return ResourceExhaustedError("queue: the host allocator could not provide ",
                                    sizeof(GpuQueue), " bytes");
    }
    queue->completion_thread_ = std::thread([q = queue.get()] { q->CompletionLoop(); });
    return queue;
  }

  uint32_t index() const { return index_; }
  typename V::Stream stream() const { return stream_; }

  // Puts `action`'s work on the stream: GPU-side waits on the events serving its waits,
  // its command buffers or deallocation, then its completion event, after which device
  // signals are announced on its signal semaphores of this device. Sets
  // `announced_device_signal` when it announced one.
  //
  // OK: the action is in flight and will reach the completion handler (with
  // action.failure set when part of the issue failed: work already on the stream must
  // finish before the action's resources can go). An error: nothing of the action is
  // in flight; the caller fails it.
  Status Issue(QueueAction<V>& action, bool& announced_device_signal) {
    announced_device_signal = false;
    IssueInProgress in_progress(*this);
    std::lock_guard<std::mutex> issue_lock(issue_mutex_);
    Result<V> current = binding_->Current();
    if (!current.ok()) return current.status();
    const V& vendor = *current;

    Status work_status;
    bool work_enqueued = false;
    for (ActionWait<V>& wait : action.waits) {
      if (wait.state != ActionWait<V>::State::kDeviceEvent) continue;
      work_status = vendor.StreamWaitEvent(stream_, wait.event->handle());
      if (!work_status.ok()) break;
    }
    if (work_status.ok()) {
      for (CommandBuffer* command_buffer : action.command_buffers) {
        // A command buffer that fails part way may have put some of its work on the
        // stream already.
        work_enqueued = true;
        work_status = IssueCommandBuffer<V>(context_, *command_buffer, stream_,
                                            &action.collective_channels);
        if (!work_status.ok()) break;
      }
    }
    action.work_issued = work_status.ok();
    if (work_status.ok() && action.kind == ActionKind::kDeallocate &&
        action.deallocation->TakeQueueAllocation()) {
      work_status = vendor.FreeAsync(action.deallocation->device_address(), stream_);
      work_enqueued |= work_status.ok();
    }

    Result<PooledEvent<V>*> event = events_->Acquire();
    Status record_status = event.status();
    if (event.ok()) {
      record_status = vendor.RecordEvent((*event)->handle(), stream_);
      if (!record_status.ok()) (*event)->Release();
    }
    if (!record_status.ok()) {
      if (!work_enqueued) return work_status.ok() ? record_status : work_status;
      // Work is on the stream but no event marks its end: the action goes in flight
      // failed, without one, and the completion thread synchronizes the stream for it.
      // Not this thread: the work may wait for more of this thread's submissions (a
      // collective waits for its peers' parts).
      if (work_status.ok()) work_status = record_status;
      action.completion_event = nullptr;
    } else {
      action.completion_event = *event;
    }
    action.sequence = pacing_->TakeIssueOrdinal();
    if (work_status.ok()) {
      for (ActionSignal<V>& signal : action.signals) {
        if (!signal.device_semaphore) continue;
        // Best effort: without the announcement, waits resolve through the host value.
        if (signal.device_semaphore->AddDeviceSignal(signal.value, **event).ok()) {
          announced_device_signal = true;
        }
      }
    } else {
      action.failure = work_status;
    }
    action.issued_at = pacing_->NoteIssue();

    std::lock_guard<std::mutex> lock(mutex_);
    action.next = nullptr;
    (in_flight_tail_ ? in_flight_tail_->next : in_flight_head_) = &action;
    in_flight_tail_ = &action;
    in_flight_empty_.store(false, std::memory_order_relaxed);
    ++in_flight_count_;
    issue_records_[issue_record_count_++ % kIssueRecords] =
        IssueRecord{action.sequence, action.issued_at, CompletionEventOf(action)};
    // Written only here, under mutex_: no read-modify-write needed.
    issued_count_.store(issued_count_.load(std::memory_order_relaxed) + 1,
                        std::memory_order_release);
    // The completion thread sets and clears the flag under mutex_, around its wait.
    if (completion_sleeping_.load(std::memory_order_relaxed)) work_available_.notify_one();
    return OkStatus();
  }

  // Reserves `byte_length` bytes from `pool` in stream order: the address is known at
  // once and usable by work ordered after this point of the stream.
  Result<DeviceAddress> AllocateAsync(typename V::MemoryPool pool, size_t byte_length) {
    std::lock_guard<std::mutex> issue_lock(issue_mutex_);
    GPUHAL_ASSIGN_OR_RETURN(V vendor, binding_->Current());
    return vendor.AllocateAsync(pool, byte_length, stream_);
  }

  // Synchronous copies between host memory and `address`, ordered after everything
  // issued on this queue so far, staged through pinned memory (host_transfer.h).
  Status Write(std::span<const std::byte> source, DeviceAddress target) {
    GPUHAL_ASSIGN_OR_RETURN(V vendor, binding_->Current());
    return transfers_.Write(vendor, source, target);
  }
  Status Read(DeviceAddress source, std::span<std::byte> target) {
    GPUHAL_ASSIGN_OR_RETURN(V vendor, binding_->Current());
    return transfers_.Read(vendor, source, target);
  }

  // Called by a submitting thread with no lock held: retires what the completion threads
  // of `queues` (all of one device's) found done during a rapid run of issues (see
  // ObserveSparsely), running completion handlers on this thread. Actions are handed over
  // in the device's issue order (QueueAction::sequence), and only up to the first action
  // in that order not yet found done: an action that waited on the GPU for another
  // queue's signal then always follows the action that produced it, and its completion
  // check finds the value reached instead of waiting for it. Skips queues another thread
  // is retiring; does nothing when called from inside a completion handler.
  static void RetireCompletedInline(std::span<GpuQueue* const> queues) {
    static thread_local bool retiring_here = false;
    if (retiring_here) return;
    // Only when some queue published more since the last pass: what an earlier pass
    // left for lack of progress on another queue is not taken off and put back again on
    // every submission.
    bool any_news = false;
    for (GpuQueue* queue : queues) {
      const uint64_t published = queue->UnretiredPublished();
      any_news |= published != 0 &&
                  published != queue->inline_seen_published_.load(std::memory_order_relaxed);
    }
    if (!any_news) return;
    retiring_here = true;
    // What this pass took off each queue whose retire token it holds. Local to the pass:
    // several submitting threads may each run a pass, each over the queues whose tokens
    // it took, and none may touch what another pass took.
    struct Taken {
      GpuQueue* queue;
      QueueAction<V>* detached;  // not yet handed over, in issue order
      uint64_t detached_through;  // the published sequence they were taken up to
    };
    std::array<Taken, kMaxQueueCount> taken;
    size_t taken_count = 0;
    // Take what each queue found done; the first action not found done on any queue
    // bounds what may be handed over now.
    uint64_t bound = UINT64_MAX;
    for (GpuQueue* queue : queues) {
      uint64_t first_not_done = UINT64_MAX;
      if (taken_count < taken.size() && queue->HasUnretiredPublished() &&
          queue->TryTakeRetireToken()) {
        Taken& entry = taken[taken_count++];
        entry.queue = queue;
        entry.detached = queue->DetachPublished(first_not_done, entry.detached_through);
      } else {
        first_not_done = queue->oldest_in_flight_sequence();
      }
      if (first_not_done < bound) bound = first_not_done;
    }
    for (;;) {
      Taken* next = nullptr;
      for (size_t i = 0; i < taken_count; ++i) {
        Taken& entry = taken[i];
        if (entry.detached && entry.detached->sequence < bound &&
            (!next || entry.detached->sequence < next->detached->sequence)) {
          next = &entry;
        }
      }
      if (!next) break;
      QueueAction<V>& action = *std::exchange(next->detached, next->detached->next);
      next->queue->retired_through_.store(action.sequence, std::memory_order_relaxed);
      next->queue->inline_retired_.fetch_add(1, std::memory_order_relaxed);
      next->queue->HandOver(action, OkStatus());
    }
    for (size_t i = 0; i < taken_count; ++i) {
      Taken& entry = taken[i];
      GpuQueue* queue = entry.queue;
      // Found done but beyond the bound: back to the front of the list, for the next
      // submission (or the completion thread's next observation) to retire.
      if (entry.detached) {
        queue->Reattach(entry.detached);
      } else if (entry.detached_through > queue->retired_through_.load(std::memory_order_relaxed)) {
        queue->retired_through_.store(entry.detached_through, std::memory_order_relaxed);
      }
      queue->ReturnRetireToken();
    }
    retiring_here = false;
  }

  uint64_t inline_retired_count() const { return inline_retired_.load(std::memory_order_relaxed); }

  size_t in_flight_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return in_flight_count_;
  }

  // For tests: while paused, the completion thread observes nothing, so issued work
  // stays in flight as far as the host can tell (and, on the deterministic simulated
  // GPU, nothing drives it).
  void SetCompletionPausedForTesting(bool paused) {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = paused;
    work_available_.notify_one();
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);
  // Sets up retirement interleavings on cue (gpu_queue_retirement_test_suite.h).
  friend class testing::GpuQueueTestPeer<V>;


  GpuQueue(const GpuContext<V>& context, Ref<VendorBinding<V>> binding, Ref<GpuEventPool<V>> events,
           Ref<CompletionPacing> pacing, uint32_t index, typename V::Stream stream,
           CompletionHandler on_complete, void* owner)
      : context_(context),
        binding_(std::move(binding)),
        events_(std::move(events)),
        pacing_(std::move(pacing)),
        index_(index),
        stream_(stream),
        on_complete_(on_complete),
        owner_(owner) {}

  // Completes everything in flight first.
  ~GpuQueue() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      paused_ = false;
      work_available_.notify_one();
    }
    if (completion_thread_.joinable()) completion_thread_.join();
    const V& vendor = binding_->vendor();
    if (!vendor.MakeCurrent().ok()) return;
    transfers_.FreeAbandonedStaging(vendor);
    vendor.DestroyStream(stream_).IgnoreError();
  }

  // Marks an issue under way for its scope (see the file comment). The counts and the
  // sleeping flag are sequentially consistent, so either the issuer sees the thread
  // asleep and wakes it, or the thread sees the issue before it sleeps. Both counts
  // share one word (issues started in the high half, issues under way in the low), so
  // that starting an issue is one read-modify-write.
  //
  // Only when the queue had nothing in flight: otherwise the thread is observing that
  // work and finds this issue's once it is linked in flight (which wakes the thread
  // should it have gone to sleep meanwhile). The marking is a full fence, and on a
  // submitting thread that issues every few microseconds it stalled behind that thread's
  // pending stores.
  class IssueInProgress {
   public:
    explicit IssueInProgress(GpuQueue& queue)
        : queue_(queue), marked_(queue.in_flight_empty_.load(std::memory_order_relaxed)) {
      if (!marked_) return;
      queue_.issue_counts_.fetch_add(kIssueStarted | kIssueUnderWay);
      if (queue_.completion_sleeping_.load()) {
        std::lock_guard<std::mutex> lock(queue_.mutex_);
        queue_.work_available_.notify_one();
      }
    }
    ~IssueInProgress() {
      if (marked_) queue_.issue_counts_.fetch_sub(kIssueUnderWay, std::memory_order_release);
    }
    IssueInProgress(const IssueInProgress&) = delete;
    IssueInProgress& operator=(const IssueInProgress&) = delete;

   private:
    GpuQueue& queue_;
    const bool marked_;
  };

  void CompletionLoop() {
    // Completion may release memory and events: vendor calls need the device current.
    binding_->vendor().MakeCurrent().IgnoreError();
    for (;;) {
      bool stopping = false;
      AwaitIssueBriefly();
      {
        std::unique_lock<std::mutex> lock(mutex_);
        const uint64_t started = issue_counts_.load() & kIssuesStartedMask;
        auto has_work = [&] {
          return (in_flight_head_ && !paused_) || (stopping_ && !in_flight_head_) ||
                 (issue_counts_.load() & kIssuesStartedMask) != started;
        };
        // The flag is raised only to block: an issuer that sees it takes this lock to
        // notify, and most passes (work in flight) do not block at all.
        if (!has_work()) {
          completion_sleeping_.store(true);
          work_available_.wait(lock, has_work);
          completion_sleeping_.store(false);
        }
        if (!in_flight_head_ || paused_) {
          if (stopping_ && !in_flight_head_) return;
          continue;  // woken by an issue starting: watch for it
        }
        stopping = stopping_;
      }
      if (!stopping && ObserveSparsely()) continue;
      // Entries are removed only under the retire token: the head stays valid while it
      // is held.
      RetireToken token(*this);
      QueueAction<V>* action = nullptr;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        action = paused_ ? nullptr : in_flight_head_;
      }
      if (!action) continue;  // retired by a submitting thread meanwhile
      const V& vendor = binding_->vendor();
      Retire(*action, action->completion_event
                          ? vendor.SynchronizeEvent(action->completion_event->handle())
                          : vendor.SynchronizeStream(stream_));
    }
  }

  // Exclusive right to remove in-flight entries: the completion thread, or a submitting
  // thread retiring what the completion threads found done (RetireCompletedInline, which
  // takes the tokens of several queues for one pass with TryTakeRetireToken).
  bool TryTakeRetireToken() { return !retiring_.exchange(true, std::memory_order_acquire); }
  void ReturnRetireToken() { retiring_.store(false, std::memory_order_release); }

  // Holds the retire token for its scope, waiting for it.
  class RetireToken {
   public:
    explicit RetireToken(GpuQueue& queue) : queue_(queue) {
      while (!queue_.TryTakeRetireToken()) std::this_thread::yield();
    }
    ~RetireToken() { queue_.ReturnRetireToken(); }
    RetireToken(const RetireToken&) = delete;
    RetireToken& operator=(const RetireToken&) = delete;

   private:
    GpuQueue& queue_;
  };

  // One sparse observation (completion_pacing.h), when the pacing calls for one: returns
  // false when the caller should observe the oldest action eagerly instead (the run of
  // issues is over, or the query failed and the eager wait is to attribute the failure).
  //
  // What it finds done it publishes (completed_through_) for the submitting thread to
  // retire at its next submission (RetireCompletedInline): retiring touches the
  // scheduler, the semaphores, the event pool and the actions, which that thread touches
  // on every submission, and on a large host every line that moves between the two
  // threads' cores costs a transfer. What a submitting thread has not taken by the next
  // observation, this thread retires itself.
  bool ObserveSparsely() {
    RetirePublishedItself();
    Clock::time_point now = Clock::now();
    if (!pacing_->ObserveSparsely(now)) return false;
    const uint64_t published = completed_through_.load(std::memory_order_relaxed);
    // The newest action old enough to be probably done, and not yet published. Actions
    // after the published point are removed only by this thread, so its event stays
    // recorded for it. Read from the issue records, not the actions: the submitting
    // thread writes the actions again when it retires them, and every line this thread
    // had read would then have to be taken back from its cache.
    IssueRecord settled{};
    IssueRecord oldest{};
    // An action without a completion event (its record failed) can only be observed by
    // synchronizing the stream: eagerly, once it is the oldest not published.
    bool unmarked = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto visit = [&](const IssueRecord& record) {
        if (record.sequence <= published) return true;
        if (record.event == typename V::Event{}) {
          unmarked = true;
          return false;
        }
        if (oldest.sequence == 0) oldest = record;
        if (now - record.issued_at < CompletionPacing::kSettle) return false;
        settled = record;
        return true;
      };
      if (in_flight_count_ <= kIssueRecords) {
        for (uint64_t i = issue_record_count_ - in_flight_count_; i < issue_record_count_; ++i) {
          if (!visit(issue_records_[i % kIssueRecords])) break;
        }
      } else {
        for (QueueAction<V>* action = in_flight_head_; action; action = action->next) {
          if (!visit({action->sequence, action->issued_at, CompletionEventOf(*action)})) {
            break;
          }
        }
      }
    }
    if (unmarked && settled.sequence == 0) return false;
    if (settled.sequence != 0) {
      Result<bool> done = binding_->vendor().QueryEvent(settled.event);
      if (!done.ok()) return false;
      if (!*done && oldest.sequence != settled.sequence) {
        // The GPU is behind the issues: publish what it has finished one action at a
        // time, so that a long run on a busy GPU does not hold everything it has done.
        settled = oldest;
        done = binding_->vendor().QueryEvent(settled.event);
        if (!done.ok()) return false;
      }
      // Everything issued before it on this stream has completed too. The submitting
      // thread has until the next observation to take it.
      if (*done) completed_through_.store(settled.sequence, std::memory_order_release);
    }
    std::this_thread::sleep_for(CompletionPacing::kSparseInterval);
    return true;
  }

  // Retires, on the completion thread, what was published and not taken since the last
  // observation.
  void RetirePublishedItself() {
    const uint64_t published = completed_through_.load(std::memory_order_relaxed);
    if (published <= retired_through_.load(std::memory_order_relaxed)) return;
    RetireToken token(*this);
    RetireThroughLocked(published);
  }

  // Retires every in-flight action up to sequence `through` (all completed), unless
  // paused. The caller holds the retire token.
  void RetireThroughLocked(uint64_t through) {
    QueueAction<V>* completed = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (paused_) return;
      completed = DetachThroughLocked(through);
    }
    while (completed) HandOver(*std::exchange(completed, completed->next), OkStatus());
    if (through > retired_through_.load(std::memory_order_relaxed)) {
      retired_through_.store(through, std::memory_order_relaxed);
    }
  }

  // completed_through_ when it is past what has been retired; 0 otherwise.
  uint64_t UnretiredPublished() const {
    const uint64_t published = completed_through_.load(std::memory_order_acquire);
    return published > retired_through_.load(std::memory_order_relaxed) ? published : 0;
  }
  bool HasUnretiredPublished() const { return UnretiredPublished() != 0; }

  // The sequence of the oldest action in flight; UINT64_MAX when none is.
  uint64_t oldest_in_flight_sequence() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return in_flight_head_ ? in_flight_head_->sequence : UINT64_MAX;
  }

  // Takes the published (completed) in-flight actions off the list, unless paused, and
  // returns them chained in issue order; `first_not_done` is the sequence of the oldest
  // action left in flight (UINT64_MAX: none), `detached_through` the published sequence
  // they were taken up to (0 when paused). The caller holds the retire token.
  QueueAction<V>* DetachPublished(uint64_t& first_not_done, uint64_t& detached_through) {
    const uint64_t published = completed_through_.load(std::memory_order_acquire);
    std::lock_guard<std::mutex> lock(mutex_);
    detached_through = 0;
    if (paused_) {
      first_not_done = in_flight_head_ ? in_flight_head_->sequence : UINT64_MAX;
      return nullptr;
    }
    detached_through = published;
    inline_seen_published_.store(published, std::memory_order_relaxed);
    QueueAction<V>* completed = DetachThroughLocked(published);
    first_not_done = in_flight_head_ ? in_flight_head_->sequence : UINT64_MAX;
    return completed;
  }

  // Takes the in-flight actions up to sequence `through` off the list and returns them
  // chained in issue order (the last one's `next` is null).
  QueueAction<V>* DetachThroughLocked(uint64_t through) {
    QueueAction<V>* first = in_flight_head_;
    QueueAction<V>* last = nullptr;
    while (in_flight_head_ && in_flight_head_->sequence <= through) {
      last = in_flight_head_;
      RemoveOldestLocked();
    }
    if (!last) return nullptr;
    last->next = nullptr;
    return first;
  }

  // Puts actions taken off by DetachPublished (a chain in issue order, all older than
  // anything still in flight) back at the front of the list. Like an issue, it wakes the
  // completion thread if it sleeps: the list may have been empty while the actions were
  // off it, and then nothing else would wake the thread to retire them.
  void Reattach(QueueAction<V>* chain) {
    QueueAction<V>* last = chain;
    size_t count = 1;
    for (; last->next; last = last->next) ++count;
    std::lock_guard<std::mutex> lock(mutex_);
    last->next = in_flight_head_;
    if (!in_flight_head_) in_flight_tail_ = last;
    in_flight_head_ = chain;
    in_flight_empty_.store(false, std::memory_order_relaxed);
    in_flight_count_ += count;
    if (completion_sleeping_.load(std::memory_order_relaxed)) work_available_.notify_one();
  }

  // The vendor event that marks the end of `action`'s work; null when it has none.
  static typename V::Event CompletionEventOf(const QueueAction<V>& action) {
    return action.completion_event ? action.completion_event->handle() : typename V::Event{};
  }

  // Takes the oldest in-flight action, `action`, off the list and hands it over.
  void Retire(QueueAction<V>& action, Status status) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      RemoveOldestLocked();
    }
    HandOver(action, std::move(status));
  }

  void RemoveOldestLocked() {
    in_flight_head_ = in_flight_head_->next;
    if (!in_flight_head_) {
      in_flight_tail_ = nullptr;
      in_flight_empty_.store(true, std::memory_order_relaxed);
    }
    --in_flight_count_;
  }

  // Gives a retired action to the completion handler with the device's verdict on it.
  void HandOver(QueueAction<V>& action, Status status) {
    // NCCL reports most collective failures only here, asynchronously.
    if (!action.collective_channels.empty()) {
      status = action.collective_channels.CheckAfterCompletion(status);
    }
    action.next = nullptr;
    on_complete_(owner_, action, status);
  }

  // With nothing in flight, watches for a new issue for a short while before the caller
  // sleeps on the condition variable. A steady stream of submissions (a chain of
  // dependent submissions, each issued as the previous one ends) otherwise finds this
  // thread asleep every time, and each issue pays a futex wake-up on the submitting
  // thread and a context switch here (gpuhal-bench BM_SemaphoreChain). While an issue is
  // under way it keeps watching, up to kIssueWatch, so that the end of a long issue
  // (gpuhal-bench BM_GraphReplay) does not wait for this thread to wake. Bounded: once
  // the queue has been idle for kIdleWatch with no issue under way, or kIssueWatch has
  // passed, nothing runs until the next issue starts.
  void AwaitIssueBriefly() {
    static constexpr auto kIdleWatch = std::chrono::microseconds(50);
    static constexpr auto kIssueWatch = std::chrono::milliseconds(10);
    uint64_t issued = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (in_flight_head_ || stopping_ || paused_) return;
      issued = issued_count_.load(std::memory_order_relaxed);
    }
    const auto start = std::chrono::steady_clock::now();
    while (issued_count_.load(std::memory_order_acquire) == issued) {
      const auto watched = std::chrono::steady_clock::now() - start;
      if (watched >= kIssueWatch) return;
      if (watched >= kIdleWatch &&
          (issue_counts_.load(std::memory_order_acquire) & kIssuesUnderWayMask) == 0) {
        return;
      }
      std::this_thread::yield();
    }
  }

  const GpuContext<V>& context_;
  Ref<VendorBinding<V>> binding_;
  Ref<GpuEventPool<V>> events_;
  const Ref<CompletionPacing> pacing_;
  const uint32_t index_;
  const typename V::Stream stream_;
  const CompletionHandler on_complete_;
  void* const owner_;

  std::mutex issue_mutex_;  // orders work onto stream_
  HostTransfers<V> transfers_{stream_, issue_mutex_, *events_};

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable work_available_;
  QueueAction<V>* in_flight_head_ = nullptr;
  QueueAction<V>* in_flight_tail_ = nullptr;
  // What sparse observation needs of the last kIssueRecords actions linked in flight, by
  // link count: the in-flight list is always the last in_flight_count_ of them.
  struct IssueRecord {
    uint64_t sequence = 0;  // 0: none
    Clock::time_point issued_at{};
    typename V::Event event{};
  };
  static constexpr size_t kIssueRecords = 64;
  std::array<IssueRecord, kIssueRecords> issue_records_{};
  uint64_t issue_record_count_ = 0;
  // Whether in_flight_head_ is null; written under mutex_, read without it by Issue
  // (IssueInProgress), where a stale answer costs at most an early wake-up (one missed,
  // or one not needed).
  std::atomic<bool> in_flight_empty_{true};
  size_t in_flight_count_ = 0;
  bool paused_ = false;
  bool stopping_ = false;
  std::thread completion_thread_;

  // Polled by the completion thread while it watches for issues, so on a cache line of
  // their own: the lock and list above are not dragged between cores by that polling.
  // issued_count_ is written under mutex_; the rest: see IssueInProgress.
  alignas(64) std::atomic<uint64_t> issued_count_{0};
  static constexpr uint64_t kIssueUnderWay = 1;
  static constexpr uint64_t kIssueStarted = uint64_t{1} << 32;
  static constexpr uint64_t kIssuesUnderWayMask = kIssueStarted - 1;
  static constexpr uint64_t kIssuesStartedMask = ~kIssuesUnderWayMask;
  std::atomic<uint64_t> issue_counts_{0};
  std::atomic<bool> completion_sleeping_{false};

  // Retirement (see ObserveSparsely). Every action up to sequence completed_through_
  // has completed; those up to retired_through_ are retired. Only the holder of the
  // retire token (retiring_) removes in-flight entries.
  alignas(64) std::atomic<uint64_t> completed_through_{0};
  std::atomic<uint64_t> retired_through_{0};
  std::atomic<bool> retiring_{false};
  std::atomic<uint64_t> inline_retired_{0};  // by RetireCompletedInline, for diagnostics
  // completed_through_ as the last RetireCompletedInline pass that held the token saw it.
  std::atomic<uint64_t> inline_seen_published_{0};
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_QUEUE_H_
