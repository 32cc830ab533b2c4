// The event pool's accounting, on the simulated GPU's CUDA-shaped symbol table.
#include "backends/gpu/event_pool.h"

#include <gtest/gtest.h>

#include "backends/cuda/cuda_vendor.h"
#include "backends/gpu/vendor_binding.h"
#include "fakes/cuda/fake_cuda_platform.h"
#include "gpuhal/allocator.h"

namespace gpuhal::gpu {
namespace {

using cuda::CudaVendor;

class EventPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Ref<fake::FakeCudaPlatform>> platform = fake::FakeCudaPlatform::Create({});
    ASSERT_TRUE(platform.ok()) << platform.status();
    platform_ = *platform;
    CudaVendor vendor{};
    vendor.symbols = &platform_->cuda_symbols();
    ASSERT_TRUE(vendor.Initialize().ok());
    Result<Ref<VendorBinding<CudaVendor>>> binding =
        VendorBinding<CudaVendor>::Open(allocator_, vendor, 0, platform_);
    ASSERT_TRUE(binding.ok()) << binding.status();
    ASSERT_TRUE((*binding)->Current().ok());
    Result<Ref<GpuEventPool<CudaVendor>>> pool =
        GpuEventPool<CudaVendor>::Create(allocator_, *binding, /*capacity=*/4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *pool;
  }

  CountingAllocator allocator_;
  Ref<fake::FakeCudaPlatform> platform_;
  Ref<GpuEventPool<CudaVendor>> pool_;
};

TEST_F(EventPoolTest, ReleasedEventsAreReusedUpToTheCapacity) {
  PooledEvent<CudaVendor>* events[6];
  for (auto& event : events) event = *pool_->Acquire();
  EXPECT_EQ(pool_->acquired_count(), 6u);
  EXPECT_EQ(pool_->live_count(), 6u);
  for (auto* event : events) event->Release();
  EXPECT_EQ(pool_->acquired_count(), 0u);
  EXPECT_EQ(pool_->idle_count(), 4u);  // two were destroyed past the capacity
  EXPECT_EQ(pool_->live_count(), 4u);
  PooledEvent<CudaVendor>* again = *pool_->Acquire();
  EXPECT_EQ(pool_->live_count(), 4u);  // an idle one, not a new one
  again->Release();
  EXPECT_EQ(pool_->over_release_count(), 0u);
}

TEST_F(EventPoolTest, SharedEventReturnsOnlyAtTheLastRelease) {
  PooledEvent<CudaVendor>* event = *pool_->Acquire();
  event->Retain();
  event->Retain();
  event->Release();
  event->Release();
  EXPECT_EQ(pool_->acquired_count(), 1u);
  event->Release();
  EXPECT_EQ(pool_->acquired_count(), 0u);
  EXPECT_EQ(pool_->over_release_count(), 0u);
}

// A release more than was taken: the event must not go back twice (then two owners could
// be handed the same event); the pool counts the mistake for the device's diagnostics.
TEST_F(EventPoolTest, ReleaseBelowZeroIsCountedAndPoolsNothingTwice) {
  PooledEvent<CudaVendor>* event = *pool_->Acquire();
  event->Release();
  ASSERT_EQ(pool_->idle_count(), 1u);
  event->Release();  // the mistake
  EXPECT_EQ(pool_->over_release_count(), 1u);
  EXPECT_EQ(pool_->idle_count(), 1u);
  EXPECT_EQ(pool_->acquired_count(), 0u);
  PooledEvent<CudaVendor>* first = *pool_->Acquire();
  PooledEvent<CudaVendor>* second = *pool_->Acquire();
  EXPECT_NE(first, second);
  first->Release();
  second->Release();
}

// A holder that kept a pointer after its reference was (wrongly) given back retains the
// idle event and releases it: that return of an event already idle is counted, and the
// idle list still holds it once.
TEST_F(EventPoolTest, ReturnOfAnIdleEventIsCountedAndIgnored) {
  PooledEvent<CudaVendor>* event = *pool_->Acquire();
  event->Release();
  event->Retain();
  event->Release();
  EXPECT_EQ(pool_->over_release_count(), 1u);
  EXPECT_EQ(pool_->idle_count(), 1u);
  PooledEvent<CudaVendor>* first = *pool_->Acquire();
  PooledEvent<CudaVendor>* second = *pool_->Acquire();
  EXPECT_NE(first, second);
  first->Release();
  second->Release();
}

}  // namespace
}  // namespace gpuhal::gpu
