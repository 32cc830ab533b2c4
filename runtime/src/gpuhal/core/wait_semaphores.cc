// Host waits across several semaphores: one timepoint per semaphore, all completing into
// one shared, mutex-guarded tally that the waiting thread blocks on.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <span>

#include "gpuhal/allocator.h"
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/semaphore.h"
#include "gpuhal/status.h"
#include "gpuhal/time.h"

namespace gpuhal {
namespace {

using Timepoint = TimelineSemaphore::Timepoint;

// Waits on up to this many points need no heap allocation.
constexpr size_t kInlinePointCount = 8;
constexpr size_t kNoIndex = SIZE_MAX;

const char* ModeName(WaitMode mode) { return mode == WaitMode::kAll ? "all" : "any"; }

// What the waiting thread and the timepoint callbacks share. Callbacks update it under
// its mutex and notify as their last action, so the waiter may destroy it once every
// dispatched callback has been counted.
struct Tally {
  std::mutex mutex;
  std::condition_variable changed;
  size_t reached_count = 0;
  size_t first_reached_index = kNoIndex;
  Status first_failure;
  size_t callbacks_run = 0;
};

struct WaitEntry {
  Timepoint timepoint;
  Tally* tally = nullptr;
  size_t index = 0;
  bool reached = false;  // guarded by tally->mutex
  bool enqueued = false;
};

void RecordLocked(Tally& tally, WaitEntry& entry, const Status& status) {
  if (status.ok()) {
    entry.reached = true;
    ++tally.reached_count;
    if (tally.first_reached_index == kNoIndex) tally.first_reached_index = entry.index;
  } else if (tally.first_failure.ok()) {
    tally.first_failure = status;
  }
}

void OnPointNotified(void* user_data, Timepoint&, const Status& status) {
  auto* entry = static_cast<WaitEntry*>(user_data);
  Tally& tally = *entry->tally;
  std::lock_guard<std::mutex> lock(tally.mutex);
  RecordLocked(tally, *entry, status);
  ++tally.callbacks_run;
  tally.changed.notify_all();
}

bool IsDoneLocked(const Tally& tally, WaitMode mode, size_t point_count) {
  if (!tally.first_failure.ok()) return true;
  return mode == WaitMode::kAll ? tally.reached_count == point_count : tally.reached_count > 0;
}

// Entries live inline for small waits and come from the system allocator beyond that.
class WaitEntries {
 public:
  WaitEntries() = default;
  WaitEntries(const WaitEntries&) = delete;
  WaitEntries& operator=(const WaitEntries&) = delete;
  ~WaitEntries() {
    for (size_t i = 0; i < count_; ++i) entries_[i].~WaitEntry();
    if (entries_ != reinterpret_cast<WaitEntry*>(inline_storage_)) {
      Allocator::System().Free(entries_);
    }
  }

  Status Init(size_t count) {
    void* memory = inline_storage_;
    if (count > kInlinePointCount) {
      memory = Allocator::System().Allocate(count * sizeof(WaitEntry), alignof(WaitEntry));
      if (!memory) {
        return ResourceExhaustedError("WaitSemaphores: could not allocate wait state for ",
                                      count, " semaphore points");
      }
    }
    entries_ = static_cast<WaitEntry*>(memory);
    for (; count_ < count; ++count_) new (&entries_[count_]) WaitEntry();
    return OkStatus();
  }

  WaitEntry& operator[](size_t i) { return entries_[i]; }

 private:
  alignas(WaitEntry) unsigned char inline_storage_[kInlinePointCount * sizeof(WaitEntry)];
  WaitEntry* entries_ = reinterpret_cast<WaitEntry*>(inline_storage_);
  size_t count_ = 0;
};

Status ValidatePoints(std::span<const SemaphorePoint> points) {
  if (points.empty()) {
    return InvalidArgumentError("WaitSemaphores needs at least one semaphore point; the list "
                                "is empty");
  }
  for (size_t i = 0; i < points.size(); ++i) {
    if (!points[i].semaphore) {
      return InvalidArgumentError("WaitSemaphores: points[", i, "].semaphore is null");
    }
    if (!AsTimelineSemaphore(points[i].semaphore)) {
      return InvalidArgumentError(
          "WaitSemaphores: points[", i,
          "].semaphore was not made by gpuhal (it does not derive from the timeline "
          "semaphore base); use semaphores from a gpuhal device or CreateHostSemaphore");
    }
  }
  return OkStatus();
}

// Validated points are known to be timeline semaphores.
TimelineSemaphore& TimelineOf(const SemaphorePoint& point) {
  return static_cast<TimelineSemaphore&>(*point.semaphore);
}

// Decides the wait from the semaphores' current state when that is possible without
// blocking. Returns true and sets `result` when decided.
bool TryDecideNow(WaitMode mode, std::span<const SemaphorePoint> points, Status& result,
                  size_t& reached_index) {
  size_t reached_count = 0;
  Status first_failure;
  for (size_t i = 0; i < points.size(); ++i) {
    Result<uint64_t> value = TimelineOf(points[i]).Query();
    if (!value.ok()) {
      if (mode == WaitMode::kAll) {
        result = value.status();
        return true;
      }
      if (first_failure.ok()) first_failure = value.status();
      continue;
    }
    if (*value < points[i].value) continue;
    if (mode == WaitMode::kAny) {
      reached_index = i;
      result = OkStatus();
      return true;
    }
    ++reached_count;
  }
  if (mode == WaitMode::kAll && reached_count == points.size()) {
    result = OkStatus();
    return true;
  }
  if (mode == WaitMode::kAny && !first_failure.ok()) {
    result = first_failure;
    return true;
  }
  return false;
}

Status WaitForPoints(WaitMode mode, std::span<const SemaphorePoint> points, Timeout timeout,
                     size_t& reached_index) {
  GPUHAL_RETURN_IF_ERROR(ValidatePoints(points));

  Status decided;
  if (TryDecideNow(mode, points, decided, reached_index)) return decided;
  if (timeout.is_immediate()) {
    return DeadlineExceededError("WaitSemaphores(", ModeName(mode), ", ", points.size(),
                                 " points): not satisfied and the timeout is immediate");
  }

  const size_t count = points.size();
  Tally tally;
  WaitEntries entries;
  GPUHAL_RETURN_IF_ERROR(entries.Init(count));

  size_t enqueued_count = 0;
  for (size_t i = 0; i < count; ++i) {
    WaitEntry& entry = entries[i];
    entry.tally = &tally;
    entry.index = i;
    entry.timepoint.minimum_value = points[i].value;
    entry.timepoint.callback = &OnPointNotified;
    entry.timepoint.user_data = &entry;
    Result<TimelineSemaphore::Acquisition> acquisition =
        TimelineOf(points[i]).AcquireTimepoint(entry.timepoint);
    if (acquisition.ok() && *acquisition == TimelineSemaphore::Acquisition::kEnqueued) {
      entry.enqueued = true;
      ++enqueued_count;
      continue;
    }
    std::lock_guard<std::mutex> lock(tally.mutex);
    RecordLocked(tally, entry, acquisition.status());
    // No need to arm the rest once the outcome is known.
    if (IsDoneLocked(tally, mode, count)) break;
  }

  {
    for (const SemaphorePoint& point : points) TimelineOf(point).HostWaitBegins();
    std::unique_lock<std::mutex> lock(tally.mutex);
    auto done = [&] { return IsDoneLocked(tally, mode, count); };
    if (timeout.is_infinite()) {
      tally.changed.wait(lock, done);
    } else {
      tally.changed.wait_until(lock, timeout.deadline(), done);
    }
    lock.unlock();
    for (const SemaphorePoint& point : points) TimelineOf(point).HostWaitEnds();
  }

  // Disarm what is still enqueued. Timepoints already handed to a notifying thread will
  // still report into `tally`, so wait for every one of them before it goes away.
  size_t dispatched_count = enqueued_count;
  for (size_t i = 0; i < count; ++i) {
    if (entries[i].enqueued && TimelineOf(points[i]).CancelTimepoint(entries[i].timepoint)) {
      --dispatched_count;
    }
  }
  std::unique_lock<std::mutex> lock(tally.mutex);
  tally.changed.wait(lock, [&] { return tally.callbacks_run == dispatched_count; });

  if (mode == WaitMode::kAll) {
    if (tally.reached_count == count) return OkStatus();
    if (!tally.first_failure.ok()) return tally.first_failure;
  } else {
    if (tally.reached_count > 0) {
      reached_index = tally.first_reached_index;
      return OkStatus();
    }
    if (!tally.first_failure.ok()) return tally.first_failure;
  }
  size_t first_unreached = 0;
  while (first_unreached < count && entries[first_unreached].reached) ++first_unreached;
  return DeadlineExceededError("WaitSemaphores(", ModeName(mode), ", ", count, " points): ",
                               tally.reached_count, " reached before the timeout; points[",
                               first_unreached, "] (value ", points[first_unreached].value,
                               ") was not");
}

}  // namespace

Status WaitSemaphores(WaitMode mode, std::span<const SemaphorePoint> points, Timeout timeout) {
  size_t reached_index = kNoIndex;
  return WaitForPoints(mode, points, timeout, reached_index);
}

Result<size_t> WaitAnySemaphore(std::span<const SemaphorePoint> points, Timeout timeout) {
  size_t reached_index = kNoIndex;
  GPUHAL_RETURN_IF_ERROR(WaitForPoints(WaitMode::kAny, points, timeout, reached_index));
  return reached_index;
}

}  // namespace gpuhal
