// A command buffer that records commands into an arena and replays them onto any other
// command buffer later: how stream-mode devices turn a recording into stream work at
// submission, and how a recording can be inlined into another.
//
// Recording captures everything a command names: span arguments (update data, push
// constant bytes, bindings, barriers, events, debug labels) are copied, so the caller may
// reuse its memory as soon as a call returns, and every object (buffers, events, layouts,
// executables, channels, nested command buffers) is retained until the buffer is
// re-recorded or destroyed.
//
// Checking arguments is not this class's job (wrap it in a ValidatingCommandBuffer); it
// only refuses what it cannot record: a command outside Begin/End, an update with no
// source bytes or a range it cannot resolve, a fill with no pattern.
#ifndef GPUHAL_CORE_DEFERRED_COMMAND_BUFFER_H_
#define GPUHAL_CORE_DEFERRED_COMMAND_BUFFER_H_

#include <cstddef>
#include <cstdint>

#include "gpuhal/allocator.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/arena.h"
#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/resource_set.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

namespace deferred_internal {
struct Command;
}  // namespace deferred_internal

class DeferredCommandBuffer final : public CommandBuffer {
 public:
  static constexpr char kTypeTag = 0;  // see CommandBuffer::TypeTag
  const void* TypeTag() const override { return &kTypeTag; }

  // Commands and retained references live in blocks from `block_pool`, which the buffer
  // retains; the object itself comes from `host_allocator`.
  static Result<Ref<DeferredCommandBuffer>> Create(Allocator& host_allocator,
                                                   BlockPool& block_pool,
                                                   const CommandBufferParams& params);

  // Issues every recorded command onto `target` in recording order, stopping at the first
  // one `target` rejects and returning its status, prefixed with the command's index and
  // name. Does not call target.Begin() or target.End(): the caller brackets the replay,
  // so a replay can also land in the middle of another recording. FAILED_PRECONDITION
  // unless recording has ended. Replay does not consume the recording: it may be
  // replayed any number of times, until the next Begin().
  Status Replay(CommandBuffer& target) const;

  // Commands recorded since the last Begin().
  size_t command_count() const { return command_count_; }
  // Whether End() has been called since the last Begin().
  bool is_recorded() const { return state_ == State::kRecorded; }

  // Starts a new recording; a previous one (commands and retained objects) is dropped.
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

  DeferredCommandBuffer(BlockPool& block_pool, const CommandBufferParams& params);
  ~DeferredCommandBuffer() override = default;

  Status CheckRecording(const char* command) const;
  // Allocates a command of type T in the arena and links it at the end of the list.
  template <typename T>
  Result<T*> Append(const char* command);
  Status Retain(const RefCounted* object);
  Status RetainBarriers(std::span<const BufferBarrier> buffer_barriers);
  template <typename T>
  Result<std::span<T>> CopySpan(std::span<const T> values, const char* what);

  Ref<BlockPool> block_pool_;  // declared first: the arena and set below use it
  Arena arena_;
  ResourceSet resources_;
  deferred_internal::Command* first_ = nullptr;
  deferred_internal::Command* last_ = nullptr;
  size_t command_count_ = 0;
  State state_ = State::kInitial;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_DEFERRED_COMMAND_BUFFER_H_
