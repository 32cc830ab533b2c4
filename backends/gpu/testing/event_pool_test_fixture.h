// A pool of four idle events on the simulated GPU's CUDA-shaped symbol table, for the
// tests of what holds pooled events (event_pool_test.cc, device_signals_test.cc).
#ifndef GPUHAL_BACKENDS_GPU_TESTING_EVENT_POOL_TEST_FIXTURE_H_
#define GPUHAL_BACKENDS_GPU_TESTING_EVENT_POOL_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include "backends/cuda/cuda_vendor.h"
#include "backends/gpu/event_pool.h"
#include "backends/gpu/vendor_binding.h"
#include "fakes/cuda/fake_cuda_platform.h"
#include "gpuhal/allocator.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu::testing {

class FakeCudaEventPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Ref<fake::FakeCudaPlatform>> platform = fake::FakeCudaPlatform::Create({});
    ASSERT_OK(platform) << platform.status();
    platform_ = *platform;
    cuda::CudaVendor vendor{};
    vendor.symbols = &platform_->cuda_symbols();
    ASSERT_OK(vendor.Initialize());
    Result<Ref<VendorBinding<cuda::CudaVendor>>> binding =
        VendorBinding<cuda::CudaVendor>::Open(allocator_, vendor, 0, platform_);
    ASSERT_OK(binding) << binding.status();
    ASSERT_OK((*binding)->Current());
    Result<Ref<GpuEventPool<cuda::CudaVendor>>> pool =
        GpuEventPool<cuda::CudaVendor>::Create(allocator_, *binding, /*capacity=*/4);
    ASSERT_OK(pool) << pool.status();
    pool_ = *pool;
  }

  CountingAllocator allocator_;
  Ref<fake::FakeCudaPlatform> platform_;
  Ref<GpuEventPool<cuda::CudaVendor>> pool_;
};

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_EVENT_POOL_TEST_FIXTURE_H_
