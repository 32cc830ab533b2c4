#include "backends/gpu/fake_cuda_test_platform.h"
#include "backends/gpu/gpu_command_buffer_test_suite.h"

namespace gpuhal::gpu::testing {

using CudaModes = ::testing::Types<Config<cuda::CudaVendor, CommandBufferMode::kGraph>,
                                   Config<cuda::CudaVendor, CommandBufferMode::kStream>>;
INSTANTIATE_TYPED_TEST_SUITE_P(Cuda, GpuCommandBufferTest, CudaModes, ConfigNames);

}  // namespace gpuhal::gpu::testing
