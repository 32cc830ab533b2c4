#include "backends/gpu/fake_hip_test_platform.h"
#include "backends/gpu/stream_replay_plan_test_suite.h"

namespace gpuhal::gpu::testing {

INSTANTIATE_TYPED_TEST_SUITE_P(Hip, StreamReplayPlanTest, hip::HipVendor, VendorNames);

}  // namespace gpuhal::gpu::testing
