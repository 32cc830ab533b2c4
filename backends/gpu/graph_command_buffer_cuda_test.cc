#include "backends/gpu/fake_cuda_test_platform.h"
#include "backends/gpu/graph_command_buffer_test_suite.h"

namespace gpuhal::gpu::testing {

INSTANTIATE_TYPED_TEST_SUITE_P(Cuda, GraphCommandBufferTest, cuda::CudaVendor, VendorNames);

}  // namespace gpuhal::gpu::testing
