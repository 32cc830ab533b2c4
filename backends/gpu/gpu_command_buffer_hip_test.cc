#include "backends/gpu/fake_hip_test_platform.h"
#include "backends/gpu/gpu_command_buffer_test_suite.h"

namespace gpuhal::gpu::testing {

using HipModes = ::testing::Types<Config<hip::HipVendor, CommandBufferMode::kGraph>,
                                  Config<hip::HipVendor, CommandBufferMode::kStream>>;
INSTANTIATE_TYPED_TEST_SUITE_P(Hip, GpuCommandBufferTest, HipModes, ConfigNames);

}  // namespace gpuhal::gpu::testing
