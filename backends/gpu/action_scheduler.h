// Pending queue actions: how submissions whose waits are not yet satisfiable are held
// and released, and how finished work advances or fails its signals.
//
// A wait on (S, v) is satisfiable when S's value is already >= v, or when S belongs to
// this device and a device signal of a value >= v has a *recorded* event: the action is
// then issued at once, and its stream waits on that event on the GPU. An action whose
// waits are all satisfiable is issued on the submitting thread. Otherwise it joins the
// pending list with a timepoint on each wait not yet reached, and is retried
//  - when one of those timepoints fires (a host signal, or a completion advancing the
//    value), and
//  - after every issue that announced a device signal on this device, since that may
//    serve a pending device wait before any value moves.
// A wait is served by a device event only at the moment the whole action becomes ready:
// while it is pending, every wait it has not seen reached keeps its timepoint, so that a
// semaphore failing (the work behind that event faulting) fails the pending action at
// once, not when its last host wait is finally satisfied.
// Failure is terminal and spreads: a failed wait fails the action without running it,
// and a failed action fails every semaphore it signals, which fails their waiters in
// turn. An action issued with GPU-side waits checks at completion that the semaphores
// it waited on reached their values rather than failed, and fails its signals if not.
//
// Locking: one mutex guards the pending list and every action's resolution state. It is
// taken before any semaphore's lock (acquiring, cancelling or visiting timepoints) and
// never held while signalling or failing a semaphore, issuing, or running callbacks.
#ifndef GPUHAL_BACKENDS_GPU_ACTION_SCHEDULER_H_
#define GPUHAL_BACKENDS_GPU_ACTION_SCHEDULER_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <span>
#include <utility>

#include "backends/gpu/collective_abort.h"
#include "backends/gpu/event_pool.h"
#include "backends/gpu/gpu_buffer.h"
#include "backends/gpu/gpu_device_diagnostics.h"
#include "backends/gpu/gpu_queue.h"
#include "backends/gpu/gpu_semaphore.h"
#include "backends/gpu/queue_action.h"
#include "backends/gpu/retirement_batch.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/allocator.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/holder_reference.h"
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/semaphore.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// What a submission asks for; the spans are copied.
template <Vendor V>
struct ActionRequest {
  ActionKind kind = ActionKind::kExecute;
  uint32_t queue_index = 0;
  std::span<const SemaphorePoint> waits;
  std::span<const SemaphorePoint> signals;
  std::span<CommandBuffer* const> command_buffers;
  GpuBuffer<V>* deallocation = nullptr;
};

template <Vendor V>
class ActionScheduler {
 public:
  ActionScheduler(Allocator& allocator, BlockPool& block_pool, GpuEventPool<V>& events)
      : allocator_(allocator), block_pool_(block_pool), events_(events) {}
  ActionScheduler(const ActionScheduler&) = delete;
  ActionScheduler& operator=(const ActionScheduler&) = delete;
  // Requires CancelPending() and WaitUntilIdle() first, with the queues stopped.
  ~ActionScheduler() {
    while (idle_) {
      QueueAction<V>* action = std::exchange(idle_, idle_->next);
      action->~QueueAction();
      allocator_.Free(action);
    }
  }

  // The queues actions are issued on; set once before the first submission.
  void set_queues(std::span<GpuQueue<V>* const> queues) { queues_ = queues; }

  // Accepts a submission (validated by the caller). Never blocks on device work or on
  // waits. An error means nothing was accepted; a failure found later (a failed wait,
  // a vendor error while issuing) is reported through the signal semaphores instead.
  // The one exception: an issue on this thread that fails also returns its status.
  // `accepted` (when given) tells the two apart: it is set once the submission is taken.
  //
  // One acquisition of the scheduler's lock takes the action, fills it and resolves its
  // waits: the submitting thread shares that lock with the completion threads, and on a
  // large host each acquisition after theirs costs a cache-line transfer.
  Status Submit(const ActionRequest<V>& request, bool* accepted = nullptr) {
    std::unique_lock<std::mutex> lock(mutex_);
    // Counted before it looks for device signals: see IssueChain.
    CountResolvingOrPendingLocked(+1);
    ++live_actions_;
    QueueAction<V>* action = nullptr;
    if (idle_) {
      action = std::exchange(idle_, idle_->next);
      --idle_count_;
    } else {
      lock.unlock();
      action = NewAction();
      lock.lock();
      if (!action) {
        --live_actions_;
        CountResolvingOrPendingLocked(-1);
        lock.unlock();
        return ResourceExhaustedError("queue submission: the host allocator could not provide ",
                                      sizeof(QueueAction<V>), " bytes");
      }
    }
    action->next = nullptr;
    action->references.store(1, std::memory_order_relaxed);
    // Fill takes no lock but the arena's block pool's, and runs no callbacks.
    Status status = Fill(*action, request);
    if (!status.ok()) {
      CountResolvingOrPendingLocked(-1);
      lock.unlock();
      Finish(*action);
      return status;
    }
    if (accepted) *accepted = true;
    const Resolution resolution = ResolveLocked(*action);
    if (resolution != Resolution::kPending) CountResolvingOrPendingLocked(-1);
    lock.unlock();
    if (resolution == Resolution::kIssue) {
      action->next = nullptr;
      status = IssueChain(action);
    } else if (resolution == Resolution::kFail) {
      Fail(*action);
    }
    // During a rapid run of issues the completion threads leave retiring to this
    // thread (GpuQueue::ObserveSparsely), which retires them as one batch.
    RetirementBatch<V> batch(this);
    GpuQueue<V>::RetireCompletedInline(queues_);
    FlushBatch(batch);
    return status;
  }

  // Called by a queue when `action`'s work has ended (GpuQueue::CompletionHandler).
  static void OnActionComplete(void* scheduler, QueueAction<V>& action, const Status& status) {
    static_cast<ActionScheduler*>(scheduler)->Complete(action, status);
  }

  // Fails every pending action with `status` (their signals too), so that nothing waits
  // on a device that is going away.
  void CancelPending(const Status& status) {
    QueueAction<V>* failing = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (pending_head_) {
        QueueAction<V>* action = pending_head_;
        UnlinkPendingLocked(*action);
        CancelTimepointsLocked(*action);
        if (action->failure.ok()) action->failure = status;
        action->next = failing;
        failing = action;
      }
    }
    while (failing) {
      QueueAction<V>& action = *std::exchange(failing, failing->next);
      action.next = nullptr;
      Fail(action);
    }
  }

  // Blocks until every action is back in the free list. Nothing may be pending or in
  // flight any more; this waits out timepoint callbacks that are still running.
  void WaitUntilIdle() {
    std::unique_lock<std::mutex> lock(mutex_);
    all_idle_.wait(lock, [&] { return live_actions_ == 0; });
  }

  SchedulerCounts counts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    SchedulerCounts counts;
    counts.pending_actions = pending_count_;
    counts.live_actions = live_actions_;
    counts.pooled_actions = idle_count_;
    counts.device_event_waits = device_event_waits_;
    counts.host_value_waits = host_value_waits_;
    return counts;
  }

 private:
  using Wait = ActionWait<V>;
  using WaitState = typename Wait::State;

  // Free list ---------------------------------------------------------------------------

  // A new action, or null when the host allocator has no memory for one.
  QueueAction<V>* NewAction() {
    void* memory = allocator_.Allocate(sizeof(QueueAction<V>), alignof(QueueAction<V>));
    if (!memory) return nullptr;
    auto* action = new (memory) QueueAction<V>(block_pool_);
    action->scheduler = this;
    return action;
  }

  void RetainAction(QueueAction<V>& action) {
    action.references.fetch_add(1, std::memory_order_relaxed);
  }
  void ReleaseAction(QueueAction<V>& action) {
    if (!DropReference(action)) return;
    ResetForReuse(action);
    RecycleActions(&action, &action, 1);
  }

  // Puts `count` reset actions, chained from `first` to `last` through `next`, back on
  // the free list under one acquisition of the lock.
  void RecycleActions(QueueAction<V>* first, QueueAction<V>* last, size_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    last->next = idle_;
    idle_ = first;
    idle_count_ += count;
    live_actions_ -= count;
    if (live_actions_ == 0) all_idle_.notify_all();
  }

  // Drops one of the caller's references to `action`; returns whether it was the last.
  // Only a holder takes another reference (RetainAction).
  static bool DropReference(QueueAction<V>& action) {
    return DropHolderReference(action.references) == 1;
  }

  // After the last reference: nothing touches the wait slots any more, so the arena can go.
  static void ResetForReuse(QueueAction<V>& action) {
    action.collective_channels.Reset();
    action.arena.Clear();  // the pooled action keeps a block for its next use
    action.waits = {};
    action.signals = {};
    action.command_buffers = {};
    action.failure = OkStatus();
  }

  // Copies the request into the action's arena (one allocation for its waits, signals
  // and command buffers) and retains what it names. Nothing is retained unless all of it
  // is: on an error the action holds nothing.
  Status Fill(QueueAction<V>& action, const ActionRequest<V>& request) {
    action.kind = request.kind;
    action.queue_index = request.queue_index;
    action.deallocation = nullptr;
    action.unresolved_count = 0;
    action.completion_event = nullptr;
    action.work_issued = false;

    const size_t wait_count = request.waits.size();
    const size_t signal_count = request.signals.size();
    const size_t command_buffer_count = request.command_buffers.size();
    static_assert(alignof(Wait) >= alignof(ActionSignal<V>) &&
                  alignof(ActionSignal<V>) >= alignof(CommandBuffer*));
    const size_t signals_offset = wait_count * sizeof(Wait);
    const size_t command_buffers_offset = signals_offset + signal_count * sizeof(ActionSignal<V>);
    const size_t bytes = command_buffers_offset + command_buffer_count * sizeof(CommandBuffer*);
    std::byte* storage = nullptr;
    if (bytes > 0) {
      storage = static_cast<std::byte*>(action.arena.Allocate(bytes, alignof(Wait)));
      if (!storage) {
        return ResourceExhaustedError("queue submission: out of host memory copying ", wait_count,
                                      " waits, ", signal_count, " signals and ",
                                      command_buffer_count, " command buffers");
      }
    }
    auto* waits = reinterpret_cast<Wait*>(storage);
    auto* signals = reinterpret_cast<ActionSignal<V>*>(storage + signals_offset);
    auto* command_buffers = reinterpret_cast<CommandBuffer**>(storage + command_buffers_offset);
    // A semaphore named again (a chain waits on and signals the same one) is retained
    // once: two fewer atomic read-modify-writes per submission. Small lists only, so that
    // the search stays cheap.
    const bool deduplicate = wait_count + signal_count <= kDeduplicatedMentions;
    auto named_before = [&](const TimelineSemaphore* semaphore, size_t wait_end,
                            size_t signal_end) {
      for (size_t i = 0; i < wait_end; ++i) {
        if (waits[i].semaphore == semaphore) return true;
      }
      for (size_t i = 0; i < signal_end; ++i) {
        if (signals[i].semaphore == semaphore) return true;
      }
      return false;
    };
    for (size_t i = 0; i < wait_count; ++i) {
      Wait& wait = *new (&waits[i]) Wait();
      wait.action = &action;
      wait.semaphore = static_cast<TimelineSemaphore*>(request.waits[i].semaphore);
      wait.value = request.waits[i].value;
      wait.device_semaphore = OwnSemaphore(wait.semaphore);
      wait.holds_reference = !deduplicate || !named_before(wait.semaphore, i, 0);
      if (wait.holds_reference) wait.semaphore->AddRef();
    }
    for (size_t i = 0; i < signal_count; ++i) {
      ActionSignal<V>& signal = *new (&signals[i]) ActionSignal<V>();
      signal.semaphore = static_cast<TimelineSemaphore*>(request.signals[i].semaphore);
      signal.value = request.signals[i].value;
      signal.device_semaphore = OwnSemaphore(signal.semaphore);
      signal.holds_reference = !deduplicate || !named_before(signal.semaphore, wait_count, i);
      if (signal.holds_reference) signal.semaphore->AddRef();
    }
    for (size_t i = 0; i < command_buffer_count; ++i) {
      command_buffers[i] = request.command_buffers[i];
      command_buffers[i]->AddRef();
    }
    if (request.deallocation) request.deallocation->AddRef();
    action.deallocation = request.deallocation;
    action.waits = {waits, wait_count};
    action.signals = {signals, signal_count};
    action.command_buffers = {command_buffers, command_buffer_count};
    return OkStatus();
  }

  GpuSemaphore<V>* OwnSemaphore(TimelineSemaphore* semaphore) const {
    return semaphore->device_identity() == &events_ ? static_cast<GpuSemaphore<V>*>(semaphore)
                                                    : nullptr;
  }

  // Resolution --------------------------------------------------------------------------

  // Tries to satisfy `wait` from the semaphore's value now. Returns false when it stays
  // unresolved.
  bool TryReachLocked(Wait& wait, QueueAction<V>& action) {
    Result<uint64_t> value = wait.semaphore->Query();
    if (!value.ok()) {
      wait.state = WaitState::kFailed;
      if (action.failure.ok()) action.failure = value.status();
      return true;
    }
    if (*value >= wait.value) {
      wait.state = WaitState::kReached;
      ++host_value_waits_;
      return true;
    }
    return false;
  }

  // Serves every unresolved wait of `action` from a recorded device signal, or none of
  // them (see the file comment): returns whether all were served. Cancelling a timepoint
  // that is being notified right now leaves it to its callback, which finds the wait
  // resolved and only drops its reference.
  bool TryServeAllFromDeviceLocked(QueueAction<V>& action) {
    // A wait no device event can serve (a host-driven or foreign semaphore) settles it
    // before any event is taken: this runs for every pending action after every issue
    // that announced a device signal.
    for (const Wait& wait : action.waits) {
      if (wait.state == WaitState::kUnresolved && !wait.device_semaphore) return false;
    }
    for (Wait& wait : action.waits) {
      if (wait.state != WaitState::kUnresolved) continue;
      PooledEvent<V>* event =
          wait.device_semaphore ? wait.device_semaphore->AcquireRecordedEvent(wait.value) : nullptr;
      if (!event) {
        for (Wait& taken : action.waits) {
          if (taken.state == WaitState::kUnresolved && taken.event) {
            std::exchange(taken.event, nullptr)->Release();
          }
        }
        return false;
      }
      wait.event = event;
    }
    for (Wait& wait : action.waits) {
      if (wait.state != WaitState::kUnresolved) continue;
      wait.state = WaitState::kDeviceEvent;
      ++device_event_waits_;
      --action.unresolved_count;
      if (wait.timepoint_enqueued && wait.semaphore->CancelTimepoint(wait.timepoint)) {
        wait.timepoint_enqueued = false;
        ReleaseAction(action);  // not the last: the owner holds one
      }
    }
    return true;
  }

  enum class Resolution { kIssue, kFail, kPending };

  // Resolves a filled action's waits: what can be reached now or served by recorded
  // device signals is, and the rest get timepoints (the action is then pending).
  Resolution ResolveLocked(QueueAction<V>& action) {
    for (Wait& wait : action.waits) {
      if (!TryReachLocked(wait, action)) ++action.unresolved_count;
      if (!action.failure.ok()) break;
    }
    if (action.failure.ok() && action.unresolved_count > 0) {
      TryServeAllFromDeviceLocked(action);
    }
    // Timepoints go on only after every wait had its chance to resolve at once.
    if (action.failure.ok() && action.unresolved_count > 0) {
      for (Wait& wait : action.waits) {
        if (wait.state != WaitState::kUnresolved) continue;
        EnqueueTimepointLocked(wait, action);
        if (!action.failure.ok()) break;
      }
    }
    if (!action.failure.ok()) {
      CancelTimepointsLocked(action);
      return Resolution::kFail;
    }
    if (action.unresolved_count == 0) return Resolution::kIssue;
    LinkPendingLocked(action);
    return Resolution::kPending;
  }

  void EnqueueTimepointLocked(Wait& wait, QueueAction<V>& action) {
    wait.timepoint.minimum_value = wait.value;
    wait.timepoint.callback = &OnWaitNotified;
    wait.timepoint.user_data = &wait;
    RetainAction(action);
    wait.timepoint_enqueued = true;
    Result<TimelineSemaphore::Acquisition> acquired =
        wait.semaphore->AcquireTimepoint(wait.timepoint);
    if (acquired.ok() && *acquired == TimelineSemaphore::Acquisition::kEnqueued) return;
    wait.timepoint_enqueued = false;
    ReleaseAction(action);  // never the last reference: the owner holds one
    --action.unresolved_count;
    if (acquired.ok()) {
      wait.state = WaitState::kReached;
      ++host_value_waits_;
    } else {
      wait.state = WaitState::kFailed;
      if (action.failure.ok()) action.failure = acquired.status();
    }
  }

  // Takes back the action's enqueued timepoints. One that cannot be taken back is being
  // notified right now; its callback drops its reference itself.
  void CancelTimepointsLocked(QueueAction<V>& action) {
    for (Wait& wait : action.waits) {
      if (!wait.timepoint_enqueued) continue;
      if (wait.semaphore->CancelTimepoint(wait.timepoint)) {
        wait.timepoint_enqueued = false;
        ReleaseAction(action);  // not the last: the owner holds one
      }
    }
  }

  static void OnWaitNotified(void* user_data, TimelineSemaphore::Timepoint&, const Status& status) {
    Wait& wait = *static_cast<Wait*>(user_data);
    QueueAction<V>& action = *wait.action;
    action.scheduler->WaitNotified(wait, action, status);
  }

  void WaitNotified(Wait& wait, QueueAction<V>& action, const Status& status) {
    enum class Outcome { kNone, kIssue, kFail } outcome = Outcome::kNone;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      wait.timepoint_enqueued = false;
      if (action.pending && wait.state == WaitState::kUnresolved) {
        --action.unresolved_count;
        if (status.ok()) {
          wait.state = WaitState::kReached;
          ++host_value_waits_;
        } else {
          wait.state = WaitState::kFailed;
          if (action.failure.ok()) action.failure = status;
        }
        if (!action.failure.ok()) {
          UnlinkPendingLocked(action);
          CancelTimepointsLocked(action);
          outcome = Outcome::kFail;
        } else if (action.unresolved_count == 0 || TryServeAllFromDeviceLocked(action)) {
          // The waits left may all be on recorded device signals: issue now, waiting on
          // the GPU, not once the host sees their values (no host hop).
          UnlinkPendingLocked(action);
          outcome = Outcome::kIssue;
        }
      }
    }
    // The timepoint's reference keeps the action alive through what follows.
    if (outcome == Outcome::kFail) Fail(action);
    if (outcome == Outcome::kIssue) {
      action.next = nullptr;
      IssueChain(&action).IgnoreError();
    }
    ReleaseAction(action);
  }

  // Serves pending device waits from device signals announced since they were last
  // tried. Returns the actions that became ready, chained through `next`.
  QueueAction<V>* RetryDeviceWaits() {
    QueueAction<V>* ready = nullptr;
    QueueAction<V>** ready_tail = &ready;
    std::lock_guard<std::mutex> lock(mutex_);
    for (QueueAction<V>* action = pending_head_; action;) {
      QueueAction<V>* next_pending = action->pending_next;
      if (TryServeAllFromDeviceLocked(*action)) {
        UnlinkPendingLocked(*action);
        action->next = nullptr;
        *ready_tail = action;
        ready_tail = &action->next;
      }
      action = next_pending;
    }
    return ready;
  }

  // The count IssueChain reads without the scheduler's lock to skip RetryDeviceWaits.
  // Changed only under that lock, so with plain loads and stores: an issue announces a
  // device signal under the semaphore's signal lock, and a resolution looks for one under
  // the same lock after raising the count. When the resolution looked first, the
  // announcing thread acquired that lock after it, and so sees the raised count when it
  // reads it afterwards; when the announcement came first, the resolution finds it. An
  // action that no announcement can serve (one of its waits is on a semaphore of another
  // kind) never looks, and needs no retry either.
  void CountResolvingOrPendingLocked(ptrdiff_t delta) {
    resolving_or_pending_.store(
        resolving_or_pending_.load(std::memory_order_relaxed) + static_cast<size_t>(delta),
        std::memory_order_relaxed);
  }

  void LinkPendingLocked(QueueAction<V>& action) {
    action.pending = true;
    action.pending_next = nullptr;
    action.pending_previous = pending_tail_;
    (pending_tail_ ? pending_tail_->pending_next : pending_head_) = &action;
    pending_tail_ = &action;
    ++pending_count_;
  }
  void UnlinkPendingLocked(QueueAction<V>& action) {
    CountResolvingOrPendingLocked(-1);
    action.pending = false;
    (action.pending_previous ? action.pending_previous->pending_next : pending_head_) =
        action.pending_next;
    (action.pending_next ? action.pending_next->pending_previous : pending_tail_) =
        action.pending_previous;
    action.pending_previous = action.pending_next = nullptr;
    --pending_count_;
  }

  // Issue -------------------------------------------------------------------------------

  // Issues a chain of ready actions (linked through `next`), and then whatever their
  // device signals release, iteratively rather than recursively, so that a long chain
  // of dependent submissions does not grow the stack. Returns the first issue error.
  Status IssueChain(QueueAction<V>* chain) {
    Status first_error;
    bool announced_since_retry = false;
    while (chain) {
      QueueAction<V>& action = *std::exchange(chain, chain->next);
      action.next = nullptr;
      bool announced = false;
      Status status = queues_[action.queue_index]->Issue(action, announced);
      announced_since_retry |= announced;
      if (!status.ok()) {
        if (first_error.ok()) first_error = status;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (action.failure.ok()) action.failure = status;
        }
        Fail(action);
      }
      // Retrying takes the scheduler's lock; with no action pending or being resolved
      // there is nothing to retry (see CountResolvingOrPendingLocked for why a count of
      // zero read here cannot miss one).
      if (!chain && announced_since_retry) {
        announced_since_retry = false;
        if (resolving_or_pending_.load(std::memory_order_relaxed) != 0) {
          chain = RetryDeviceWaits();
        }
      }
    }
    return first_error;
  }

  // Completion --------------------------------------------------------------------------

  // An issued action's failure is written by no other thread until its completion checks
  // are enqueued (the issue wrote it before the queue published the action), so it is
  // read and set here without the scheduler's lock.
  void Complete(QueueAction<V>& action, const Status& status) {
    if (!status.ok() && action.failure.ok()) action.failure = status;
    if (!action.failure.ok()) {
      FlushActiveBatch();  // what the batch holds came first
      Fail(action);
      return;
    }
    RetirementBatch<V>* batch = ActiveBatch();
    // GPU-side waits passed when the producing work ended; whether it succeeded shows
    // in the semaphore, once the producer's own completion has been observed.
    action.completion_checks.store(1, std::memory_order_relaxed);
    bool check_enqueued = false;
    for (Wait& wait : action.waits) {
      if (wait.state != WaitState::kDeviceEvent) continue;
      // Usually the producer was retired first: its value shows without the lock.
      Result<uint64_t> reached = wait.semaphore->Query();
      if (reached.ok() && *reached >= wait.value) continue;
      // Or an action earlier in this batch reached it (and the semaphore has not failed).
      if (batch && reached.ok() && batch->Reaches(wait.semaphore, wait.value)) continue;
      wait.completion_check.minimum_value = wait.value;
      wait.completion_check.callback = &OnCompletionCheck;
      wait.completion_check.user_data = &wait;
      RetainAction(action);
      action.completion_checks.fetch_add(1, std::memory_order_relaxed);
      Result<TimelineSemaphore::Acquisition> acquired =
          wait.semaphore->AcquireTimepoint(wait.completion_check);
      if (acquired.ok() && *acquired == TimelineSemaphore::Acquisition::kEnqueued) {
        check_enqueued = true;
        continue;
      }
      CompletionChecked(action, acquired.status());
      ReleaseAction(action);
    }
    if (check_enqueued) {
      CompletionChecked(action, OkStatus());
    } else {
      // Usual in a chain: no check is outstanding, so this thread's is the last.
      action.completion_checks.store(0, std::memory_order_relaxed);
      CompletionChecksDone(action);
    }
  }

  static void OnCompletionCheck(void* user_data, TimelineSemaphore::Timepoint&,
                                const Status& status) {
    QueueAction<V>& action = *static_cast<Wait*>(user_data)->action;
    ActionScheduler& scheduler = *action.scheduler;
    scheduler.CompletionChecked(action, status);
    scheduler.ReleaseAction(action);
  }

  void CompletionChecked(QueueAction<V>& action, const Status& status) {
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (action.failure.ok()) action.failure = status;
    }
    // The last check: every other check's write of the failure came before its decrement.
    if (action.completion_checks.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    CompletionChecksDone(action);
  }

  // Once no completion check is outstanding: advances the action's signals, or fails
  // them when a check found a failure.
  void CompletionChecksDone(QueueAction<V>& action) {
    RetirementBatch<V>* batch = ActiveBatch();
    if (batch && action.failure.ok() && batch->Defer(action)) return;
    if (batch) FlushBatch(*batch);  // what the batch holds came first
    if (!action.failure.ok()) {
      Fail(action);
      return;
    }
    for (const ActionSignal<V>& signal : action.signals) {
      // A semaphore that failed meanwhile keeps its failure; one already past the value
      // was signalled further by someone else. Neither is this action's error.
      if (signal.device_semaphore) {
        signal.device_semaphore->AdvanceFromDevice(signal.value).IgnoreError();
      } else if (auto* device_semaphore = dynamic_cast<GpuSemaphore<V>*>(signal.semaphore)) {
        device_semaphore->AdvanceFromDevice(signal.value).IgnoreError();
      } else {
        signal.semaphore->Signal(signal.value).IgnoreError();
      }
    }
    Finish(action);
  }

  // Retirement batches (retirement_batch.h) -----------------------------------------------

  // The batch this thread is retiring into for this scheduler, if any.
  RetirementBatch<V>* ActiveBatch() const {
    RetirementBatch<V>* batch = RetirementBatch<V>::active();
    return batch && batch->owner() == this ? batch : nullptr;
  }
  void FlushActiveBatch() {
    if (RetirementBatch<V>* batch = ActiveBatch()) FlushBatch(*batch);
  }

  // Finishes what `batch` holds. Advancing runs timepoint callbacks (released pending
  // actions issue from here), which must not defer into the batch being flushed: it is
  // inactive meanwhile.
  void FlushBatch(RetirementBatch<V>& batch) {
    if (batch.empty()) return;  // most submissions retire nothing
    const bool was_active = RetirementBatch<V>::active() == &batch;
    if (was_active) RetirementBatch<V>::SetActive(nullptr);
    QueueAction<V>* finished = batch.Take([](GpuSemaphore<V>& semaphore, uint64_t value) {
      // A semaphore that failed meanwhile keeps its failure (see CompletionChecked).
      semaphore.AdvanceFromDevice(value).IgnoreError();
    });
    QueueAction<V>* recycled = nullptr;
    QueueAction<V>* recycled_last = nullptr;
    size_t recycled_count = 0;
    PooledEvent<V>* returned_events = nullptr;
    while (finished) {
      QueueAction<V>& action = *std::exchange(finished, finished->next);
      action.next = nullptr;
      ReleaseResources(action, &returned_events);
      if (!DropReference(action)) continue;
      ResetForReuse(action);
      action.next = recycled;
      recycled = &action;
      if (!recycled_last) recycled_last = &action;
      ++recycled_count;
    }
    if (returned_events) events_.ReturnAll(returned_events);
    if (recycled) RecycleActions(recycled, recycled_last, recycled_count);
    if (was_active) RetirementBatch<V>::SetActive(&batch);
  }

  // Fails `action`'s signals with its failure and finishes it. Failing a semaphore runs
  // its waiters' callbacks, which may fail further actions: those are queued on this
  // thread and failed by the outermost call, so a long chain does not grow the stack.
  void Fail(QueueAction<V>& action) {
    static thread_local QueueAction<V>* failing = nullptr;
    static thread_local bool draining = false;
    action.next = failing;
    failing = &action;
    if (draining) return;
    draining = true;
    while (failing) {
      QueueAction<V>& next = *std::exchange(failing, failing->next);
      next.next = nullptr;
      // Actions of every device of this vendor share the chain.
      ActionScheduler& owner = *next.scheduler;
      Status failure;
      {
        std::lock_guard<std::mutex> lock(owner.mutex_);
        failure = next.failure;
      }
      // Peers of a collective this rank never issued would wait for it forever.
      if (!next.work_issued) {
        for (CommandBuffer* command_buffer : next.command_buffers) {
          AbortCollectivesOf<V>(*command_buffer, failure);
        }
      }
      for (const ActionSignal<V>& signal : next.signals) signal.semaphore->Fail(failure);
      owner.Finish(next);
    }
    draining = false;
  }

  // Releases what the action holds and its owner reference.
  void Finish(QueueAction<V>& action) {
    ReleaseResources(action);
    ReleaseAction(action);
  }

  // With `returns`, events whose last reference goes are linked there for the caller to
  // give back together (GpuEventPool::ReturnAll); otherwise each goes back at once.
  void ReleaseResources(QueueAction<V>& action, PooledEvent<V>** returns = nullptr) {
    auto release = [&](PooledEvent<V>* event) {
      if (returns) {
        event->ReleaseInto(*returns);
      } else {
        event->Release();
      }
    };
    for (Wait& wait : action.waits) {
      if (wait.event) release(std::exchange(wait.event, nullptr));
    }
    if (action.completion_event) release(std::exchange(action.completion_event, nullptr));
    // May drop the last references to semaphores, buffers and command buffers. The spans
    // are emptied (their storage goes with the arena), so a second call releases nothing.
    for (const Wait& wait : action.waits) {
      if (wait.holds_reference) wait.semaphore->Release();
    }
    for (const ActionSignal<V>& signal : action.signals) {
      if (signal.holds_reference) signal.semaphore->Release();
    }
    for (CommandBuffer* command_buffer : action.command_buffers) command_buffer->Release();
    action.waits = {};
    action.signals = {};
    action.command_buffers = {};
    if (GpuBuffer<V>* deallocation = std::exchange(action.deallocation, nullptr)) {
      deallocation->Release();
    }
  }

  // Fill looks for earlier mentions of a semaphore up to this many waits and signals.
  static constexpr size_t kDeduplicatedMentions = 16;

  Allocator& allocator_;
  BlockPool& block_pool_;
  GpuEventPool<V>& events_;
  std::span<GpuQueue<V>* const> queues_;

  mutable std::mutex mutex_;
  std::condition_variable all_idle_;
  QueueAction<V>* pending_head_ = nullptr;
  QueueAction<V>* pending_tail_ = nullptr;
  size_t pending_count_ = 0;
  QueueAction<V>* idle_ = nullptr;
  size_t idle_count_ = 0;
  size_t live_actions_ = 0;
  uint64_t device_event_waits_ = 0;
  uint64_t host_value_waits_ = 0;
  // Actions being resolved plus those pending (CountResolvingOrPendingLocked).
  std::atomic<size_t> resolving_or_pending_{0};
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_ACTION_SCHEDULER_H_
