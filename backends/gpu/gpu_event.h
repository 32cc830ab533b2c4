// A command-buffer event (SignalEvent / WaitEvents) backed by one vendor event.
//
// Vendor events are binary and have no reset: recording overwrites the previous state and
// waiting on an event that was never recorded passes at once. So a command-buffer event
// orders work only between a SignalEvent and the WaitEvents recorded after it, which is
// the split-barrier use the API defines.
#ifndef GPUHAL_BACKENDS_GPU_GPU_EVENT_H_
#define GPUHAL_BACKENDS_GPU_GPU_EVENT_H_

#include "backends/gpu/gpu_context.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/event.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class GpuEvent final : public Event {
 public:
  static Result<Ref<GpuEvent>> Create(const GpuContext<V>& context) {
    GPUHAL_RETURN_IF_ERROR(context.vendor.MakeCurrent());
    GPUHAL_ASSIGN_OR_RETURN(typename V::Event handle, context.vendor.CreateEvent());
    Ref<GpuEvent> event = MakeRef<GpuEvent>(*context.host_allocator, context, handle);
    if (!event) {
      context.vendor.DestroyEvent(handle).IgnoreError();
      return ResourceExhaustedError("out of host memory creating an event");
    }
    return event;
  }

  typename V::Event handle() const { return handle_; }
  const V& vendor() const { return vendor_; }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  GpuEvent(const GpuContext<V>& context, typename V::Event handle)
      : vendor_(context.vendor), symbol_owner_(context.symbol_owner), handle_(handle) {}
  // Destroying fails only for a context that is already gone; nothing to report to.
  ~GpuEvent() override { vendor_.DestroyEvent(handle_).IgnoreError(); }

  V vendor_;
  Ref<RefCounted> symbol_owner_;  // the symbol table must outlive DestroyEvent
  typename V::Event handle_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_EVENT_H_
