#include "backends/gpu/fake_cuda_test_platform.h"
#include "backends/gpu/gpu_queue_retirement_test_suite.h"

namespace gpuhal::gpu::testing {

INSTANTIATE_TYPED_TEST_SUITE_P(Cuda, GpuQueueRetirementTest, cuda::CudaVendor, VendorNames);

}  // namespace gpuhal::gpu::testing
