#include "gpuhal/core/host_event_pool.h"

#include <cassert>
#include <new>

namespace gpuhal {

HostEventPool::HostEventPool(Allocator& allocator, size_t capacity)
    : allocator_(allocator), capacity_(capacity) {}

HostEventPool::~HostEventPool() {
  assert(live_count_ == pooled_count_ && "HostEventPool destroyed with events still acquired");
  while (free_list_) {
    HostEvent* event = free_list_;
    free_list_ = event->next_pooled_;
    DestroyEvent(event);
  }
}

Result<HostEvent*> HostEventPool::AllocateEvent() {
  void* memory = allocator_.Allocate(sizeof(HostEvent), alignof(HostEvent));
  if (!memory) {
    return ResourceExhaustedError("host event pool: the host allocator could not provide ",
                                  sizeof(HostEvent), " bytes for a new host event");
  }
  return new (memory) HostEvent();
}

void HostEventPool::DestroyEvent(HostEvent* event) {
  event->~HostEvent();
  allocator_.Free(event);
}

Result<HostEvent*> HostEventPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_list_) {
      HostEvent* event = free_list_;
      free_list_ = event->next_pooled_;
      event->next_pooled_ = nullptr;
      --pooled_count_;
      return event;
    }
  }
  // Allocated outside the lock: the allocator may be slow or take its own locks.
  GPUHAL_ASSIGN_OR_RETURN(HostEvent * event, AllocateEvent());
  std::lock_guard<std::mutex> lock(mutex_);
  ++live_count_;
  return event;
}

void HostEventPool::Release(HostEvent* event) {
  if (!event) return;
  event->Reset();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pooled_count_ < capacity_) {
      event->next_pooled_ = free_list_;
      free_list_ = event;
      ++pooled_count_;
      return;
    }
    --live_count_;
  }
  DestroyEvent(event);
}

Status HostEventPool::Reserve(size_t count) {
  if (count > capacity_) count = capacity_;
  while (pooled_count() < count) {
    GPUHAL_ASSIGN_OR_RETURN(HostEvent * event, AllocateEvent());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++live_count_;
    }
    Release(event);
  }
  return OkStatus();
}

size_t HostEventPool::live_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_count_;
}

size_t HostEventPool::pooled_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pooled_count_;
}

}  // namespace gpuhal
