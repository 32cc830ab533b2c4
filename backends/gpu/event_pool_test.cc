// The event pool's accounting, on the simulated GPU's CUDA-shaped symbol table.
#include "backends/gpu/event_pool.h"

#include <gtest/gtest.h>

#include "backends/cuda/cuda_vendor.h"
#include "backends/gpu/testing/event_pool_test_fixture.h"

namespace gpuhal::gpu {
namespace {

using cuda::CudaVendor;

using EventPoolTest = testing::FakeCudaEventPoolTest;

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

// Releases gathered into one chain go back together: only last releases join it, and
// what exceeds the capacity is destroyed, as with one-by-one returns.
TEST_F(EventPoolTest, GatheredReleasesReturnTogetherUpToTheCapacity) {
  PooledEvent<CudaVendor>* events[6];
  for (auto& event : events) event = *pool_->Acquire();
  events[0]->Retain();  // still held elsewhere: its release below is not the last
  PooledEvent<CudaVendor>* returns = nullptr;
  for (auto* event : events) event->ReleaseInto(returns);
  EXPECT_EQ(pool_->acquired_count(), 6u);  // nothing went back yet
  ASSERT_NE(returns, nullptr);
  pool_->ReturnAll(returns);
  EXPECT_EQ(pool_->acquired_count(), 1u);
  EXPECT_EQ(pool_->idle_count(), 4u);  // one was destroyed past the capacity
  EXPECT_EQ(pool_->live_count(), 5u);
  events[0]->Release();
  EXPECT_EQ(pool_->acquired_count(), 0u);
  EXPECT_EQ(pool_->live_count(), 4u);
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
