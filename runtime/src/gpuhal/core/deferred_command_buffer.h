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

#include <atomic>
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
  // retains; the object itself comes from `host_allocator`. `owner` (retained when given)
  // stands for the device the recording is for: see owner().
  static Result<Ref<DeferredCommandBuffer>> Create(Allocator& host_allocator,
                                                   BlockPool& block_pool,
                                                   const CommandBufferParams& params,
                                                   RefCounted* owner = nullptr);

  // What Create was given as `owner`: a device compares it with its own identity to
  // refuse another device's recording (nested or submitted).
  const RefCounted* owner() const { return owner_.get(); }

  // Issues every recorded command onto `target` in recording order, stopping at the first
  // one `target` rejects and returning its status, prefixed with the command's index and
  // name. Does not call target.Begin() or target.End(): the caller brackets the replay,
  // so a replay can also land in the middle of another recording. FAILED_PRECONDITION
  // unless recording has ended. Replay does not consume the recording: it may be
  // replayed any number of times, until the next Begin().
  Status Replay(CommandBuffer& target) const;
  // As Replay, also calling `before_each(user_data, index)` before replaying the command
  // at `index`, so that a target can tell which command what it does came from.
  Status Replay(CommandBuffer& target, void (*before_each)(void* user_data, size_t index),
                void* user_data) const;

  // A backend's prepared form of the recording ------------------------------------------
  //
  // Replaying resolves every command again on each submission (kernels, their packed
  // parameters, buffer addresses). A backend may instead resolve a recording once and
  // keep the result here, in the recording's own arena, until the next Begin(): a
  // resubmitted command buffer then issues the prepared calls. What is kept is opaque
  // here; `kind` names its type (a backend's type tag), and it must be trivially
  // destructible, since the arena runs no destructors.

  // The prepared form of `kind`, or null: none was prepared (yet), or of another kind.
  const void* prepared(const void* kind) const {
    if (prepare_state_.load(std::memory_order_acquire) != PrepareState::kPrepared) return nullptr;
    return prepared_kind_ == kind ? prepared_ : nullptr;
  }

  // Prepares the recording once per recording: the first caller after End() runs
  // `prepare(Arena&)`, which returns the prepared form (allocated in that arena) or null
  // when the recording cannot be prepared, and gets its result. Every other caller, also
  // one arriving while the first prepares, gets prepared(kind). Safe to call from several
  // threads at once, like Replay; not concurrently with recording.
  template <typename Prepare>
  const void* PrepareOnce(const void* kind, Prepare&& prepare) {
    // A load first: a recording that cannot be prepared is asked on every submission,
    // and the exchange is a locked instruction.
    PrepareState expected = PrepareState::kUnprepared;
    if (state_ != State::kRecorded ||
        prepare_state_.load(std::memory_order_acquire) != PrepareState::kUnprepared ||
        !prepare_state_.compare_exchange_strong(expected, PrepareState::kPreparing,
                                                std::memory_order_acquire)) {
      return prepared(kind);
    }
    const void* form = prepare(arena_);
    prepared_ = form;
    prepared_kind_ = kind;
    prepare_state_.store(form ? PrepareState::kPrepared : PrepareState::kUnpreparable,
                         std::memory_order_release);
    return form;
  }

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
  enum class PrepareState : uint8_t { kUnprepared, kPreparing, kPrepared, kUnpreparable };

  DeferredCommandBuffer(BlockPool& block_pool, const CommandBufferParams& params,
                        RefCounted* owner);
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
  const Ref<RefCounted> owner_;  // an identity, retained so that it stays unique
  Arena arena_;
  ResourceSet resources_;
  deferred_internal::Command* first_ = nullptr;
  deferred_internal::Command* last_ = nullptr;
  size_t command_count_ = 0;
  State state_ = State::kInitial;
  // PrepareOnce: prepared_ and prepared_kind_ are written once per recording, before
  // prepare_state_ turns kPrepared.
  std::atomic<PrepareState> prepare_state_{PrepareState::kUnprepared};
  const void* prepared_ = nullptr;
  const void* prepared_kind_ = nullptr;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_DEFERRED_COMMAND_BUFFER_H_
