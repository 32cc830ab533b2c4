// Stream mode: a command buffer that issues every command directly on one stream, in
// call order.
//
// A device never hands one out: in stream mode it records into a DeferredCommandBuffer
// and, at submission, IssueCommandBuffer replays that recording onto a StreamCommandBuffer
// bound to the queue's stream. So "recording" here is issuing; Begin() and End() bracket
// nothing and the buffer lives only for one replay.
//
// - Barriers are no-ops: a stream already runs its work in order.
// - Update data is read from the caller's pointer when the copy runs. A replayed
//   deferred buffer passes its arena's copy, which lives as long as the submission keeps
//   the command buffer alive, so nothing is copied twice.
// - Consecutive collectives are kept in a batch and issued as one NCCL group when any
//   other command arrives, or at Flush() (collective_batch.h), which the issuer calls
//   after the replay.
// - Indirect dispatch synchronizes the stream to read its workgroup count
//   (indirect_dispatch.h): the issuing thread blocks until earlier work on the stream is
//   done.
// - Preparing (given a StreamPlanBuilder), it makes no call: each resolved call is noted
//   in the plan (stream_replay_plan.h), and a command whose replay needs more than calls
//   on the stream (indirect dispatch, nested command buffers, collectives) is refused.
#ifndef GPUHAL_BACKENDS_GPU_STREAM_COMMAND_BUFFER_H_
#define GPUHAL_BACKENDS_GPU_STREAM_COMMAND_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "backends/gpu/collective_batch.h"
#include "backends/gpu/collective_channel_set.h"
#include "backends/gpu/command_buffer_device.h"
#include "backends/gpu/command_operands.h"
#include "backends/gpu/gpu_event.h"
#include "backends/gpu/graph_command_buffer.h"
#include "backends/gpu/indirect_dispatch.h"
#include "backends/gpu/kernel_arguments.h"
#include "backends/gpu/native_executable.h"
#include "backends/gpu/stream_replay_plan.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/arena.h"
#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/deferred_command_buffer.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class StreamCommandBuffer final : public CommandBuffer {
 public:
  // Meant to live on the issuing thread's stack for one replay. Collectives need
  // `block_pool` (for their batch); their channels are noted in `channels` when given.
  // With `device` (the device's GpuContext::symbol_owner), a nested command buffer of
  // another device is refused here too (the validating shim refused it when recorded).
  StreamCommandBuffer(const V& vendor, typename V::Stream stream, const CommandBufferParams& params,
                      BlockPool* block_pool = nullptr,
                      CollectiveChannelSet<V>* channels = nullptr,
                      const RefCounted* device = nullptr)
      : CommandBuffer(params),
        vendor_(vendor),
        stream_(stream),
        block_pool_(block_pool),
        channels_(channels),
        device_(device) {}
  // Prepares a plan of the calls into `plan` instead of making them (see the file comment).
  StreamCommandBuffer(const V& vendor, const CommandBufferParams& params,
                      StreamPlanBuilder<V>& plan)
      : CommandBuffer(params), vendor_(vendor), stream_{}, preparing_(&plan) {}
  ~StreamCommandBuffer() override = default;

  Status Begin() override { return OkStatus(); }
  Status End() override { return Flush(); }

  // Issues the open batch of collectives, if any.
  Status Flush() {
    if (batch_.empty()) [[likely]]
      return OkStatus();
    Status status = IssueCollectiveBatch(vendor_, batch_, stream_, channels_);
    batch_ = CollectiveBatch<V>();
    batch_arena_->Reset();
    return status;
  }
  Status BeginDebugGroup(std::string_view label, uint32_t color_rgba) override {
    return OkStatus();
  }
  Status EndDebugGroup() override { return OkStatus(); }

  Status ExecutionBarrier(ExecutionStage source, ExecutionStage target,
                          std::span<const MemoryBarrier> memory_barriers,
                          std::span<const BufferBarrier> buffer_barriers) override {
    return Flush();
  }
  Status SignalEvent(Event& event, ExecutionStage source) override {
    GPUHAL_RETURN_IF_ERROR(Flush());
    GPUHAL_ASSIGN_OR_RETURN(typename V::Event handle, ResolveEvent(vendor_, event, "SignalEvent"));
    StreamCall<V> call;
    call.kind = StreamCall<V>::Kind::kRecordEvent;
    call.event = handle;
    return Make(call, "SignalEvent");
  }
  // Vendor events have no reset; see GraphCommandBuffer::ResetEvent.
  Status ResetEvent(Event& event, ExecutionStage source) override {
    return ResolveEvent(vendor_, event, "ResetEvent").status();
  }
  Status WaitEvents(std::span<Event* const> events, ExecutionStage source, ExecutionStage target,
                    std::span<const MemoryBarrier> memory_barriers,
                    std::span<const BufferBarrier> buffer_barriers) override {
    GPUHAL_RETURN_IF_ERROR(Flush());
    for (Event* event : events) {
      if (!event) return InvalidArgumentError("WaitEvents was given a null event");
      GPUHAL_ASSIGN_OR_RETURN(typename V::Event handle,
                              ResolveEvent(vendor_, *event, "WaitEvents"));
      StreamCall<V> call;
      call.kind = StreamCall<V>::Kind::kWaitEvent;
      call.event = handle;
      GPUHAL_RETURN_IF_ERROR(Make(call, "WaitEvents"));
    }
    return OkStatus();
  }

  Status DiscardBuffer(BufferRange range) override { return OkStatus(); }

  Status FillBuffer(BufferRange target, const void* pattern, size_t pattern_length) override {
    GPUHAL_RETURN_IF_ERROR(Flush());
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange range,
                            ResolveDeviceRange(vendor_, target, "FillBuffer target"));
    GPUHAL_ASSIGN_OR_RETURN(FillOperands fill,
                            ResolveFillPattern(pattern, pattern_length, range.length));
    if (fill.count == 0) return OkStatus();
    StreamCall<V> call;
    call.kind = StreamCall<V>::Kind::kFill;
    call.target = range.address;
    call.pattern = fill.pattern;
    call.pattern_length = static_cast<uint32_t>(pattern_length);
    call.count = fill.count;
    return Make(call, "FillBuffer");
  }
  // Precondition: `source` stays valid until the copy has run (see the file comment).
  Status UpdateBuffer(const void* source, BufferRange target) override {
    GPUHAL_RETURN_IF_ERROR(Flush());
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange range,
                            ResolveDeviceRange(vendor_, target, "UpdateBuffer target"));
    if (range.length == 0) return OkStatus();
    if (!source) return InvalidArgumentError("UpdateBuffer source is null");
    StreamCall<V> call;
    call.kind = StreamCall<V>::Kind::kCopyHostToDevice;
    call.target = range.address;
    call.host_source = source;
    call.length = range.length;
    return Make(call, "UpdateBuffer");
  }
  Status CopyBuffer(BufferRange source, Buffer& target, size_t target_offset) override {
    GPUHAL_RETURN_IF_ERROR(Flush());
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange from,
                            ResolveDeviceRange(vendor_, source, "CopyBuffer source"));
    GPUHAL_ASSIGN_OR_RETURN(
        DeviceRange to,
        ResolveDeviceRange(vendor_, BufferRange{&target, target_offset, from.length},
                           "CopyBuffer target"));
    if (from.length == 0) return OkStatus();
    StreamCall<V> call;
    call.kind = StreamCall<V>::Kind::kCopyDeviceToDevice;
    call.target = to.address;
    call.source = from.address;
    call.length = from.length;
    return Make(call, "CopyBuffer");
  }

  Status PushConstants(PipelineLayout& layout, size_t offset,
                       std::span<const uint8_t> values) override {
    return arguments_.PushConstants(layout, offset, values);
  }
  Status PushDescriptorSet(PipelineLayout& layout, uint32_t set,
                           std::span<const BufferBinding> bindings) override {
    return arguments_.PushDescriptorSet(
        layout, set, bindings, [this](Buffer& buffer) { return DeviceAddressOn(vendor_, buffer); });
  }

  Status Dispatch(Executable& executable, uint32_t entry_point,
                  WorkgroupCount workgroup_count) override {
    GPUHAL_RETURN_IF_ERROR(Flush());
    GPUHAL_ASSIGN_OR_RETURN(DispatchKernel<V> kernel,
                            ResolveDispatchKernel(vendor_, executable, entry_point));
    // The launch call copies the parameters, so stack storage is enough to launch at
    // once; a plan keeps them.
    InlineKernelArguments inline_arguments;
    KernelArgumentStorage arguments = inline_arguments.storage();
    if (preparing_) {
      GPUHAL_ASSIGN_OR_RETURN(arguments,
                              preparing_->ArgumentStorage(kernel.entry->layout->argument_count()));
    }
    GPUHAL_RETURN_IF_ERROR(arguments_.Pack(*kernel.entry->layout, kernel.entry->name, arguments));
    if (IsEmptyGrid(workgroup_count)) return OkStatus();
    StreamCall<V> call;
    call.kind = StreamCall<V>::Kind::kLaunch;
    call.function = kernel.function;
    call.launch.grid = workgroup_count;
    call.launch.block = kernel.entry->block_size;
    call.launch.shared_memory_bytes = kernel.entry->shared_memory_bytes;
    call.launch.arguments = arguments.pointers.data();
    call.entry_name = kernel.entry->name;
    return Make(call, "Dispatch");
  }

  Status DispatchIndirect(Executable& executable, uint32_t entry_point,
                          BufferRange workgroup_count) override {
    if (preparing_) return preparing_->Refuse("DispatchIndirect");
    GPUHAL_RETURN_IF_ERROR(Flush());
    GPUHAL_ASSIGN_OR_RETURN(DispatchKernel<V> kernel,
                            ResolveDispatchKernel(vendor_, executable, entry_point));
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange count, ResolveDeviceRange(vendor_, workgroup_count,
                                                                  "DispatchIndirect parameters"));
    if (count.length < kIndirectParametersLength) {
      return InvalidArgumentError("DispatchIndirect parameters hold ", count.length,
                                  " bytes; the workgroup count needs ", kIndirectParametersLength);
    }
    InlineKernelArguments arguments;
    GPUHAL_RETURN_IF_ERROR(
        arguments_.Pack(*kernel.entry->layout, kernel.entry->name, arguments.storage()));
    IndirectDispatch<V> dispatch;
    dispatch.function = kernel.function;
    dispatch.block = kernel.entry->block_size;
    dispatch.shared_memory_bytes = kernel.entry->shared_memory_bytes;
    dispatch.arguments = arguments.pointers.data();
    dispatch.workgroup_count_address = count.address;
    dispatch.entry_point_name = kernel.entry->name;
    return IssueIndirectDispatch(vendor_, dispatch, stream_, staging_);
  }

  // A graph command buffer launches its graphs here; a deferred one is replayed here.
  // As in graph mode, the nested commands see this buffer's bound arguments and this
  // buffer gets its own back afterwards.
  Status ExecuteCommands(CommandBuffer& commands) override {
    // A nested recording may be recorded again while this one's plan stands.
    if (preparing_) return preparing_->Refuse("ExecuteCommands");
    if (device_) {
      GPUHAL_RETURN_IF_ERROR(
          CheckCommandBufferDevice<V>(device_, commands).WithContext("ExecuteCommands"));
    }
    GPUHAL_RETURN_IF_ERROR(Flush());
    if (auto* nested = DynCast<GraphCommandBuffer<V>>(&commands)) {
      return nested->IssueWith(stream_, staging_, channels_).WithContext("ExecuteCommands");
    }
    if (auto* nested = DynCast<DeferredCommandBuffer>(&commands)) {
      const KernelArgumentState saved = arguments_;
      Status status = nested->Replay(*this);
      arguments_ = saved;
      return status.WithContext("ExecuteCommands");
    }
    return InvalidArgumentError("ExecuteCommands: the nested command buffer is neither a ",
                                V::kName, " graph command buffer nor a deferred one");
  }

  // Joins the open batch; see the file comment.
  Status Collective(Channel& channel, CollectiveOp op, CollectiveParam param, BufferRange send,
                    BufferRange recv, size_t element_count) override {
    if (preparing_) return preparing_->Refuse("Collective");
    GPUHAL_ASSIGN_OR_RETURN(CollectiveCall<V> resolved,
                            ResolveCollective(vendor_, channel, op, param, send, recv,
                                              element_count));
    if (!batch_arena_) {
      if (!block_pool_) {
        return FailedPreconditionError(
            "Collective: this stream command buffer was made without a block pool for "
            "batching collectives");
      }
      batch_arena_.emplace(*block_pool_);
    }
    auto* call = batch_arena_->New<CollectiveCall<V>>(resolved);
    if (!call) {
      return ResourceExhaustedError("Collective: out of host memory for the batch of collectives");
    }
    batch_.Append(call);
    return OkStatus();
  }

 private:
  // Makes `call` on the stream, or notes it in the plan being prepared.
  Status Make(const StreamCall<V>& call, const char* command_name) {
    if (preparing_) return preparing_->Add(call, command_name);
    return call.IssueOn(vendor_, stream_);
  }

  V vendor_;
  typename V::Stream stream_;
  BlockPool* block_pool_ = nullptr;
  CollectiveChannelSet<V>* channels_ = nullptr;
  const RefCounted* device_ = nullptr;  // null: nested buffers are not checked here
  StreamPlanBuilder<V>* preparing_ = nullptr;
  // The open batch; its arena is made on the first collective, as most replays have none.
  CollectiveBatch<V> batch_;
  std::optional<Arena> batch_arena_;
  KernelArgumentState arguments_;
  IndirectParameterStaging<V> staging_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_STREAM_COMMAND_BUFFER_H_
