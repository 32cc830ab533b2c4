// A shim that checks every command buffer call before forwarding it to the command buffer
// it wraps. A call that breaks a rule returns the status below and is never forwarded,
// so the wrapped buffer only ever sees valid sequences. DynCast sees through the shim.
//
// Codes follow one scheme: FAILED_PRECONDITION when the call is fine but the command
// buffer (or a nested one) is in the wrong state or of the wrong kind for it;
// OUT_OF_RANGE when an offset, length or index falls outside what it indexes;
// PERMISSION_DENIED when a buffer's allowed usage lacks the bit the command needs;
// INVALID_ARGUMENT for every other malformed argument.
//
// | call                     | rule                                                   | code                |
// |--------------------------|--------------------------------------------------------|---------------------|
// | Begin                    | not already recording                                  | FAILED_PRECONDITION |
// | Begin                    | a one-shot buffer is recorded once                     | FAILED_PRECONDITION |
// | End                      | recording                                              | FAILED_PRECONDITION |
// | End                      | every debug group closed                               | FAILED_PRECONDITION |
// | every command            | between Begin and End                                  | FAILED_PRECONDITION |
// | Discard/Fill/Update/Copy | buffer allows CommandCategory::kTransfer               | FAILED_PRECONDITION |
// | Dispatch*, Push*         | buffer allows CommandCategory::kDispatch               | FAILED_PRECONDITION |
// | Collective               | buffer allows CommandCategory::kCollective             | FAILED_PRECONDITION |
// | EndDebugGroup            | a debug group is open                                  | FAILED_PRECONDITION |
// | any buffer operand       | not null                                               | INVALID_ARGUMENT    |
// | any buffer range         | offset + length (kWholeBuffer resolved) inside buffer  | OUT_OF_RANGE        |
// | FillBuffer               | pattern not null, length 1, 2 or 4                     | INVALID_ARGUMENT    |
// | FillBuffer               | target allows kTransferTarget                          | PERMISSION_DENIED   |
// | FillBuffer               | offset (also within the allocation) and length are     | INVALID_ARGUMENT    |
// |                          | multiples of the pattern length                        |                     |
// | UpdateBuffer             | source not null; length explicit, <= 64 KiB            | INVALID_ARGUMENT    |
// | UpdateBuffer             | target allows kTransferTarget                          | PERMISSION_DENIED   |
// | CopyBuffer               | source allows kTransferSource, target kTransferTarget  | PERMISSION_DENIED   |
// | CopyBuffer               | target [target_offset, +source length) inside target   | OUT_OF_RANGE        |
// | CopyBuffer               | ranges do not overlap in the same allocation           | INVALID_ARGUMENT    |
// | PushConstants            | offset and size multiples of 4                         | INVALID_ARGUMENT    |
// | PushConstants            | [offset, offset + size) within push_constant_count * 4 | OUT_OF_RANGE        |
// | PushDescriptorSet        | set < layout.set_count()                               | OUT_OF_RANGE        |
// | PushDescriptorSet        | at most the set layout's binding count; every ordinal  | INVALID_ARGUMENT    |
// |                          | in the set layout, none repeated                       |                     |
// | PushDescriptorSet        | bound buffers allow kDispatchStorage                   | PERMISSION_DENIED   |
// | Dispatch, Indirect       | entry point < executable.entry_point_count()           | OUT_OF_RANGE        |
// | DispatchIndirect         | buffer allows kDispatchIndirectParameters              | PERMISSION_DENIED   |
// | DispatchIndirect         | range >= 12 bytes, offset a multiple of 4              | INVALID_ARGUMENT    |
// | ExecuteCommands          | not the buffer itself; nested buffer is kReusable      | INVALID_ARGUMENT    |
// | ExecuteCommands          | nested categories within this buffer's; nested buffer  | FAILED_PRECONDITION |
// |                          | ended (checked when it is validating or deferred)      |                     |
// | Collective               | reduction op given for all-reduce/reduce/reduce-scatter| INVALID_ARGUMENT    |
// | Collective               | element_count * element size does not overflow;        | INVALID_ARGUMENT    |
// |                          | all-to-all element_count divisible by channel count    |                     |
// | Collective               | param < channel.count() for reduce/broadcast/send/recv | OUT_OF_RANGE        |
// | Collective               | each buffer the kind uses is given (recv on the root   | INVALID_ARGUMENT    |
// |                          | only for reduce, send on the root only for broadcast)  |                     |
// | Collective               | send/recv ranges hold the bytes the kind moves:        | OUT_OF_RANGE        |
// |                          | n = count * element size; all-gather recv n * ranks,   |                     |
// |                          | reduce-scatter send n * ranks, otherwise n             |                     |
// | WaitEvents               | no null event                                          | INVALID_ARGUMENT    |
// | barriers, WaitEvents     | buffer barriers name a buffer, range inside it         | INVALID_ARGUMENT /  |
// |                          |                                                        | OUT_OF_RANGE        |
// | Dispatch, Indirect       | every binding of the entry point's layout was pushed   | FAILED_PRECONDITION |
// |                          | (PushDescriptorSet) in this recording                  |                     |
// | every object operand     | belongs to the device that created the buffer, and the | INVALID_ARGUMENT    |
// |                          | device can run the command (DeviceOperandCheck)        |                     |
//
// A rejected call changes nothing: neither the shim's state nor the recording.
//
// The device's own checks (device_operand_check.h) run only when the device gave one;
// they make a buffer, event, executable, channel or nested command buffer of another
// device an error at record time in every command buffer mode.
// Collective buffers need no BufferUsage bit: kDefault does not include kCollective, and
// requiring it would reject every default allocation.
#ifndef GPUHAL_CORE_VALIDATING_COMMAND_BUFFER_H_
#define GPUHAL_CORE_VALIDATING_COMMAND_BUFFER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "gpuhal/allocator.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/device_operand_check.h"
#include "gpuhal/layout.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

class ValidatingCommandBuffer final : public CommandBuffer {
 public:
  static constexpr char kTypeTag = 0;  // see CommandBuffer::TypeTag
  const void* TypeTag() const override { return &kTypeTag; }

  // Largest UpdateBuffer payload, as in Vulkan's vkCmdUpdateBuffer.
  static constexpr size_t kMaxUpdateLength = 64 * 1024;
  // Three uint32 workgroup counts.
  static constexpr size_t kIndirectParametersLength = 12;

  // Wraps and retains `wrapped`, taking its params. The shim comes from `host_allocator`.
  // `operands`, when given, is the creating device's check of what commands name; it is
  // retained.
  static Result<Ref<ValidatingCommandBuffer>> Create(Allocator& host_allocator,
                                                     CommandBuffer& wrapped,
                                                     Ref<DeviceOperandCheck> operands = {});

  CommandBuffer* Unwrapped() override { return wrapped_.get(); }

  bool is_recording() const { return state_ == State::kRecording; }
  bool is_recorded() const { return state_ == State::kRecorded; }
  uint32_t open_debug_group_count() const { return debug_group_depth_; }

  // Submission (QueueExecute) ------------------------------------------------------------
  // FAILED_PRECONDITION unless recording has ended, and for a one-shot buffer that was
  // already submitted: a one-shot buffer runs once. On OK a one-shot buffer counts as
  // submitted; a submission that is then refused for another reason gives the claim back
  // with CancelSubmission(). Thread-safe against other submissions of the same buffer.
  Status BeginSubmission();
  void CancelSubmission();

  Status Begin() override;
  Status End() override;
  Status BeginDebugGroup(std::string_view label, uint32_t color_rgba) override;
  Status EndDebugGroup() override;
  Status ExecutionBarrier(ExecutionStage source, ExecutionStage target,
                          std::span<const MemoryBarrier> memory_barriers,
                          std::span<const BufferBarrier> buffer_barriers) override;
  Status SignalEvent(Event& event, ExecutionStage source) override;
  Status ResetEvent(Event& event, ExecutionStage source) override;
  Status WaitEvents(std::span<Event* const> events, ExecutionStage source, ExecutionStage target,
                    std::span<const MemoryBarrier> memory_barriers,
                    std::span<const BufferBarrier> buffer_barriers) override;
  Status DiscardBuffer(BufferRange range) override;
  Status FillBuffer(BufferRange target, const void* pattern, size_t pattern_length) override;
  Status UpdateBuffer(const void* source, BufferRange target) override;
  Status CopyBuffer(BufferRange source, Buffer& target, size_t target_offset) override;
  Status PushConstants(PipelineLayout& layout, size_t offset,
                       std::span<const uint8_t> values) override;
  Status PushDescriptorSet(PipelineLayout& layout, uint32_t set,
                           std::span<const BufferBinding> bindings) override;
  Status Dispatch(Executable& executable, uint32_t entry_point,
                  WorkgroupCount workgroup_count) override;
  Status DispatchIndirect(Executable& executable, uint32_t entry_point,
                          BufferRange workgroup_count) override;
  Status ExecuteCommands(CommandBuffer& commands) override;
  Status Collective(Channel& channel, CollectiveOp op, CollectiveParam param, BufferRange send,
                    BufferRange recv, size_t element_count) override;

 private:
  template <typename T, typename... Args>
  friend T* NewRefCounted(Allocator& allocator, Args&&... args);

  enum class State : uint8_t { kInitial, kRecording, kRecorded };

  ValidatingCommandBuffer(CommandBuffer& wrapped, Ref<DeviceOperandCheck> operands);
  ~ValidatingCommandBuffer() override = default;

  // Recording state, then the category the command belongs to.
  Status CheckCommand(const char* command, CommandCategory category) const;
  Status CheckBufferBarriers(const char* command,
                             std::span<const BufferBarrier> buffer_barriers) const;
  // The device's checks; OK when it gave none.
  Status CheckBufferOwner(Buffer* buffer, const char* what) const;
  Status CheckEventOwner(Event& event, const char* what) const;
  // The entry point exists, the device can dispatch it, and its layout's bindings were
  // all pushed.
  Status CheckDispatch(Executable& executable, uint32_t entry_point, const char* command) const;

  Ref<CommandBuffer> wrapped_;
  const Ref<DeviceOperandCheck> operands_;  // null: the device checks nothing itself
  State state_ = State::kInitial;
  uint32_t debug_group_depth_ = 0;
  // Bit i of bound_slots_[set]: binding slot i of `set` was pushed since Begin().
  std::array<uint32_t, kMaxDescriptorSets> bound_slots_{};
  static_assert(kMaxBindingsPerSet <= 32, "bound_slots_ holds one bit per binding slot");
  // A one-shot buffer's submission was claimed (BeginSubmission).
  std::atomic<bool> submitted_{false};
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_VALIDATING_COMMAND_BUFFER_H_
