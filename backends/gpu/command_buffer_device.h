// Which GPU device a command buffer belongs to, seen through shims: checked when a
// command buffer is submitted (QueueExecute), nested (ExecuteCommands) or issued.
#ifndef GPUHAL_BACKENDS_GPU_COMMAND_BUFFER_DEVICE_H_
#define GPUHAL_BACKENDS_GPU_COMMAND_BUFFER_DEVICE_H_

#include "backends/gpu/graph_command_buffer.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/deferred_command_buffer.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// Which device a command buffer made by a GPU device belongs to: the device's vendor
// binding (GpuContext::symbol_owner), which graph command buffers and stream-mode
// recordings retain. Null for any other command buffer (seen through shims).
template <Vendor V>
const RefCounted* CommandBufferDevice(CommandBuffer& command_buffer) {
  CommandBuffer* inner = &command_buffer;
  for (CommandBuffer* next = inner->Unwrapped(); next != inner; next = inner->Unwrapped()) {
    inner = next;
  }
  const void* type_tag = inner->TypeTag();
  if (type_tag == &GraphCommandBuffer<V>::kTypeTag) {
    return static_cast<GraphCommandBuffer<V>*>(inner)->device_identity();
  }
  if (type_tag == &DeferredCommandBuffer::kTypeTag) {
    return static_cast<DeferredCommandBuffer*>(inner)->owner();
  }
  return nullptr;
}

// OK when `command_buffer` was created by `device` (a GpuContext::symbol_owner);
// INVALID_ARGUMENT otherwise (callers add what the buffer was given as).
template <Vendor V>
Status CheckCommandBufferDevice(const RefCounted* device, CommandBuffer& command_buffer) {
  const RefCounted* creator = CommandBufferDevice<V>(command_buffer);
  if (creator == device) return OkStatus();
  if (!creator) {
    return InvalidArgumentError("the command buffer was not created by a ", V::kName,
                                " device; create it with the device that runs it");
  }
  return InvalidArgumentError("the command buffer was created by another ", V::kName,
                              " device; record it on the device that runs it");
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_COMMAND_BUFFER_DEVICE_H_
