#include "gpuhal/core/deferred_command_buffer.h"

#include <cstring>

namespace gpuhal {
namespace deferred_internal {

#define GPUHAL_DEFERRED_COMMANDS(X)                                                    \
  X(BeginDebugGroup) X(EndDebugGroup) X(ExecutionBarrier) X(SignalEvent) X(ResetEvent) \
  X(WaitEvents) X(DiscardBuffer) X(FillBuffer) X(UpdateBuffer) X(CopyBuffer)           \
  X(PushConstants) X(PushDescriptorSet) X(Dispatch) X(DispatchIndirect)                \
  X(ExecuteCommands) X(Collective)

enum class CommandType : uint8_t {
#define GPUHAL_ENUMERATOR(name) k##name,
  GPUHAL_DEFERRED_COMMANDS(GPUHAL_ENUMERATOR)
#undef GPUHAL_ENUMERATOR
};

const char* CommandTypeName(CommandType type) {
  switch (type) {
#define GPUHAL_NAME_CASE(name) \
  case CommandType::k##name: return #name;
    GPUHAL_DEFERRED_COMMANDS(GPUHAL_NAME_CASE)
#undef GPUHAL_NAME_CASE
  }
  return "unknown command";
}

struct Command {
  Command* next;
  CommandType type;
};

struct BeginDebugGroupCommand : Command {
  static constexpr CommandType kType = CommandType::kBeginDebugGroup;
  std::string_view label;
  uint32_t color_rgba;
};
struct EndDebugGroupCommand : Command {
  static constexpr CommandType kType = CommandType::kEndDebugGroup;
};
struct ExecutionBarrierCommand : Command {
  static constexpr CommandType kType = CommandType::kExecutionBarrier;
  ExecutionStage source;
  ExecutionStage target;
  std::span<MemoryBarrier> memory_barriers;
  std::span<BufferBarrier> buffer_barriers;
};
struct SignalEventCommand : Command {
  static constexpr CommandType kType = CommandType::kSignalEvent;
  Event* event;
  ExecutionStage source;
};
struct ResetEventCommand : Command {
  static constexpr CommandType kType = CommandType::kResetEvent;
  Event* event;
  ExecutionStage source;
};
struct WaitEventsCommand : Command {
  static constexpr CommandType kType = CommandType::kWaitEvents;
  std::span<Event*> events;
  ExecutionStage source;
  ExecutionStage target;
  std::span<MemoryBarrier> memory_barriers;
  std::span<BufferBarrier> buffer_barriers;
};
struct DiscardBufferCommand : Command {
  static constexpr CommandType kType = CommandType::kDiscardBuffer;
  BufferRange range;
};
struct FillBufferCommand : Command {
  static constexpr CommandType kType = CommandType::kFillBuffer;
  BufferRange target;
  std::span<std::byte> pattern;
};
struct UpdateBufferCommand : Command {
  static constexpr CommandType kType = CommandType::kUpdateBuffer;
  BufferRange target;  // length resolved at record time
  std::span<std::byte> data;
};
struct CopyBufferCommand : Command {
  static constexpr CommandType kType = CommandType::kCopyBuffer;
  BufferRange source;
  Buffer* target;
  size_t target_offset;
};
struct PushConstantsCommand : Command {
  static constexpr CommandType kType = CommandType::kPushConstants;
  PipelineLayout* layout;
  size_t offset;
  std::span<uint8_t> values;
};
struct PushDescriptorSetCommand : Command {
  static constexpr CommandType kType = CommandType::kPushDescriptorSet;
  PipelineLayout* layout;
  uint32_t set;
  std::span<BufferBinding> bindings;
};
struct DispatchCommand : Command {
  static constexpr CommandType kType = CommandType::kDispatch;
  Executable* executable;
  uint32_t entry_point;
  WorkgroupCount workgroup_count;
};
struct DispatchIndirectCommand : Command {
  static constexpr CommandType kType = CommandType::kDispatchIndirect;
  Executable* executable;
  uint32_t entry_point;
  BufferRange workgroup_count;
};
struct ExecuteCommandsCommand : Command {
  static constexpr CommandType kType = CommandType::kExecuteCommands;
  CommandBuffer* commands;
};
struct CollectiveCommand : Command {
  static constexpr CommandType kType = CommandType::kCollective;
  Channel* channel;
  CollectiveOp op;
  CollectiveParam param;
  BufferRange send;
  BufferRange recv;
  size_t element_count;
};

}  // namespace deferred_internal

using namespace deferred_internal;

Result<Ref<DeferredCommandBuffer>> DeferredCommandBuffer::Create(
    Allocator& host_allocator, BlockPool& block_pool, const CommandBufferParams& params,
    RefCounted* owner) {
  Ref<DeferredCommandBuffer> buffer =
      MakeRef<DeferredCommandBuffer>(host_allocator, block_pool, params, owner);
  if (!buffer) {
    return ResourceExhaustedError("out of host memory creating a deferred command buffer");
  }
  return buffer;
}

DeferredCommandBuffer::DeferredCommandBuffer(BlockPool& block_pool,
                                             const CommandBufferParams& params,
                                             RefCounted* owner)
    : CommandBuffer(params),
      block_pool_(&block_pool),
      owner_(owner),
      arena_(block_pool),
      resources_(block_pool) {}

Status DeferredCommandBuffer::CheckRecording(const char* command) const {
  if (state_ != State::kRecording) [[unlikely]] {
    return FailedPreconditionError(command, " called on a deferred command buffer that is not "
                                   "recording; call Begin() first");
  }
  return OkStatus();
}

template <typename T>
Result<T*> DeferredCommandBuffer::Append(const char* command) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording(command));
  T* recorded = arena_.New<T>();
  if (!recorded) [[unlikely]] {
    return ResourceExhaustedError("out of host memory recording ", command,
                                  " into a deferred command buffer");
  }
  recorded->next = nullptr;
  recorded->type = T::kType;
  if (last_) {
    last_->next = recorded;
  } else {
    first_ = recorded;
  }
  last_ = recorded;
  ++command_count_;
  return recorded;
}

Status DeferredCommandBuffer::Retain(const RefCounted* object) {
  return resources_.Insert(object);
}

Status DeferredCommandBuffer::RetainBarriers(std::span<const BufferBarrier> buffer_barriers) {
  for (const BufferBarrier& barrier : buffer_barriers) {
    GPUHAL_RETURN_IF_ERROR(Retain(barrier.range.buffer));
  }
  return OkStatus();
}

template <typename T>
Result<std::span<T>> DeferredCommandBuffer::CopySpan(std::span<const T> values, const char* what) {
  bool ok = false;
  std::span<T> copy = arena_.Copy(values, ok);
  if (!ok) [[unlikely]] {
    return ResourceExhaustedError("out of host memory copying ", values.size_bytes(),
                                  " bytes of ", what, " into a deferred command buffer");
  }
  return copy;
}

Status DeferredCommandBuffer::Begin() {
  if (state_ == State::kRecording) {
    return FailedPreconditionError("Begin called on a deferred command buffer that is already "
                                   "recording");
  }
  // Drop the previous recording: references first, while the pool is certainly alive.
  resources_.Reset();
  arena_.Reset();
  first_ = last_ = nullptr;
  command_count_ = 0;
  prepared_ = prepared_kind_ = nullptr;
  prepare_state_.store(PrepareState::kUnprepared, std::memory_order_relaxed);
  state_ = State::kRecording;
  return OkStatus();
}

Status DeferredCommandBuffer::End() {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("End"));
  state_ = State::kRecorded;
  return OkStatus();
}

Status DeferredCommandBuffer::BeginDebugGroup(std::string_view label, uint32_t color_rgba) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("BeginDebugGroup"));
  bool ok = false;
  std::string_view copy = arena_.Copy(label, ok);
  if (!ok) return ResourceExhaustedError("out of host memory copying a debug group label");
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<BeginDebugGroupCommand>("BeginDebugGroup"));
  command->label = copy;
  command->color_rgba = color_rgba;
  return OkStatus();
}

Status DeferredCommandBuffer::EndDebugGroup() {
  return Append<EndDebugGroupCommand>("EndDebugGroup").status();
}

Status DeferredCommandBuffer::ExecutionBarrier(ExecutionStage source, ExecutionStage target,
                                               std::span<const MemoryBarrier> memory_barriers,
                                               std::span<const BufferBarrier> buffer_barriers) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("ExecutionBarrier"));
  GPUHAL_ASSIGN_OR_RETURN(auto memory, CopySpan(memory_barriers, "memory barriers"));
  GPUHAL_ASSIGN_OR_RETURN(auto buffers, CopySpan(buffer_barriers, "buffer barriers"));
  GPUHAL_RETURN_IF_ERROR(RetainBarriers(buffer_barriers));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<ExecutionBarrierCommand>("ExecutionBarrier"));
  command->source = source;
  command->target = target;
  command->memory_barriers = memory;
  command->buffer_barriers = buffers;
  return OkStatus();
}

Status DeferredCommandBuffer::SignalEvent(Event& event, ExecutionStage source) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("SignalEvent"));
  GPUHAL_RETURN_IF_ERROR(Retain(&event));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<SignalEventCommand>("SignalEvent"));
  command->event = &event;
  command->source = source;
  return OkStatus();
}

Status DeferredCommandBuffer::ResetEvent(Event& event, ExecutionStage source) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("ResetEvent"));
  GPUHAL_RETURN_IF_ERROR(Retain(&event));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<ResetEventCommand>("ResetEvent"));
  command->event = &event;
  command->source = source;
  return OkStatus();
}

Status DeferredCommandBuffer::WaitEvents(std::span<Event* const> events, ExecutionStage source,
                                         ExecutionStage target,
                                         std::span<const MemoryBarrier> memory_barriers,
                                         std::span<const BufferBarrier> buffer_barriers) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("WaitEvents"));
  GPUHAL_ASSIGN_OR_RETURN(auto event_copy, CopySpan(events, "events"));
  GPUHAL_ASSIGN_OR_RETURN(auto memory, CopySpan(memory_barriers, "memory barriers"));
  GPUHAL_ASSIGN_OR_RETURN(auto buffers, CopySpan(buffer_barriers, "buffer barriers"));
  for (Event* event : events) GPUHAL_RETURN_IF_ERROR(Retain(event));
  GPUHAL_RETURN_IF_ERROR(RetainBarriers(buffer_barriers));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<WaitEventsCommand>("WaitEvents"));
  command->events = event_copy;
  command->source = source;
  command->target = target;
  command->memory_barriers = memory;
  command->buffer_barriers = buffers;
  return OkStatus();
}

Status DeferredCommandBuffer::DiscardBuffer(BufferRange range) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("DiscardBuffer"));
  GPUHAL_RETURN_IF_ERROR(Retain(range.buffer));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<DiscardBufferCommand>("DiscardBuffer"));
  command->range = range;
  return OkStatus();
}

Status DeferredCommandBuffer::FillBuffer(BufferRange target, const void* pattern,
                                         size_t pattern_length) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("FillBuffer"));
  if (!pattern && pattern_length != 0) {
    return InvalidArgumentError("FillBuffer pattern is null");
  }
  GPUHAL_ASSIGN_OR_RETURN(
      auto pattern_copy,
      CopySpan(std::span<const std::byte>(static_cast<const std::byte*>(pattern), pattern_length),
               "fill pattern"));
  GPUHAL_RETURN_IF_ERROR(Retain(target.buffer));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<FillBufferCommand>("FillBuffer"));
  command->target = target;
  command->pattern = pattern_copy;
  return OkStatus();
}

Status DeferredCommandBuffer::UpdateBuffer(const void* source, BufferRange target) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("UpdateBuffer"));
  // The length decides how many bytes to capture, so it must be known now.
  if (!target.buffer) return InvalidArgumentError("UpdateBuffer target buffer is null");
  GPUHAL_ASSIGN_OR_RETURN(target.length,
                          target.buffer->ResolveRange(target.offset, target.length,
                                                      "update target"));
  if (!source && target.length != 0) return InvalidArgumentError("UpdateBuffer source is null");
  GPUHAL_ASSIGN_OR_RETURN(
      auto data,
      CopySpan(std::span<const std::byte>(static_cast<const std::byte*>(source), target.length),
               "update data"));
  GPUHAL_RETURN_IF_ERROR(Retain(target.buffer));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<UpdateBufferCommand>("UpdateBuffer"));
  command->target = target;
  command->data = data;
  return OkStatus();
}

Status DeferredCommandBuffer::CopyBuffer(BufferRange source, Buffer& target,
                                         size_t target_offset) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("CopyBuffer"));
  GPUHAL_RETURN_IF_ERROR(Retain(source.buffer));
  GPUHAL_RETURN_IF_ERROR(Retain(&target));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<CopyBufferCommand>("CopyBuffer"));
  command->source = source;
  command->target = &target;
  command->target_offset = target_offset;
  return OkStatus();
}

Status DeferredCommandBuffer::PushConstants(PipelineLayout& layout, size_t offset,
                                            std::span<const uint8_t> values) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("PushConstants"));
  GPUHAL_ASSIGN_OR_RETURN(auto values_copy, CopySpan(values, "push constants"));
  GPUHAL_RETURN_IF_ERROR(Retain(&layout));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<PushConstantsCommand>("PushConstants"));
  command->layout = &layout;
  command->offset = offset;
  command->values = values_copy;
  return OkStatus();
}

Status DeferredCommandBuffer::PushDescriptorSet(PipelineLayout& layout, uint32_t set,
                                                std::span<const BufferBinding> bindings) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("PushDescriptorSet"));
  GPUHAL_ASSIGN_OR_RETURN(auto bindings_copy, CopySpan(bindings, "buffer bindings"));
  GPUHAL_RETURN_IF_ERROR(Retain(&layout));
  for (const BufferBinding& binding : bindings) GPUHAL_RETURN_IF_ERROR(Retain(binding.buffer));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<PushDescriptorSetCommand>("PushDescriptorSet"));
  command->layout = &layout;
  command->set = set;
  command->bindings = bindings_copy;
  return OkStatus();
}

Status DeferredCommandBuffer::Dispatch(Executable& executable, uint32_t entry_point,
                                       WorkgroupCount workgroup_count) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("Dispatch"));
  GPUHAL_RETURN_IF_ERROR(Retain(&executable));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<DispatchCommand>("Dispatch"));
  command->executable = &executable;
  command->entry_point = entry_point;
  command->workgroup_count = workgroup_count;
  return OkStatus();
}

Status DeferredCommandBuffer::DispatchIndirect(Executable& executable, uint32_t entry_point,
                                               BufferRange workgroup_count) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("DispatchIndirect"));
  GPUHAL_RETURN_IF_ERROR(Retain(&executable));
  GPUHAL_RETURN_IF_ERROR(Retain(workgroup_count.buffer));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<DispatchIndirectCommand>("DispatchIndirect"));
  command->executable = &executable;
  command->entry_point = entry_point;
  command->workgroup_count = workgroup_count;
  return OkStatus();
}

Status DeferredCommandBuffer::ExecuteCommands(CommandBuffer& commands) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("ExecuteCommands"));
  if (&commands == this) {
    return InvalidArgumentError("a deferred command buffer cannot execute itself");
  }
  GPUHAL_RETURN_IF_ERROR(Retain(&commands));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<ExecuteCommandsCommand>("ExecuteCommands"));
  command->commands = &commands;
  return OkStatus();
}

Status DeferredCommandBuffer::Collective(Channel& channel, CollectiveOp op, CollectiveParam param,
                                         BufferRange send, BufferRange recv,
                                         size_t element_count) {
  GPUHAL_RETURN_IF_ERROR(CheckRecording("Collective"));
  GPUHAL_RETURN_IF_ERROR(Retain(&channel));
  GPUHAL_RETURN_IF_ERROR(Retain(send.buffer));
  GPUHAL_RETURN_IF_ERROR(Retain(recv.buffer));
  GPUHAL_ASSIGN_OR_RETURN(auto* command, Append<CollectiveCommand>("Collective"));
  command->channel = &channel;
  command->op = op;
  command->param = param;
  command->send = send;
  command->recv = recv;
  command->element_count = element_count;
  return OkStatus();
}

namespace {

Status ReplayOne(const Command& command, CommandBuffer& target) {
  switch (command.type) {
    case CommandType::kBeginDebugGroup: {
      const auto& c = static_cast<const BeginDebugGroupCommand&>(command);
      return target.BeginDebugGroup(c.label, c.color_rgba);
    }
    case CommandType::kEndDebugGroup:
      return target.EndDebugGroup();
    case CommandType::kExecutionBarrier: {
      const auto& c = static_cast<const ExecutionBarrierCommand&>(command);
      return target.ExecutionBarrier(c.source, c.target, c.memory_barriers, c.buffer_barriers);
    }
    case CommandType::kSignalEvent: {
      const auto& c = static_cast<const SignalEventCommand&>(command);
      return target.SignalEvent(*c.event, c.source);
    }
    case CommandType::kResetEvent: {
      const auto& c = static_cast<const ResetEventCommand&>(command);
      return target.ResetEvent(*c.event, c.source);
    }
    case CommandType::kWaitEvents: {
      const auto& c = static_cast<const WaitEventsCommand&>(command);
      return target.WaitEvents(c.events, c.source, c.target, c.memory_barriers,
                               c.buffer_barriers);
    }
    case CommandType::kDiscardBuffer:
      return target.DiscardBuffer(static_cast<const DiscardBufferCommand&>(command).range);
    case CommandType::kFillBuffer: {
      const auto& c = static_cast<const FillBufferCommand&>(command);
      return target.FillBuffer(c.target, c.pattern.data(), c.pattern.size());
    }
    case CommandType::kUpdateBuffer: {
      const auto& c = static_cast<const UpdateBufferCommand&>(command);
      return target.UpdateBuffer(c.data.data(), c.target);
    }
    case CommandType::kCopyBuffer: {
      const auto& c = static_cast<const CopyBufferCommand&>(command);
      return target.CopyBuffer(c.source, *c.target, c.target_offset);
    }
    case CommandType::kPushConstants: {
      const auto& c = static_cast<const PushConstantsCommand&>(command);
      return target.PushConstants(*c.layout, c.offset, c.values);
    }
    case CommandType::kPushDescriptorSet: {
      const auto& c = static_cast<const PushDescriptorSetCommand&>(command);
      return target.PushDescriptorSet(*c.layout, c.set, c.bindings);
    }
    case CommandType::kDispatch: {
      const auto& c = static_cast<const DispatchCommand&>(command);
      return target.Dispatch(*c.executable, c.entry_point, c.workgroup_count);
    }
    case CommandType::kDispatchIndirect: {
      const auto& c = static_cast<const DispatchIndirectCommand&>(command);
      return target.DispatchIndirect(*c.executable, c.entry_point, c.workgroup_count);
    }
    case CommandType::kExecuteCommands:
      return target.ExecuteCommands(*static_cast<const ExecuteCommandsCommand&>(command).commands);
    case CommandType::kCollective: {
      const auto& c = static_cast<const CollectiveCommand&>(command);
      return target.Collective(*c.channel, c.op, c.param, c.send, c.recv, c.element_count);
    }
  }
  return InternalError("deferred command buffer holds an unknown command type ",
                       static_cast<int>(command.type));
}

}  // namespace

Status DeferredCommandBuffer::Replay(CommandBuffer& target) const {
  return Replay(target, nullptr, nullptr);
}

Status DeferredCommandBuffer::Replay(CommandBuffer& target,
                                     void (*before_each)(void* user_data, size_t index),
                                     void* user_data) const {
  if (state_ != State::kRecorded) {
    return FailedPreconditionError(
        "Replay of a deferred command buffer that has not ended recording; call End() first");
  }
  if (&target == this) {
    return InvalidArgumentError("a deferred command buffer cannot replay onto itself");
  }
  size_t index = 0;
  for (const Command* command = first_; command; command = command->next, ++index) {
    if (before_each) before_each(user_data, index);
    Status status = ReplayOne(*command, target);
    if (!status.ok()) [[unlikely]] {
      return status.WithContext(StrCat("replaying command ", index, " (",
                                       CommandTypeName(command->type), ")"));
    }
  }
  return OkStatus();
}

}  // namespace gpuhal
