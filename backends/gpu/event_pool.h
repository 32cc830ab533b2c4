// Recycled vendor events. A submission needs one event per issue (recorded after its
// work), and timeline semaphores hand the same event to every device wait it serves;
// pooling them keeps event creation off the submission path after warm-up.
//
// A pooled event is reference counted: the issuing action, each device-signal timepoint
// and each device wait that uses it hold one reference, and the event returns to its
// pool when the last is released. The pool keeps at most `capacity` idle events; past
// that, events are created on demand and destroyed on release.
//
// Reference mistakes are counted, not trusted: a release that takes the count below zero,
// or a return of an event that is already idle (it was retained again after going back
// and released once more), is an over-release somewhere in the driver. The event is not
// pooled a second time; the pool counts it (over_release_count) for the device's
// diagnostics, which the tests require to stay at zero. An event handed out twice would
// otherwise look like correct accounting while two owners record it.
#ifndef GPUHAL_BACKENDS_GPU_EVENT_POOL_H_
#define GPUHAL_BACKENDS_GPU_EVENT_POOL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <utility>

#include "backends/gpu/vendor.h"
#include "backends/gpu/vendor_binding.h"
#include "gpuhal/allocator.h"
#include "gpuhal/core/holder_reference.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class GpuEventPool;

template <Vendor V>
class PooledEvent {
 public:
  PooledEvent(const PooledEvent&) = delete;
  PooledEvent& operator=(const PooledEvent&) = delete;

  typename V::Event handle() const { return handle_; }
  GpuEventPool<V>& pool() const { return *pool_; }

  void Retain() { references_.fetch_add(1, std::memory_order_relaxed); }
  // The last release returns the event to its pool.
  void Release() {
    PooledEvent* last = nullptr;
    ReleaseInto(last);
    if (last) pool_->ReturnAll(last);
  }
  // As Release, but the last release links the event onto `returns` instead, for the
  // caller to give back with others under one lock (GpuEventPool::ReturnAll).
  void ReleaseInto(PooledEvent*& returns) {
    // Only a holder takes another reference (Retain).
    const int32_t before = DropHolderReference(references_);
    if (before == 1) {
      next_idle_ = returns;
      returns = this;
    } else if (before <= 0) {
      pool_->over_releases_.fetch_add(1, std::memory_order_relaxed);
    }
  }

 private:
  friend class GpuEventPool<V>;
  PooledEvent(typename V::Event handle, GpuEventPool<V>* pool) : handle_(handle), pool_(pool) {}

  typename V::Event handle_;
  GpuEventPool<V>* pool_;
  std::atomic<int32_t> references_{0};
  // The pool's idle list; before that, a chain of released events (ReleaseInto).
  PooledEvent* next_idle_ = nullptr;
  bool idle_ = false;  // guarded by the pool's mutex
};

template <Vendor V>
class GpuEventPool final : public RefCounted {
 public:
  static Result<Ref<GpuEventPool>> Create(Allocator& allocator, Ref<VendorBinding<V>> binding,
                                          uint32_t capacity) {
    Ref<GpuEventPool> pool =
        MakeRef<GpuEventPool>(allocator, allocator, std::move(binding), capacity);
    if (!pool) {
      return ResourceExhaustedError("event pool: the host allocator could not provide ",
                                    sizeof(GpuEventPool), " bytes");
    }
    return pool;
  }

  // An event holding one reference. While any event is out, it keeps the pool alive.
  // The caller has made the device current on this thread.
  Result<PooledEvent<V>*> Acquire() {
    PooledEvent<V>* event = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (idle_) {
        event = std::exchange(idle_, idle_->next_idle_);
        event->idle_ = false;
        --idle_count_;
        ++acquired_count_;
      }
    }
    if (!event) {
      GPUHAL_ASSIGN_OR_RETURN(event, CreateEvent());
      std::lock_guard<std::mutex> lock(mutex_);
      ++live_count_;
      ++acquired_count_;
    }
    event->references_.store(1, std::memory_order_relaxed);
    AddRef();
    return event;
  }

  // Takes back events whose last reference is gone, chained through next_idle_ (see
  // PooledEvent::ReleaseInto): pooled up to the capacity, destroyed beyond it.
  void ReturnAll(PooledEvent<V>* returned) {
    PooledEvent<V>* surplus = nullptr;
    size_t count = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (returned) {
        PooledEvent<V>* event = std::exchange(returned, returned->next_idle_);
        if (event->idle_) {
          // Already back: its last release was counted before. Nothing more to give back.
          over_releases_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        ++count;
        --acquired_count_;
        if (idle_count_ < capacity_) {
          event->next_idle_ = idle_;
          event->idle_ = true;
          idle_ = event;
          ++idle_count_;
        } else {
          --live_count_;
          event->next_idle_ = surplus;
          surplus = event;
        }
      }
    }
    // Returns may happen on any thread (a completion thread, or whoever drops the last
    // semaphore reference), hence the explicit Current().
    if (surplus) {
      const bool device_current = binding_->Current().ok();
      while (surplus) DestroyEvent(std::exchange(surplus, surplus->next_idle_), device_current);
    }
    // The references the events held on the pool; the last may destroy the pool.
    while (count-- > 0) Release();
  }

  // Creates idle events until `count` are pooled (at most the capacity).
  Status Reserve(size_t count) {
    if (count > capacity_) count = capacity_;
    GPUHAL_RETURN_IF_ERROR(binding_->Current());
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (idle_count_ >= count) return OkStatus();
      }
      GPUHAL_ASSIGN_OR_RETURN(PooledEvent<V> * event, CreateEvent());
      std::lock_guard<std::mutex> lock(mutex_);
      event->next_idle_ = idle_;
      event->idle_ = true;
      idle_ = event;
      ++idle_count_;
      ++live_count_;
    }
  }

  size_t capacity() const { return capacity_; }
  // Events that exist: acquired plus idle.
  size_t live_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_count_;
  }
  size_t acquired_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return acquired_count_;
  }
  size_t idle_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return idle_count_;
  }
  // Over-releases seen so far (see the file comment); zero in a correct driver.
  uint64_t over_release_count() const { return over_releases_.load(std::memory_order_relaxed); }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);
  friend class PooledEvent<V>;

  GpuEventPool(Allocator& allocator, Ref<VendorBinding<V>> binding, uint32_t capacity)
      : allocator_(allocator), binding_(std::move(binding)), capacity_(capacity) {}
  ~GpuEventPool() override {
    // Every event has come back (each held a reference on the pool).
    if (!idle_) return;
    const bool current = binding_->Current().ok();
    while (idle_) DestroyEvent(std::exchange(idle_, idle_->next_idle_), current);
  }

  Result<PooledEvent<V>*> CreateEvent() {
    void* memory = allocator_.Allocate(sizeof(PooledEvent<V>), alignof(PooledEvent<V>));
    if (!memory) {
      return ResourceExhaustedError("event pool: the host allocator could not provide ",
                                    sizeof(PooledEvent<V>), " bytes for an event");
    }
    Result<typename V::Event> handle = binding_->vendor().CreateEvent();
    if (!handle.ok()) {
      allocator_.Free(memory);
      return handle.status();
    }
    return new (memory) PooledEvent<V>(*handle, this);
  }

  void DestroyEvent(PooledEvent<V>* event, bool device_current) {
    // Without a current device the vendor call cannot succeed; the event goes with the
    // context when it closes.
    if (device_current) binding_->vendor().DestroyEvent(event->handle_).IgnoreError();
    event->~PooledEvent();
    allocator_.Free(event);
  }


  Allocator& allocator_;
  Ref<VendorBinding<V>> binding_;
  const size_t capacity_;
  mutable std::mutex mutex_;
  PooledEvent<V>* idle_ = nullptr;
  size_t idle_count_ = 0;
  size_t live_count_ = 0;
  size_t acquired_count_ = 0;
  std::atomic<uint64_t> over_releases_{0};
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_EVENT_POOL_H_
