// Command buffers: recorded sequences of transfers, dispatches and collectives that a
// queue executes. Recording never touches the device's queues; QueueExecute does.
#ifndef GPUHAL_COMMAND_BUFFER_H_
#define GPUHAL_COMMAND_BUFFER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "gpuhal/bitmask.h"
#include "gpuhal/buffer.h"
#include "gpuhal/channel.h"
#include "gpuhal/event.h"
#include "gpuhal/executable.h"
#include "gpuhal/layout.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

enum class CommandBufferUsage : uint8_t {
  kOneShot,   // submitted once; lets graph mode skip work that reuse would need
  kReusable,  // may be submitted many times, also while an earlier submission runs
};

enum class CommandCategory : uint32_t {
  kNone = 0,
  kTransfer = 1u << 0,    // fill, update, copy, discard
  kDispatch = 1u << 1,    // dispatch, push constants, push descriptor sets
  kCollective = 1u << 2,  // collectives over channels
  kAny = kTransfer | kDispatch | kCollective,
};
GPUHAL_BITMASK_OPERATORS(CommandCategory)

// How a device turns recorded commands into GPU work.
enum class CommandBufferMode : uint8_t {
  kDeviceDefault,  // the device's configured mode
  kGraph,          // record into a CUDA/HIP graph, instantiated at End()
  kStream,         // record into an arena and replay onto the queue's stream at submit
};

struct CommandBufferParams {
  CommandBufferUsage usage = CommandBufferUsage::kOneShot;
  CommandCategory categories = CommandCategory::kAny;
  QueueAffinity queue_affinity = kAnyQueue;
  CommandBufferMode mode = CommandBufferMode::kDeviceDefault;
};

enum class ExecutionStage : uint32_t {
  kNone = 0,
  kCommandIssue = 1u << 0,
  kCommandProcess = 1u << 1,
  kDispatch = 1u << 2,
  kTransfer = 1u << 3,
  kCommandRetire = 1u << 4,
  kHost = 1u << 5,
  kAll = (1u << 6) - 1,
};
GPUHAL_BITMASK_OPERATORS(ExecutionStage)

enum class AccessScope : uint32_t {
  kNone = 0,
  kIndirectCommandRead = 1u << 0,
  kConstantRead = 1u << 1,
  kDispatchRead = 1u << 2,
  kDispatchWrite = 1u << 3,
  kTransferRead = 1u << 4,
  kTransferWrite = 1u << 5,
  kHostRead = 1u << 6,
  kHostWrite = 1u << 7,
  kMemoryRead = 1u << 8,
  kMemoryWrite = 1u << 9,
};
GPUHAL_BITMASK_OPERATORS(AccessScope)

struct MemoryBarrier {
  AccessScope source = AccessScope::kNone;
  AccessScope target = AccessScope::kNone;
};

struct BufferBarrier {
  AccessScope source = AccessScope::kNone;
  AccessScope target = AccessScope::kNone;
  BufferRange range;
};

// One buffer bound to one binding ordinal of a descriptor set.
struct BufferBinding {
  uint32_t ordinal = 0;
  Buffer* buffer = nullptr;
  size_t offset = 0;
  size_t length = kWholeBuffer;
};

using WorkgroupCount = std::array<uint32_t, 3>;

// Parameters for the *param* argument of Collective: the root rank for reduce and
// broadcast, the peer rank for send and recv; ignored otherwise.
using CollectiveParam = uint32_t;

class CommandBuffer : public RefCounted {
 public:
  const CommandBufferParams& params() const { return params_; }

  // Starts recording. A reusable command buffer may be begun again after End() to
  // re-record it; a one-shot buffer is recorded once.
  virtual Status Begin() = 0;
  // Finishes recording; the buffer can then be submitted.
  virtual Status End() = 0;

  virtual Status BeginDebugGroup(std::string_view label, uint32_t color_rgba) = 0;
  virtual Status EndDebugGroup() = 0;

  // Commands after the barrier start only after commands before it finish.
  virtual Status ExecutionBarrier(ExecutionStage source, ExecutionStage target,
                                  std::span<const MemoryBarrier> memory_barriers,
                                  std::span<const BufferBarrier> buffer_barriers) = 0;
  virtual Status SignalEvent(Event& event, ExecutionStage source) = 0;
  virtual Status ResetEvent(Event& event, ExecutionStage source) = 0;
  virtual Status WaitEvents(std::span<Event* const> events, ExecutionStage source,
                            ExecutionStage target, std::span<const MemoryBarrier> memory_barriers,
                            std::span<const BufferBarrier> buffer_barriers) = 0;

  // The contents of the range are no longer needed; they become undefined.
  virtual Status DiscardBuffer(BufferRange range) = 0;
  // Repeats a 1, 2 or 4-byte pattern over the range; offset and length must be
  // multiples of the pattern length.
  virtual Status FillBuffer(BufferRange target, const void* pattern, size_t pattern_length) = 0;
  // Copies target.length bytes from host memory at `source` into the buffer. The bytes
  // are captured when the command is recorded: the caller may reuse `source` at once.
  // target.length must be resolved (not kWholeBuffer) and at most 64 KiB.
  virtual Status UpdateBuffer(const void* source, BufferRange target) = 0;
  // Copies source.length bytes to `target` at `target_offset`.
  virtual Status CopyBuffer(BufferRange source, Buffer& target, size_t target_offset) = 0;

  // Sets 32-bit push constants [offset/4, (offset + values.size())/4) of the layout;
  // offset and size are multiples of 4.
  virtual Status PushConstants(PipelineLayout& layout, size_t offset,
                               std::span<const uint8_t> values) = 0;
  // Binds buffers to the ordinals of descriptor set `set` of the layout.
  virtual Status PushDescriptorSet(PipelineLayout& layout, uint32_t set,
                                   std::span<const BufferBinding> bindings) = 0;
  // Runs an entry point over a grid of workgroups, with the push constants and
  // descriptor sets pushed so far for its layout.
  virtual Status Dispatch(Executable& executable, uint32_t entry_point,
                          WorkgroupCount workgroup_count) = 0;
  // As Dispatch, reading the workgroup count (three uint32) from a buffer when the
  // command executes.
  virtual Status DispatchIndirect(Executable& executable, uint32_t entry_point,
                                  BufferRange workgroup_count) = 0;

  // Runs a recorded reusable command buffer inline.
  virtual Status ExecuteCommands(CommandBuffer& commands) = 0;

  // A collective over `channel` on element_count elements of op.element_type.
  virtual Status Collective(Channel& channel, CollectiveOp op, CollectiveParam param,
                            BufferRange send, BufferRange recv, size_t element_count) = 0;

  // Shims (validation, tracing) return the command buffer they forward to; every other
  // command buffer returns itself. DynCast uses it to see through shims.
  virtual CommandBuffer* Unwrapped() { return this; }

  // For DynCast: a final class that declares `static constexpr char kTypeTag = 0;`
  // returns &kTypeTag here, and DynCast recognises it by that address in one compare.
  // A dynamic_cast walks the class hierarchy (comparing type names where type_info is
  // not unique), four times per submission of a shimmed buffer.
  virtual const void* TypeTag() const { return nullptr; }

 protected:
  explicit CommandBuffer(const CommandBufferParams& params) : params_(params) {}

 private:
  CommandBufferParams params_;
};

// The first command buffer of type T found by following Unwrapped() from `command_buffer`
// (itself included); null when there is none. A submission uses it to see whether a
// buffer wrapped in a validating shim is, underneath, a graph or a deferred buffer.
template <typename T>
T* DynCast(CommandBuffer* command_buffer) {
  while (command_buffer) {
    if constexpr (requires { T::kTypeTag; }) {
      static_assert(std::is_final_v<T>, "a class DynCast finds by its kTypeTag must be final");
      if (command_buffer->TypeTag() == &T::kTypeTag) return static_cast<T*>(command_buffer);
    } else if (T* found = dynamic_cast<T*>(command_buffer)) {
      return found;
    }
    CommandBuffer* next = command_buffer->Unwrapped();
    if (next == command_buffer) return nullptr;
    command_buffer = next;
  }
  return nullptr;
}

}  // namespace gpuhal

#endif  // GPUHAL_COMMAND_BUFFER_H_
