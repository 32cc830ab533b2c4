#include "gpuhal/core/validating_command_buffer.h"

#include <string>
#include <utility>

#include "gpuhal/core/deferred_command_buffer.h"

namespace gpuhal {
namespace {

std::string CategoryNames(CommandCategory categories) {
  std::string names;
  auto add = [&](CommandCategory bit, const char* name) {
    if (!AnySet(categories, bit)) return;
    if (!names.empty()) names += "|";
    names += name;
  };
  add(CommandCategory::kTransfer, "kTransfer");
  add(CommandCategory::kDispatch, "kDispatch");
  add(CommandCategory::kCollective, "kCollective");
  return names.empty() ? "kNone" : names;
}

std::string UsageNames(BufferUsage usage) {
  std::string names;
  auto add = [&](BufferUsage bit, const char* name) {
    if (!AnySet(usage, bit)) return;
    if (!names.empty()) names += "|";
    names += name;
  };
  add(BufferUsage::kTransferSource, "kTransferSource");
  add(BufferUsage::kTransferTarget, "kTransferTarget");
  add(BufferUsage::kDispatchStorage, "kDispatchStorage");
  add(BufferUsage::kDispatchIndirectParameters, "kDispatchIndirectParameters");
  add(BufferUsage::kMapping, "kMapping");
  add(BufferUsage::kCollective, "kCollective");
  return names.empty() ? "kNone" : names;
}

// Null is INVALID_ARGUMENT, a missing usage bit PERMISSION_DENIED, a range outside the
// buffer OUT_OF_RANGE. Returns the resolved length.
Result<size_t> CheckBufferRange(const char* what, const BufferRange& range,
                                BufferUsage required_usage) {
  if (!range.buffer) return InvalidArgumentError(what, " buffer is null");
  if (!AllSet(range.buffer->allowed_usage(), required_usage)) {
    return PermissionDeniedError(what, " buffer's allowed usage (",
                                 UsageNames(range.buffer->allowed_usage()),
                                 ") lacks BufferUsage::", UsageNames(required_usage));
  }
  return range.buffer->ResolveRange(range.offset, range.length, what);
}

const char* CollectiveKindName(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::kAllReduce: return "all-reduce";
    case CollectiveKind::kAllGather: return "all-gather";
    case CollectiveKind::kReduceScatter: return "reduce-scatter";
    case CollectiveKind::kReduce: return "reduce";
    case CollectiveKind::kBroadcast: return "broadcast";
    case CollectiveKind::kSend: return "send";
    case CollectiveKind::kRecv: return "recv";
    case CollectiveKind::kAllToAll: return "all-to-all";
  }
  return "unknown collective";
}

}  // namespace

Result<Ref<ValidatingCommandBuffer>> ValidatingCommandBuffer::Create(
    Allocator& host_allocator, CommandBuffer& wrapped, Ref<DeviceOperandCheck> operands) {
  Ref<ValidatingCommandBuffer> shim =
      MakeRef<ValidatingCommandBuffer>(host_allocator, wrapped, std::move(operands));
  if (!shim) {
    return ResourceExhaustedError("out of host memory creating a validating command buffer");
  }
  return shim;
}

ValidatingCommandBuffer::ValidatingCommandBuffer(CommandBuffer& wrapped,
                                                 Ref<DeviceOperandCheck> operands)
    : CommandBuffer(wrapped.params()), wrapped_(&wrapped), operands_(std::move(operands)) {}

Status ValidatingCommandBuffer::BeginSubmission() {
  if (state_ != State::kRecorded) {
    return FailedPreconditionError(
        "submitting a command buffer that ",
        state_ == State::kInitial ? "was never recorded; call Begin() and End() first"
                                  : "is still recording; call End() first");
  }
  if (params().usage == CommandBufferUsage::kOneShot &&
      submitted_.exchange(true, std::memory_order_acq_rel)) {
    return FailedPreconditionError(
        "a one-shot command buffer runs once and this one was already submitted; create it "
        "with CommandBufferUsage::kReusable to submit it again");
  }
  return OkStatus();
}

void ValidatingCommandBuffer::CancelSubmission() {
  if (params().usage == CommandBufferUsage::kOneShot) {
    submitted_.store(false, std::memory_order_release);
  }
}

Status ValidatingCommandBuffer::CheckBufferOwner(Buffer* buffer, const char* what) const {
  if (!operands_ || !buffer) return OkStatus();
  return operands_->CheckBuffer(*buffer, what);
}

Status ValidatingCommandBuffer::CheckEventOwner(Event& event, const char* what) const {
  if (!operands_) return OkStatus();
  return operands_->CheckEvent(event, what);
}

Status ValidatingCommandBuffer::CheckCommand(const char* command,
                                             CommandCategory category) const {
  if (state_ != State::kRecording) {
    return FailedPreconditionError(command, " called outside Begin()/End(): the command buffer ",
                                   state_ == State::kInitial ? "has not begun recording"
                                                             : "has already ended recording");
  }
  if (category != CommandCategory::kNone && !AllSet(params().categories, category)) {
    return FailedPreconditionError(command, " needs CommandCategory::", CategoryNames(category),
                                   ", but this command buffer allows only ",
                                   CategoryNames(params().categories));
  }
  return OkStatus();
}

Status ValidatingCommandBuffer::CheckBufferBarriers(
    const char* command, std::span<const BufferBarrier> buffer_barriers) const {
  for (size_t i = 0; i < buffer_barriers.size(); ++i) {
    const BufferRange& range = buffer_barriers[i].range;
    if (!range.buffer) {
      return InvalidArgumentError(command, " buffer barrier ", i, " names a null buffer");
    }
    const std::string what = StrCat(command, " buffer barrier ", i);
    GPUHAL_RETURN_IF_ERROR(range.buffer->ResolveRange(range.offset, range.length, what.c_str()));
    GPUHAL_RETURN_IF_ERROR(CheckBufferOwner(range.buffer, what.c_str()));
  }
  return OkStatus();
}

Status ValidatingCommandBuffer::Begin() {
  if (state_ == State::kRecording) {
    return FailedPreconditionError("Begin called while already recording; call End() first");
  }
  if (state_ == State::kRecorded && params().usage == CommandBufferUsage::kOneShot) {
    return FailedPreconditionError(
        "Begin called again on a one-shot command buffer that was already recorded; create it "
        "with CommandBufferUsage::kReusable to re-record it");
  }
  GPUHAL_RETURN_IF_ERROR(wrapped_->Begin());
  state_ = State::kRecording;
  debug_group_depth_ = 0;
  bound_slots_ = {};
  return OkStatus();
}

Status ValidatingCommandBuffer::End() {
  if (state_ != State::kRecording) {
    return FailedPreconditionError("End called on a command buffer that is not recording; call "
                                   "Begin() first");
  }
  if (debug_group_depth_ != 0) {
    return FailedPreconditionError("End called with ", debug_group_depth_,
                                   " debug group(s) still open; close each with EndDebugGroup()");
  }
  GPUHAL_RETURN_IF_ERROR(wrapped_->End());
  state_ = State::kRecorded;
  return OkStatus();
}

Status ValidatingCommandBuffer::BeginDebugGroup(std::string_view label, uint32_t color_rgba) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("BeginDebugGroup", CommandCategory::kNone));
  GPUHAL_RETURN_IF_ERROR(wrapped_->BeginDebugGroup(label, color_rgba));
  ++debug_group_depth_;
  return OkStatus();
}

Status ValidatingCommandBuffer::EndDebugGroup() {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("EndDebugGroup", CommandCategory::kNone));
  if (debug_group_depth_ == 0) {
    return FailedPreconditionError("EndDebugGroup called with no debug group open");
  }
  GPUHAL_RETURN_IF_ERROR(wrapped_->EndDebugGroup());
  --debug_group_depth_;
  return OkStatus();
}

Status ValidatingCommandBuffer::ExecutionBarrier(ExecutionStage source, ExecutionStage target,
                                                 std::span<const MemoryBarrier> memory_barriers,
                                                 std::span<const BufferBarrier> buffer_barriers) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("ExecutionBarrier", CommandCategory::kNone));
  GPUHAL_RETURN_IF_ERROR(CheckBufferBarriers("ExecutionBarrier", buffer_barriers));
  return wrapped_->ExecutionBarrier(source, target, memory_barriers, buffer_barriers);
}

Status ValidatingCommandBuffer::SignalEvent(Event& event, ExecutionStage source) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("SignalEvent", CommandCategory::kNone));
  GPUHAL_RETURN_IF_ERROR(CheckEventOwner(event, "SignalEvent"));
  return wrapped_->SignalEvent(event, source);
}

Status ValidatingCommandBuffer::ResetEvent(Event& event, ExecutionStage source) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("ResetEvent", CommandCategory::kNone));
  GPUHAL_RETURN_IF_ERROR(CheckEventOwner(event, "ResetEvent"));
  return wrapped_->ResetEvent(event, source);
}

Status ValidatingCommandBuffer::WaitEvents(std::span<Event* const> events, ExecutionStage source,
                                           ExecutionStage target,
                                           std::span<const MemoryBarrier> memory_barriers,
                                           std::span<const BufferBarrier> buffer_barriers) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("WaitEvents", CommandCategory::kNone));
  for (size_t i = 0; i < events.size(); ++i) {
    if (!events[i]) return InvalidArgumentError("WaitEvents event ", i, " is null");
    const std::string what = StrCat("WaitEvents event ", i);
    GPUHAL_RETURN_IF_ERROR(CheckEventOwner(*events[i], what.c_str()));
  }
  GPUHAL_RETURN_IF_ERROR(CheckBufferBarriers("WaitEvents", buffer_barriers));
  return wrapped_->WaitEvents(events, source, target, memory_barriers, buffer_barriers);
}

Status ValidatingCommandBuffer::DiscardBuffer(BufferRange range) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("DiscardBuffer", CommandCategory::kTransfer));
  GPUHAL_RETURN_IF_ERROR(CheckBufferRange("discard", range, BufferUsage::kNone));
  GPUHAL_RETURN_IF_ERROR(CheckBufferOwner(range.buffer, "DiscardBuffer target"));
  return wrapped_->DiscardBuffer(range);
}

Status ValidatingCommandBuffer::FillBuffer(BufferRange target, const void* pattern,
                                           size_t pattern_length) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("FillBuffer", CommandCategory::kTransfer));
  if (!pattern) return InvalidArgumentError("fill pattern is null");
  if (pattern_length != 1 && pattern_length != 2 && pattern_length != 4) {
    return InvalidArgumentError("fill pattern length ", pattern_length, " is not 1, 2 or 4");
  }
  GPUHAL_ASSIGN_OR_RETURN(const size_t length,
                          CheckBufferRange("fill target", target, BufferUsage::kTransferTarget));
  if (target.offset % pattern_length != 0) {
    return InvalidArgumentError("fill target offset ", target.offset,
                                " is not a multiple of the pattern length ", pattern_length);
  }
  if (length % pattern_length != 0) {
    return InvalidArgumentError("fill target length ", length,
                                " is not a multiple of the pattern length ", pattern_length);
  }
  // Device memsets of 16 and 32 bits need the address itself aligned, and a subspan's
  // own offset counts toward it.
  const size_t absolute_offset = target.buffer->byte_offset() + target.offset;
  if (absolute_offset % pattern_length != 0) {
    return InvalidArgumentError("fill target offset ", target.offset, " lies at offset ",
                                absolute_offset, " of its allocation (the buffer is a subspan at ",
                                target.buffer->byte_offset(),
                                "), which is not a multiple of the pattern length ",
                                pattern_length);
  }
  GPUHAL_RETURN_IF_ERROR(CheckBufferOwner(target.buffer, "FillBuffer target"));
  return wrapped_->FillBuffer(target, pattern, pattern_length);
}

Status ValidatingCommandBuffer::UpdateBuffer(const void* source, BufferRange target) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("UpdateBuffer", CommandCategory::kTransfer));
  if (target.length == kWholeBuffer) {
    return InvalidArgumentError("update target length must be given explicitly, not "
                                "kWholeBuffer: it is the number of source bytes to copy");
  }
  if (target.length > kMaxUpdateLength) {
    return InvalidArgumentError("update length ", target.length, " exceeds the ",
                                kMaxUpdateLength,
                                "-byte limit; stage larger data in a buffer and CopyBuffer it");
  }
  if (!source && target.length != 0) return InvalidArgumentError("update source is null");
  GPUHAL_RETURN_IF_ERROR(
      CheckBufferRange("update target", target, BufferUsage::kTransferTarget));
  GPUHAL_RETURN_IF_ERROR(CheckBufferOwner(target.buffer, "UpdateBuffer target"));
  return wrapped_->UpdateBuffer(source, target);
}

Status ValidatingCommandBuffer::CopyBuffer(BufferRange source, Buffer& target,
                                           size_t target_offset) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("CopyBuffer", CommandCategory::kTransfer));
  GPUHAL_ASSIGN_OR_RETURN(const size_t length,
                          CheckBufferRange("copy source", source, BufferUsage::kTransferSource));
  GPUHAL_RETURN_IF_ERROR(CheckBufferRange("copy target", {&target, target_offset, length},
                                          BufferUsage::kTransferTarget));
  if (&source.buffer->allocated_buffer() == &target.allocated_buffer() && length != 0) {
    const size_t source_start = source.buffer->byte_offset() + source.offset;
    const size_t target_start = target.byte_offset() + target_offset;
    // Both ranges were checked to fit their buffers, so these sums cannot wrap.
    if (source_start < target_start + length && target_start < source_start + length) {
      return InvalidArgumentError("copy source [", source_start, ", ", source_start + length,
                                  ") and target [", target_start, ", ", target_start + length,
                                  ") overlap in the same allocation");
    }
  }
  GPUHAL_RETURN_IF_ERROR(CheckBufferOwner(source.buffer, "CopyBuffer source"));
  GPUHAL_RETURN_IF_ERROR(CheckBufferOwner(&target, "CopyBuffer target"));
  return wrapped_->CopyBuffer(source, target, target_offset);
}

Status ValidatingCommandBuffer::PushConstants(PipelineLayout& layout, size_t offset,
                                              std::span<const uint8_t> values) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("PushConstants", CommandCategory::kDispatch));
  if (offset % 4 != 0) {
    return InvalidArgumentError("push constant offset ", offset, " is not a multiple of 4");
  }
  if (values.size() % 4 != 0) {
    return InvalidArgumentError("push constant size ", values.size(),
                                " is not a multiple of 4");
  }
  const size_t limit = size_t{layout.push_constant_count()} * 4;
  if (offset > limit || values.size() > limit - offset) {
    return OutOfRangeError("push constants [offset ", offset, ", length ", values.size(),
                           ") exceed the layout's ", limit, " bytes (",
                           layout.push_constant_count(), " push constants)");
  }
  return wrapped_->PushConstants(layout, offset, values);
}

Status ValidatingCommandBuffer::PushDescriptorSet(PipelineLayout& layout, uint32_t set,
                                                  std::span<const BufferBinding> bindings) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("PushDescriptorSet", CommandCategory::kDispatch));
  if (set >= layout.set_count()) {
    return OutOfRangeError("descriptor set ", set, " is out of range; the pipeline layout has ",
                           layout.set_count(), " set(s)");
  }
  const DescriptorSetLayout& set_layout = layout.set_layout(set);
  if (bindings.size() > set_layout.binding_count()) {
    return InvalidArgumentError(bindings.size(), " bindings pushed to descriptor set ", set,
                                ", whose layout has only ", set_layout.binding_count());
  }
  static_assert(kMaxBindingsPerSet <= 64, "the seen-slot mask below holds 64 slots");
  uint64_t seen_slots = 0;
  for (size_t i = 0; i < bindings.size(); ++i) {
    const BufferBinding& binding = bindings[i];
    auto slot = set_layout.SlotOfOrdinal(binding.ordinal);
    if (!slot.ok()) {
      return InvalidArgumentError("binding ", i, " of descriptor set ", set, ": ",
                                  slot.status().message());
    }
    if (seen_slots & (uint64_t{1} << *slot)) {
      return InvalidArgumentError("binding ", i, " of descriptor set ", set, " repeats ordinal ",
                                  binding.ordinal);
    }
    seen_slots |= uint64_t{1} << *slot;
    const std::string what = StrCat("descriptor set ", set, " binding ordinal ", binding.ordinal);
    GPUHAL_RETURN_IF_ERROR(CheckBufferRange(what.c_str(),
                                            {binding.buffer, binding.offset, binding.length},
                                            BufferUsage::kDispatchStorage));
    GPUHAL_RETURN_IF_ERROR(CheckBufferOwner(binding.buffer, what.c_str()));
  }
  GPUHAL_RETURN_IF_ERROR(wrapped_->PushDescriptorSet(layout, set, bindings));
  bound_slots_[set] |= static_cast<uint32_t>(seen_slots);
  return OkStatus();
}

namespace {

Status CheckEntryPoint(const Executable& executable, uint32_t entry_point) {
  if (entry_point >= executable.entry_point_count()) {
    return OutOfRangeError("entry point ordinal ", entry_point,
                           " is out of range; the executable has ",
                           executable.entry_point_count(), " entry point(s)");
  }
  return OkStatus();
}

}  // namespace

Status ValidatingCommandBuffer::CheckDispatch(Executable& executable, uint32_t entry_point,
                                              const char* command) const {
  GPUHAL_RETURN_IF_ERROR(CheckEntryPoint(executable, entry_point));
  if (operands_) GPUHAL_RETURN_IF_ERROR(operands_->CheckDispatch(executable, entry_point, command));
  const EntryPointInfo& entry = executable.entry_point(entry_point);
  if (!entry.layout) return OkStatus();
  const PipelineLayout& layout = *entry.layout;
  for (uint32_t set = 0; set < layout.set_count() && set < kMaxDescriptorSets; ++set) {
    const uint32_t binding_count = layout.set_layout(set).binding_count();
    const uint32_t wanted =
        binding_count >= 32 ? ~uint32_t{0} : (uint32_t{1} << binding_count) - 1;
    const uint32_t missing = wanted & ~bound_slots_[set];
    if (missing != 0) {
      const uint32_t slot = static_cast<uint32_t>(__builtin_ctz(missing));
      return FailedPreconditionError(
          command, " of '", entry.name, "': descriptor set ", set, " binding ordinal ",
          layout.set_layout(set).bindings()[slot].ordinal,
          " has no buffer; push it with PushDescriptorSet before dispatching");
    }
  }
  return OkStatus();
}

Status ValidatingCommandBuffer::Dispatch(Executable& executable, uint32_t entry_point,
                                         WorkgroupCount workgroup_count) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("Dispatch", CommandCategory::kDispatch));
  GPUHAL_RETURN_IF_ERROR(CheckDispatch(executable, entry_point, "Dispatch"));
  return wrapped_->Dispatch(executable, entry_point, workgroup_count);
}

Status ValidatingCommandBuffer::DispatchIndirect(Executable& executable, uint32_t entry_point,
                                                 BufferRange workgroup_count) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("DispatchIndirect", CommandCategory::kDispatch));
  GPUHAL_RETURN_IF_ERROR(CheckEntryPoint(executable, entry_point));
  GPUHAL_ASSIGN_OR_RETURN(
      const size_t length,
      CheckBufferRange("indirect workgroup count", workgroup_count,
                       BufferUsage::kDispatchIndirectParameters));
  if (length < kIndirectParametersLength) {
    return InvalidArgumentError("indirect workgroup count range holds ", length,
                                " bytes; it needs ", kIndirectParametersLength,
                                " (three uint32 counts)");
  }
  const size_t absolute_offset = workgroup_count.buffer->byte_offset() + workgroup_count.offset;
  if (absolute_offset % 4 != 0) {
    return InvalidArgumentError("indirect workgroup count offset ", workgroup_count.offset,
                                " (", absolute_offset,
                                " in its allocation) is not a multiple of 4");
  }
  GPUHAL_RETURN_IF_ERROR(
      CheckBufferOwner(workgroup_count.buffer, "DispatchIndirect workgroup count"));
  GPUHAL_RETURN_IF_ERROR(CheckDispatch(executable, entry_point, "DispatchIndirect"));
  return wrapped_->DispatchIndirect(executable, entry_point, workgroup_count);
}

Status ValidatingCommandBuffer::ExecuteCommands(CommandBuffer& commands) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("ExecuteCommands", CommandCategory::kNone));
  if (&commands == this || DynCast<ValidatingCommandBuffer>(&commands) == this ||
      &commands == wrapped_.get()) {
    return InvalidArgumentError("a command buffer cannot execute itself");
  }
  if (commands.params().usage != CommandBufferUsage::kReusable) {
    return InvalidArgumentError("ExecuteCommands needs a nested command buffer created with "
                                "CommandBufferUsage::kReusable; this one is one-shot");
  }
  if (!AllSet(params().categories, commands.params().categories)) {
    return FailedPreconditionError("nested command buffer allows categories ",
                                   CategoryNames(commands.params().categories),
                                   ", but this command buffer allows only ",
                                   CategoryNames(params().categories));
  }
  bool ended = true;
  if (auto* validating = DynCast<ValidatingCommandBuffer>(&commands)) {
    ended = validating->is_recorded();
  } else if (auto* deferred = DynCast<DeferredCommandBuffer>(&commands)) {
    ended = deferred->is_recorded();
  }
  if (!ended) {
    return FailedPreconditionError("nested command buffer has not ended recording; call its "
                                   "End() before executing it");
  }
  if (operands_) {
    GPUHAL_RETURN_IF_ERROR(operands_->CheckCommandBuffer(commands, "ExecuteCommands"));
  }
  return wrapped_->ExecuteCommands(commands);
}

Status ValidatingCommandBuffer::Collective(Channel& channel, CollectiveOp op,
                                           CollectiveParam param, BufferRange send,
                                           BufferRange recv, size_t element_count) {
  GPUHAL_RETURN_IF_ERROR(CheckCommand("Collective", CommandCategory::kCollective));
  const char* kind = CollectiveKindName(op.kind);
  const size_t element_size = ElementTypeSize(op.element_type);
  if (element_size == 0) {
    return InvalidArgumentError(kind, " element type ", static_cast<int>(op.element_type),
                                " is not a known ElementType");
  }
  const bool reduces = op.kind == CollectiveKind::kAllReduce ||
                       op.kind == CollectiveKind::kReduce ||
                       op.kind == CollectiveKind::kReduceScatter;
  if (reduces && op.reduction == ReductionOp::kNone) {
    return InvalidArgumentError(kind, " needs a reduction op; got ReductionOp::kNone");
  }
  const int32_t channel_count = channel.count();
  const size_t ranks = channel_count > 0 ? static_cast<size_t>(channel_count) : 0;
  const bool takes_rank = op.kind == CollectiveKind::kReduce ||
                          op.kind == CollectiveKind::kBroadcast ||
                          op.kind == CollectiveKind::kSend || op.kind == CollectiveKind::kRecv;
  if (takes_rank && param >= ranks) {
    const char* role = (op.kind == CollectiveKind::kSend || op.kind == CollectiveKind::kRecv)
                           ? "peer"
                           : "root";
    return OutOfRangeError(kind, " ", role, " rank ", param,
                           " is out of range; the channel has ", ranks, " participant(s)");
  }
  if (element_count > SIZE_MAX / element_size) {
    return InvalidArgumentError(kind, " element_count ", element_count, " of ", element_size,
                                "-byte elements overflows");
  }
  const size_t bytes = element_count * element_size;
  if (op.kind == CollectiveKind::kAllToAll && ranks != 0 && element_count % ranks != 0) {
    return InvalidArgumentError("all-to-all element_count ", element_count,
                                " is not divisible by the channel's ", ranks, " participants");
  }
  const bool is_root = takes_rank && static_cast<int64_t>(param) == channel.rank();

  // Which buffer this kind uses, whether it must be given, and how many bytes it moves.
  struct Operand {
    const char* name;
    const BufferRange* range;
    bool used;
    bool required;
    size_t participants;  // multiplier of `bytes`
  };
  Operand send_operand{"send", &send, true, true, 1};
  Operand recv_operand{"recv", &recv, true, true, 1};
  switch (op.kind) {
    case CollectiveKind::kAllReduce:
    case CollectiveKind::kAllToAll:
      break;
    case CollectiveKind::kAllGather:
      recv_operand.participants = ranks;
      break;
    case CollectiveKind::kReduceScatter:
      send_operand.participants = ranks;
      break;
    case CollectiveKind::kReduce:
      recv_operand.required = is_root;
      break;
    case CollectiveKind::kBroadcast:
      send_operand.required = is_root;
      break;
    case CollectiveKind::kSend:
      recv_operand.used = false;
      break;
    case CollectiveKind::kRecv:
      send_operand.used = false;
      break;
  }
  for (const Operand& operand : {send_operand, recv_operand}) {
    if (!operand.used) continue;
    if (!operand.range->buffer) {
      if (!operand.required) continue;
      return InvalidArgumentError(kind, " ", operand.name, " buffer is null");
    }
    const std::string what = StrCat(kind, " ", operand.name);
    GPUHAL_ASSIGN_OR_RETURN(const size_t length,
                            CheckBufferRange(what.c_str(), *operand.range, BufferUsage::kNone));
    if (operand.participants != 0 && bytes > SIZE_MAX / operand.participants) {
      return InvalidArgumentError(what, " size overflows: ", bytes, " bytes x ",
                                  operand.participants, " participants");
    }
    const size_t needed = bytes * operand.participants;
    if (length < needed) {
      if (operand.participants == 1) {
        return OutOfRangeError(what, " range holds ", length, " bytes but needs ", needed,
                               " (element_count ", element_count, " x ", element_size,
                               "-byte elements)");
      }
      return OutOfRangeError(what, " range holds ", length, " bytes but needs ", needed,
                             " (element_count ", element_count, " x ", element_size,
                             "-byte elements x ", operand.participants, " participants)");
    }
  }
  if (operands_) {
    GPUHAL_RETURN_IF_ERROR(
        operands_->CheckCollective(channel, op, param, send, recv, element_count));
  }
  return wrapped_->Collective(channel, op, param, send, recv, element_count);
}

}  // namespace gpuhal
