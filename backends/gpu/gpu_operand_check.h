// The GPU device's checks of command operands, run by the validating shim of each command
// buffer it creates when a command is recorded (gpuhal/core/device_operand_check.h). They
// resolve each operand exactly as recording a graph or replaying a stream recording does
// (command_operands.h, collective_batch.h), so both modes refuse the same operands with
// the same message, and stream mode refuses them when recorded rather than at submission.
#ifndef GPUHAL_BACKENDS_GPU_GPU_OPERAND_CHECK_H_
#define GPUHAL_BACKENDS_GPU_GPU_OPERAND_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <utility>

#include "backends/gpu/collective_batch.h"
#include "backends/gpu/command_buffer_device.h"
#include "backends/gpu/command_operands.h"
#include "backends/gpu/gpu_context.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/core/device_operand_check.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class GpuOperandCheck final : public DeviceOperandCheck {
 public:
  static Result<Ref<GpuOperandCheck>> Create(const GpuContext<V>& context) {
    Ref<GpuOperandCheck> check = MakeRef<GpuOperandCheck>(*context.host_allocator, context);
    if (!check) {
      return ResourceExhaustedError("device: the host allocator could not provide ",
                                    sizeof(GpuOperandCheck), " bytes for the operand check");
    }
    return check;
  }

  Status CheckBuffer(Buffer& buffer, const char* what) const override {
    Result<DeviceAddress> address = DeviceAddressOn(vendor_, buffer);
    if (!address.ok()) return address.status().WithContext(what);
    return OkStatus();
  }
  Status CheckEvent(Event& event, const char* what) const override {
    return ResolveEvent(vendor_, event, what).status();
  }
  Status CheckDispatch(Executable& executable, uint32_t entry_point,
                       const char* what) const override {
    Result<DispatchKernel<V>> kernel = ResolveDispatchKernel(vendor_, executable, entry_point);
    if (!kernel.ok()) return kernel.status().WithContext(what);
    return OkStatus();
  }
  Status CheckCollective(Channel& channel, CollectiveOp op, CollectiveParam param,
                         BufferRange send, BufferRange recv,
                         size_t element_count) const override {
    return ResolveCollective(vendor_, channel, op, param, send, recv, element_count).status();
  }
  Status CheckCommandBuffer(CommandBuffer& command_buffer, const char* what) const override {
    return CheckCommandBufferDevice<V>(device_.get(), command_buffer).WithContext(what);
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  explicit GpuOperandCheck(const GpuContext<V>& context)
      : vendor_(context.vendor), device_(context.symbol_owner) {}

  const V vendor_;
  // The device's vendor binding: its identity (see CommandBufferDevice), retained so that
  // no other device's binding can take its address while this check lives.
  const Ref<RefCounted> device_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_OPERAND_CHECK_H_
