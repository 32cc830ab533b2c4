// Buffers of a GPU device: device-local memory, pinned host memory mapped into the
// device's address space, and queue allocations (stream-ordered, from the device's
// memory pool). Views (Buffer::Subspan) are core BufferViews over one of these; every
// command reaches device memory through DeviceAddressOf, which adds the view's offset.
#ifndef GPUHAL_BACKENDS_GPU_GPU_BUFFER_H_
#define GPUHAL_BACKENDS_GPU_GPU_BUFFER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "backends/gpu/gpu_context.h"
#include "backends/gpu/vendor.h"
#include "backends/gpu/vendor_binding.h"
#include "gpuhal/buffer.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

enum class GpuMemoryKind : uint8_t {
  kDevice,           // V::Allocate
  kHost,             // V::AllocateHost: pinned, mapped, host visible
  kQueueAllocation,  // V::AllocateAsync on a queue's stream (QueueAlloca)
};

template <Vendor V>
class GpuBuffer final : public Buffer {
 public:
  static constexpr char kTypeTag = 0;  // see Buffer::TypeTag
  const void* TypeTag() const override { return &kTypeTag; }

  struct Memory {
    GpuMemoryKind kind = GpuMemoryKind::kDevice;
    DeviceAddress address = 0;
    std::byte* host = nullptr;  // kHost only
  };

  // Takes ownership of `memory`, freed through `binding` when the buffer is destroyed
  // (unless a queue deallocation released it first).
  static Result<Ref<GpuBuffer>> Create(Allocator& host_allocator, Ref<VendorBinding<V>> binding,
                                       const BufferParams& params, size_t byte_length,
                                       Memory memory) {
    const V vendor = binding->vendor();
    Ref<GpuBuffer> buffer = MakeRef<GpuBuffer>(host_allocator, host_allocator, std::move(binding),
                                               params, byte_length, memory);
    if (!buffer) {
      FreeMemory(vendor, memory);
      return ResourceExhaustedError("buffer: the host allocator could not provide ",
                                    sizeof(GpuBuffer), " bytes");
    }
    return buffer;
  }

  GpuMemoryKind kind() const { return memory_.kind; }
  DeviceAddress device_address() const { return memory_.address; }
  const VendorBinding<V>& binding() const { return *binding_; }

  // Whether this allocation is reachable by work issued with `vendor`: the same symbol
  // table and the same device context.
  bool IsReachableFrom(const V& vendor) const {
    return binding_->vendor().symbols == vendor.symbols &&
           binding_->vendor().context == vendor.context;
  }

  // For QueueDealloca: hands the queue allocation's release to the caller, which frees it
  // in stream order. False when it was already handed out or is not a queue allocation.
  bool TakeQueueAllocation() {
    return memory_.kind == GpuMemoryKind::kQueueAllocation &&
           !released_.exchange(true, std::memory_order_acq_rel);
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  GpuBuffer(Allocator& host_allocator, Ref<VendorBinding<V>> binding, const BufferParams& params,
            size_t byte_length, Memory memory)
      : Buffer(host_allocator, params.type, params.usage, params.queue_affinity, byte_length),
        binding_(std::move(binding)),
        memory_(memory) {}

  ~GpuBuffer() override {
    if (released_.load(std::memory_order_acquire)) return;
    // The last reference may be dropped on any thread.
    if (binding_->vendor().MakeCurrent().ok()) FreeMemory(binding_->vendor(), memory_);
  }

  static void FreeMemory(const V& vendor, const Memory& memory) {
    switch (memory.kind) {
      case GpuMemoryKind::kHost:
        vendor.FreeHost(memory.host).IgnoreError();
        break;
      case GpuMemoryKind::kDevice:
      case GpuMemoryKind::kQueueAllocation:
        // A stream-ordered allocation that was never deallocated on a queue: whatever
        // used it has completed (it retained this buffer), so a plain free is ordered.
        vendor.Free(memory.address).IgnoreError();
        break;
    }
  }

  Result<std::byte*> MapAllocationRange(MappingAccess, size_t offset, size_t) override {
    if (!memory_.host) {
      return FailedPreconditionError(
          "buffer is not host visible; allocate it with "
          "MemoryType::kHostVisible to map it");
    }
    return memory_.host + offset;
  }
  void UnmapAllocationRange(size_t, size_t, std::byte*) override {}

  Ref<VendorBinding<V>> binding_;
  Memory memory_;
  std::atomic<bool> released_{false};
};

// `buffer` as an allocation of a GPU device of vendor V; null when it is not one.
template <Vendor V>
GpuBuffer<V>* AsGpuBuffer(Buffer& buffer) {
  return buffer.TypeTag() == &GpuBuffer<V>::kTypeTag ? static_cast<GpuBuffer<V>*>(&buffer)
                                                      : nullptr;
}

// The device address of byte 0 of `buffer` (an allocation or a view of one). Requires a
// buffer made by a GPU device of vendor V; INVALID_ARGUMENT otherwise.
template <Vendor V>
Result<DeviceAddress> DeviceAddressOf(Buffer& buffer) {
  auto* allocation = AsGpuBuffer<V>(buffer.allocated_buffer());
  if (!allocation) {
    return InvalidArgumentError("buffer was not allocated by a ", V::kName,
                                " device; pass buffers of the device that runs the work");
  }
  return allocation->device_address() + buffer.byte_offset();
}

// As above, and also INVALID_ARGUMENT when the buffer belongs to another device than
// `context`'s. Only context.vendor is read (callers may pass a context holding just that):
// a buffer belongs to the device whose symbol table and device context it was made with.
template <Vendor V>
Result<DeviceAddress> DeviceAddressOf(const GpuContext<V>& context, Buffer& buffer) {
  auto* allocation = AsGpuBuffer<V>(buffer.allocated_buffer());
  if (!allocation || !allocation->IsReachableFrom(context.vendor)) {
    return InvalidArgumentError("buffer was not allocated by this ", V::kName,
                                " device; pass buffers of the device that runs the work");
  }
  return allocation->device_address() + buffer.byte_offset();
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_BUFFER_H_
