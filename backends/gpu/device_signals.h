// Device-signal announcements: "value v of this semaphore is produced when this recorded
// event completes". Each issued submission that signals a semaphore of its own device
// leaves one on that semaphore, so that a later submission waiting on the value can wait
// on the event on the GPU instead of for the host to see the value.
//
// A semaphore keeps its announcements in a DeviceSignalList, ordered by value, under a
// lock of its own: a submission in a chain announces at the end of the list and its
// successor finds it there, without the semaphore's timeline lock (which host waits and
// completion checks contend for) and without a timepoint per announcement. The list's
// storage grows by doubling and is kept, so that after warm-up announcing allocates
// nothing. The device counts the announcements its semaphores hold (DeviceSignalTally)
// for its diagnostics: once the device is quiescent that count is zero.
#ifndef GPUHAL_BACKENDS_GPU_DEVICE_SIGNALS_H_
#define GPUHAL_BACKENDS_GPU_DEVICE_SIGNALS_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "backends/gpu/event_pool.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/allocator.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// The number of announcements a device's semaphores hold.
class DeviceSignalTally final : public RefCounted {
 public:
  static Result<Ref<DeviceSignalTally>> Create(Allocator& allocator) {
    Ref<DeviceSignalTally> tally = MakeRef<DeviceSignalTally>(allocator);
    if (!tally) {
      return ResourceExhaustedError("device: the host allocator could not provide ",
                                    sizeof(DeviceSignalTally), " bytes for its signal tally");
    }
    return tally;
  }

  size_t held() const { return held_.load(std::memory_order_relaxed); }
  void Add(size_t count) { held_.fetch_add(count, std::memory_order_relaxed); }
  void Remove(size_t count) { held_.fetch_sub(count, std::memory_order_relaxed); }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);
  DeviceSignalTally() = default;

  std::atomic<size_t> held_{0};
};

// Not thread-safe: the owning semaphore guards it. Holds one reference on each event.
template <Vendor V>
class DeviceSignalList {
 public:
  DeviceSignalList(Allocator& allocator, Ref<DeviceSignalTally> tally)
      : allocator_(allocator), tally_(std::move(tally)) {}
  DeviceSignalList(const DeviceSignalList&) = delete;
  DeviceSignalList& operator=(const DeviceSignalList&) = delete;
  ~DeviceSignalList() {
    ReleaseUpTo(UINT64_MAX);
    if (entries_ != inline_entries_) allocator_.Free(entries_);
  }

  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }

  // Announces that `value` is produced when `recorded` (already recorded) completes;
  // takes a reference on it. Out of host memory: nothing changes.
  Status Add(uint64_t value, PooledEvent<V>& recorded) {
    if (count_ == capacity_) GPUHAL_RETURN_IF_ERROR(Grow());
    // Usually the newest value goes last; signals issued on several queues may be
    // announced out of order.
    size_t position = count_;
    while (position > 0 && At(position - 1).value > value) --position;
    for (size_t i = count_; i > position; --i) At(i) = At(i - 1);
    recorded.Retain();
    At(position) = Entry{value, &recorded};
    ++count_;
    tally_->Add(1);
    return OkStatus();
  }

  // The event of the earliest announcement of a value >= `value`, with a reference taken
  // for the caller; null when there is none.
  PooledEvent<V>* AcquireEarliestAtLeast(uint64_t value) const {
    // The common wait is on the latest value: search from the end.
    size_t position = count_;
    while (position > 0 && At(position - 1).value >= value) --position;
    if (position == count_) return nullptr;
    PooledEvent<V>* event = At(position).event;
    event->Retain();
    return event;
  }

  // Drops the announcements of values <= `value` (reached, or UINT64_MAX: all).
  void ReleaseUpTo(uint64_t value) {
    size_t released = 0;
    while (count_ > 0 && At(0).value <= value) {
      At(0).event->Release();
      first_ = (first_ + 1) & (capacity_ - 1);
      --count_;
      ++released;
    }
    if (released) tally_->Remove(released);
  }

 private:
  struct Entry {
    uint64_t value = 0;
    PooledEvent<V>* event = nullptr;
  };
  static constexpr size_t kInlineCapacity = 4;  // a power of two, as every capacity

  Entry& At(size_t index) { return entries_[(first_ + index) & (capacity_ - 1)]; }
  const Entry& At(size_t index) const { return entries_[(first_ + index) & (capacity_ - 1)]; }

  Status Grow() {
    const size_t capacity = capacity_ * 2;
    void* memory = allocator_.Allocate(capacity * sizeof(Entry), alignof(Entry));
    if (!memory) {
      return ResourceExhaustedError("semaphore: the host allocator could not provide ",
                                    capacity * sizeof(Entry), " bytes for ", capacity,
                                    " device-signal announcements");
    }
    auto* entries = static_cast<Entry*>(memory);
    for (size_t i = 0; i < count_; ++i) entries[i] = At(i);
    if (entries_ != inline_entries_) allocator_.Free(entries_);
    entries_ = entries;
    capacity_ = capacity;
    first_ = 0;
    return OkStatus();
  }

  Allocator& allocator_;
  Ref<DeviceSignalTally> tally_;
  Entry inline_entries_[kInlineCapacity];
  Entry* entries_ = inline_entries_;
  size_t capacity_ = kInlineCapacity;
  size_t first_ = 0;
  size_t count_ = 0;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_DEVICE_SIGNALS_H_
