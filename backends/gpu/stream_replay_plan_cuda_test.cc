#include "backends/gpu/fake_cuda_test_platform.h"
#include "backends/gpu/stream_replay_plan_test_suite.h"

namespace gpuhal::gpu::testing {

INSTANTIATE_TYPED_TEST_SUITE_P(Cuda, StreamReplayPlanTest, cuda::CudaVendor, VendorNames);

}  // namespace gpuhal::gpu::testing
