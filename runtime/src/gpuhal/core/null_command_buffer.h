// A command buffer that accepts every command and does nothing with it: the base of a
// command buffer that cares about a few commands only, such as one a recording is
// replayed onto to find what it names, or a stand-in for another backend's in tests.
#ifndef GPUHAL_CORE_NULL_COMMAND_BUFFER_H_
#define GPUHAL_CORE_NULL_COMMAND_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gpuhal/command_buffer.h"
#include "gpuhal/status.h"

namespace gpuhal {

class NullCommandBuffer : public CommandBuffer {
 public:
  explicit NullCommandBuffer(const CommandBufferParams& params) : CommandBuffer(params) {}

  Status Begin() override { return OkStatus(); }
  Status End() override { return OkStatus(); }
  Status BeginDebugGroup(std::string_view, uint32_t) override { return OkStatus(); }
  Status EndDebugGroup() override { return OkStatus(); }
  Status ExecutionBarrier(ExecutionStage, ExecutionStage, std::span<const MemoryBarrier>,
                          std::span<const BufferBarrier>) override {
    return OkStatus();
  }
  Status SignalEvent(Event&, ExecutionStage) override { return OkStatus(); }
  Status ResetEvent(Event&, ExecutionStage) override { return OkStatus(); }
  Status WaitEvents(std::span<Event* const>, ExecutionStage, ExecutionStage,
                    std::span<const MemoryBarrier>, std::span<const BufferBarrier>) override {
    return OkStatus();
  }
  Status DiscardBuffer(BufferRange) override { return OkStatus(); }
  Status FillBuffer(BufferRange, const void*, size_t) override { return OkStatus(); }
  Status UpdateBuffer(const void*, BufferRange) override { return OkStatus(); }
  Status CopyBuffer(BufferRange, Buffer&, size_t) override { return OkStatus(); }
  Status PushConstants(PipelineLayout&, size_t, std::span<const uint8_t>) override {
    return OkStatus();
  }
  Status PushDescriptorSet(PipelineLayout&, uint32_t, std::span<const BufferBinding>) override {
    return OkStatus();
  }
  Status Dispatch(Executable&, uint32_t, WorkgroupCount) override { return OkStatus(); }
  Status DispatchIndirect(Executable&, uint32_t, BufferRange) override { return OkStatus(); }
  Status ExecuteCommands(CommandBuffer&) override { return OkStatus(); }
  Status Collective(Channel&, CollectiveOp, CollectiveParam, BufferRange, BufferRange,
                    size_t) override {
    return OkStatus();
  }
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_NULL_COMMAND_BUFFER_H_
