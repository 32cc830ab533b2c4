#include "backends/gpu/fake_hip_test_platform.h"
#include "backends/gpu/gpu_queue_retirement_test_suite.h"

namespace gpuhal::gpu::testing {

INSTANTIATE_TYPED_TEST_SUITE_P(Hip, GpuQueueRetirementTest, hip::HipVendor, VendorNames);

}  // namespace gpuhal::gpu::testing
