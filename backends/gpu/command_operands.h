// Turning a command's operands (buffer ranges, fill patterns, executables and entry
// points) into what the vendor calls take. Shared by the graph and stream command
// buffers so that both resolve offsets, lengths and kernels identically.
//
// The validating shim in front of every device-created command buffer has checked these
// operands already; the checks here only keep a bypassed or buggy caller from reaching
// the device with a wild address.
#ifndef GPUHAL_BACKENDS_GPU_COMMAND_OPERANDS_H_
#define GPUHAL_BACKENDS_GPU_COMMAND_OPERANDS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "backends/gpu/gpu_buffer.h"
#include "backends/gpu/gpu_context.h"
#include "backends/gpu/gpu_event.h"
#include "backends/gpu/native_executable.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/buffer.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/executable.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

struct DeviceRange {
  DeviceAddress address = 0;
  size_t length = 0;
};

// The device address of byte 0 of `buffer` (its offset in its allocation included);
// INVALID_ARGUMENT unless a device bound to `vendor`'s context allocated it.
template <Vendor V>
Result<DeviceAddress> DeviceAddressOn(const V& vendor, Buffer& buffer) {
  GpuContext<V> context{};  // DeviceAddressOf reads only the vendor value
  context.vendor = vendor;
  return DeviceAddressOf(context, buffer);
}

// The device address of range.offset inside range.buffer and the resolved length.
template <Vendor V>
Result<DeviceRange> ResolveDeviceRange(const V& vendor, const BufferRange& range,
                                       const char* what) {
  if (!range.buffer) return InvalidArgumentError(what, " has no buffer");
  GPUHAL_ASSIGN_OR_RETURN(size_t length,
                          range.buffer->ResolveRange(range.offset, range.length, what));
  Result<DeviceAddress> base = DeviceAddressOn(vendor, *range.buffer);
  if (!base.ok()) return base.status().WithContext(what);
  return DeviceRange{*base + range.offset, length};
}

// The fill pattern as the vendors' memset calls take it: the pattern's bytes in the low
// bits of a uint32, and the element count.
struct FillOperands {
  uint32_t pattern = 0;
  size_t count = 0;
};

inline Result<FillOperands> ResolveFillPattern(const void* pattern, size_t pattern_length,
                                               size_t length) {
  if (!pattern || (pattern_length != 1 && pattern_length != 2 && pattern_length != 4)) {
    return InvalidArgumentError("FillBuffer pattern length ", pattern_length,
                                " is not 1, 2 or 4 (or the pattern is null)");
  }
  if (length % pattern_length != 0) {
    return InvalidArgumentError("FillBuffer length ", length,
                                " is not a multiple of the pattern length ", pattern_length);
  }
  FillOperands operands;
  std::memcpy(&operands.pattern, pattern, pattern_length);
  operands.count = length / pattern_length;
  return operands;
}

// Whether two vendor values reach the same device: the same symbol table and context.
template <Vendor V>
bool IsSameDevice(const V& a, const V& b) {
  return a.symbols == b.symbols && a.context == b.context;
}

// The vendor event behind a command-buffer event of this device.
template <Vendor V>
Result<typename V::Event> ResolveEvent(const V& vendor, Event& event, const char* command) {
  auto* gpu_event = dynamic_cast<GpuEvent<V>*>(&event);
  if (!gpu_event || !IsSameDevice(gpu_event->vendor(), vendor)) {
    return InvalidArgumentError(command, ": the event was not created by this ", V::kName,
                                " device; create events on the device that records the command");
  }
  return gpu_event->handle();
}

// A dispatch's kernel: the native executable's function and launch metadata.
template <Vendor V>
struct DispatchKernel {
  const NativeExecutable<V>* executable = nullptr;
  const EntryPointInfo* entry = nullptr;
  typename V::Function function{};
};

template <Vendor V>
Result<DispatchKernel<V>> ResolveDispatchKernel(const V& vendor, Executable& executable,
                                                uint32_t entry_point) {
  const auto* native = executable.TypeTag() == &NativeExecutable<V>::kTypeTag
                           ? static_cast<const NativeExecutable<V>*>(&executable)
                           : nullptr;
  if (!native || !IsSameDevice(native->vendor(), vendor)) {
    return InvalidArgumentError("dispatch of an executable that was not loaded by this ", V::kName,
                                " device; load it on the device that records the "
                                "dispatch");
  }
  if (entry_point >= native->entry_point_count()) {
    return OutOfRangeError("dispatch entry point ", entry_point, " but the executable has ",
                           native->entry_point_count(), " entry points");
  }
  const EntryPointInfo& entry = native->entry_point(entry_point);
  if (!entry.layout) {
    return InternalError("entry point '", entry.name, "' has no pipeline layout");
  }
  return DispatchKernel<V>{native, &entry, native->function(entry_point)};
}

inline bool IsEmptyGrid(const WorkgroupCount& count) {
  return count[0] == 0 || count[1] == 0 || count[2] == 0;
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_COMMAND_OPERANDS_H_
