// What every part of the single-source driver shares about one device: the vendor value
// bound to its context, the host allocator and the arena block pool. Passed by reference
// from the device to command buffers, executables and events, which never reach back
// into the device object itself (so each concept stays in its own file).
//
// The two halves of the driver meet at the functions declared below:
//  - the device and queue half (gpu_device.h, gpu_semaphore.h, action_scheduler.h, ...)
//    creates objects through them and issues recorded work onto a stream;
//  - the command half (graph_command_buffer.h, stream_command_buffer.h,
//    native_executable.h, gpu_event.h) implements them.
#ifndef GPUHAL_BACKENDS_GPU_GPU_CONTEXT_H_
#define GPUHAL_BACKENDS_GPU_GPU_CONTEXT_H_

#include "backends/gpu/vendor.h"
#include "gpuhal/allocator.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/device_operand_check.h"
#include "gpuhal/device.h"
#include "gpuhal/event.h"
#include "gpuhal/executable.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
struct GpuContext {
  V vendor;                      // bound to the device's context; copy per call site
  Allocator* host_allocator;     // every host allocation for the device
  BlockPool* block_pool;         // arena blocks of DeviceParams::arena_block_size
  const DeviceParams* params;
  // Keeps the symbol table alive (a loaded library, or a simulated platform).
  RefCounted* symbol_owner;
  // The symbol table is the simulated GPU's: executables load their "fake" target
  // instead of the vendor's (V::kExecutableTargets).
  bool simulated = false;
  // The device's checks of command operands, given to every command buffer's validating
  // shim (gpu_operand_check.h); owned by the device. Null: commands are checked only
  // when they are issued.
  DeviceOperandCheck* operand_check = nullptr;
};

// A command buffer for `params`; `mode` is already resolved (never kDeviceDefault).
// Graph mode: a graph command buffer. Stream mode: a deferred command buffer, replayed
// at submission. Either is wrapped in a validating command buffer.
template <Vendor V>
Result<Ref<CommandBuffer>> CreateGpuCommandBuffer(const GpuContext<V>& context,
                                                  const CommandBufferParams& params,
                                                  CommandBufferMode mode);

template <Vendor V>
class CollectiveChannelSet;

// Issues a recorded command buffer (from CreateGpuCommandBuffer, possibly behind shims)
// onto `stream`: launches its graph, or replays its deferred commands through a stream
// command buffer. The caller holds the queue's issue lock and keeps `command_buffer`
// alive until the work completes. The channels its collectives use are noted in
// `channels` (when given), for the completion's NCCL error check.
// FAILED_PRECONDITION for a buffer that is not ended, INVALID_ARGUMENT for a command
// buffer of another device or kind.
template <Vendor V>
Status IssueCommandBuffer(const GpuContext<V>& context, CommandBuffer& command_buffer,
                          typename V::Stream stream, CollectiveChannelSet<V>* channels = nullptr);

// Loads a verified executable container: the vendor's target (PTX or cubin for CUDA,
// HSACO for HIP) through the module API, or the "fake" target on the simulated GPU.
template <Vendor V>
Result<Ref<Executable>> LoadGpuExecutable(const GpuContext<V>& context,
                                          const ExecutableParams& params);

// A command-buffer event (SignalEvent / WaitEvents) backed by a vendor event.
template <Vendor V>
Result<Ref<Event>> CreateGpuEvent(const GpuContext<V>& context);

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_CONTEXT_H_
