// What only a device can check about a command's operands: that each object it names
// (buffer, event, executable, channel, nested command buffer) belongs to this device, and
// what the device's own API can express. A device gives one to the validating shim of every
// command buffer it creates (ValidatingCommandBuffer::Create), so that these mistakes are
// refused when the command is recorded, identically in every command buffer mode, instead
// of failing a submission (stream mode replays only at submission) or reaching the GPU.
#ifndef GPUHAL_CORE_DEVICE_OPERAND_CHECK_H_
#define GPUHAL_CORE_DEVICE_OPERAND_CHECK_H_

#include <cstddef>
#include <cstdint>

#include "gpuhal/buffer.h"
#include "gpuhal/channel.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/event.h"
#include "gpuhal/executable.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

// Each check returns OK, or INVALID_ARGUMENT (OUT_OF_RANGE for an entry point) saying
// which operand (`what`, e.g. "CopyBuffer target") is wrong and what to pass instead.
// Called after the shim's own checks, so operands are not null and ranges fit.
class DeviceOperandCheck : public RefCounted {
 public:
  virtual Status CheckBuffer(Buffer& buffer, const char* what) const = 0;
  virtual Status CheckEvent(Event& event, const char* what) const = 0;
  virtual Status CheckDispatch(Executable& executable, uint32_t entry_point,
                               const char* what) const = 0;
  // The channel is this device's and the device can run the collective as given.
  virtual Status CheckCollective(Channel& channel, CollectiveOp op, CollectiveParam param,
                                 BufferRange send, BufferRange recv,
                                 size_t element_count) const = 0;
  // A nested command buffer (ExecuteCommands) or a submitted one (QueueExecute) was
  // created by this device.
  virtual Status CheckCommandBuffer(CommandBuffer& command_buffer, const char* what) const = 0;

 protected:
  DeviceOperandCheck() = default;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_DEVICE_OPERAND_CHECK_H_
