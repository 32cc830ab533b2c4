// The command half of the driver: the definitions of the functions gpu_context.h
// declares, through which the device half creates command buffers, events and
// executables, and issues a recorded command buffer onto a stream.
#ifndef GPUHAL_BACKENDS_GPU_COMMAND_HALF_H_
#define GPUHAL_BACKENDS_GPU_COMMAND_HALF_H_

#include "backends/gpu/command_buffer_device.h"
#include "backends/gpu/gpu_context.h"
#include "backends/gpu/gpu_event.h"
#include "backends/gpu/gpu_operand_check.h"
#include "backends/gpu/graph_command_buffer.h"
#include "backends/gpu/native_executable.h"
#include "backends/gpu/stream_command_buffer.h"
#include "backends/gpu/stream_replay_plan.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/deferred_command_buffer.h"
#include "gpuhal/core/device_operand_check.h"
#include "gpuhal/core/validating_command_buffer.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
Result<Ref<CommandBuffer>> CreateGpuCommandBuffer(const GpuContext<V>& context,
                                                  const CommandBufferParams& params,
                                                  CommandBufferMode mode) {
  Ref<CommandBuffer> command_buffer;
  switch (mode) {
    case CommandBufferMode::kGraph: {
      GPUHAL_ASSIGN_OR_RETURN(command_buffer, GraphCommandBuffer<V>::Create(context, params));
      break;
    }
    case CommandBufferMode::kStream: {
      GPUHAL_ASSIGN_OR_RETURN(command_buffer,
                              DeferredCommandBuffer::Create(*context.host_allocator,
                                                            *context.block_pool, params,
                                                            context.symbol_owner));
      break;
    }
    case CommandBufferMode::kDeviceDefault:
      return InvalidArgumentError(
          "CreateGpuCommandBuffer needs a resolved mode (graph or "
          "stream), not kDeviceDefault");
  }
  if (!command_buffer) {
    return InvalidArgumentError("unknown command buffer mode ", static_cast<int>(mode));
  }
  GPUHAL_ASSIGN_OR_RETURN(Ref<ValidatingCommandBuffer> validating,
                          ValidatingCommandBuffer::Create(*context.host_allocator, *command_buffer,
                                                          Ref<DeviceOperandCheck>(
                                                              context.operand_check)));
  return Ref<CommandBuffer>(std::move(validating));
}

// The plan of `recording` for `vendor`'s device (stream_replay_plan.h), prepared on the
// first submission of a reusable recording; null when the recording is replayed instead
// (one-shot, another device's plan, or not preparable).
template <Vendor V>
const StreamReplayPlan<V>* PreparedStreamReplay(const V& vendor,
                                                DeferredCommandBuffer& recording) {
  if (recording.params().usage != CommandBufferUsage::kReusable) return nullptr;
  if (const auto* plan = StreamReplayPlan<V>::Find(recording, vendor)) return plan;
  const void* prepared = recording.PrepareOnce(&StreamReplayPlan<V>::kKind, [&](Arena& arena) {
    StreamPlanBuilder<V> builder(arena, vendor);
    StreamCommandBuffer<V> preparer(vendor, recording.params(), builder);
    // A replay that fails here fails the same way when replayed, which reports it.
    const Status replayed =
        recording.Replay(preparer, &StreamPlanBuilder<V>::NoteCommand, &builder);
    return replayed.ok() ? builder.Finish() : nullptr;
  });
  const auto* plan = static_cast<const StreamReplayPlan<V>*>(prepared);
  return plan && plan->Serves(vendor) ? plan : nullptr;
}

template <Vendor V>
Status IssueCommandBuffer(const GpuContext<V>& context, CommandBuffer& command_buffer,
                          typename V::Stream stream, CollectiveChannelSet<V>* channels) {
  // Through the shims once, then one type tag: what DynCast would find, for both kinds,
  // with half its virtual calls (a submission does this for every command buffer).
  CommandBuffer* inner = &command_buffer;
  for (CommandBuffer* next = inner->Unwrapped(); next != inner; next = inner->Unwrapped()) {
    inner = next;
  }
  const void* type_tag = inner->TypeTag();
  if (type_tag == &GraphCommandBuffer<V>::kTypeTag) {
    auto* graph = static_cast<GraphCommandBuffer<V>*>(inner);
    if (graph->device_identity() != context.symbol_owner) {
      return CheckCommandBufferDevice<V>(context.symbol_owner, command_buffer);
    }
    return graph->Issue(stream, channels);
  }
  if (type_tag == &DeferredCommandBuffer::kTypeTag) {
    auto* deferred = static_cast<DeferredCommandBuffer*>(inner);
    if (deferred->owner() != context.symbol_owner) {
      return CheckCommandBufferDevice<V>(context.symbol_owner, command_buffer);
    }
    if (!deferred->is_recorded()) {
      return FailedPreconditionError(
          "submitting a command buffer that has not ended recording; call End() first");
    }
    if (const StreamReplayPlan<V>* plan = PreparedStreamReplay(context.vendor, *deferred)) {
      return plan->IssueOn(context.vendor, stream);
    }
    StreamCommandBuffer<V> issuer(context.vendor, stream, deferred->params(), context.block_pool,
                                  channels, context.symbol_owner);
    GPUHAL_RETURN_IF_ERROR(deferred->Replay(issuer));
    // The replay's last collectives are still batched: the end of the recording ends
    // the batch.
    return issuer.Flush().WithContext("the collectives at the end of the command buffer");
  }
  return InvalidArgumentError("the command buffer was not created by a ", V::kName,
                              " device (it is neither a graph nor a deferred command buffer)");
}

template <Vendor V>
Result<Ref<Executable>> LoadGpuExecutable(const GpuContext<V>& context,
                                          const ExecutableParams& params) {
  return NativeExecutable<V>::Load(context, params);
}

template <Vendor V>
Result<Ref<Event>> CreateGpuEvent(const GpuContext<V>& context) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<GpuEvent<V>> event, GpuEvent<V>::Create(context));
  return Ref<Event>(std::move(event));
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_COMMAND_HALF_H_
