// A semaphore's list of device-signal announcements: order, lookup, release, growth and
// the device's tally, with pooled events on the simulated GPU.
#include "backends/gpu/device_signals.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "backends/cuda/cuda_vendor.h"
#include "backends/gpu/testing/event_pool_test_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu {
namespace {

using cuda::CudaVendor;
using Event = PooledEvent<CudaVendor>;

class DeviceSignalListTest : public testing::FakeCudaEventPoolTest {
 protected:
  void SetUp() override {
    testing::FakeCudaEventPoolTest::SetUp();
    tally_ = *DeviceSignalTally::Create(allocator_);
  }

  // A pooled event; the list takes its own references, so this one is dropped by Drop.
  Event* NewEvent() {
    Event* event = *pool_->Acquire();
    events_.push_back(event);
    return event;
  }
  void DropEvents() {
    for (Event* event : events_) event->Release();
    events_.clear();
  }

  Ref<DeviceSignalTally> tally_;
  std::vector<Event*> events_;
};

TEST_F(DeviceSignalListTest, FindsTheEarliestAnnouncementAtOrAboveAValue) {
  DeviceSignalList<CudaVendor> list(allocator_, tally_);
  Event* two = NewEvent();
  Event* five = NewEvent();
  ASSERT_OK(list.Add(2, *two));
  ASSERT_OK(list.Add(5, *five));
  EXPECT_EQ(tally_->held(), 2u);

  for (const auto& [value, expected] :
       std::vector<std::pair<uint64_t, Event*>>{{1, two}, {2, two}, {3, five}, {5, five}}) {
    Event* found = list.AcquireEarliestAtLeast(value);
    EXPECT_EQ(found, expected) << "value " << value;
    if (found) found->Release();
  }
  EXPECT_EQ(list.AcquireEarliestAtLeast(6), nullptr);
  DropEvents();
}

TEST_F(DeviceSignalListTest, OutOfOrderAnnouncementsStaySorted) {
  DeviceSignalList<CudaVendor> list(allocator_, tally_);
  Event* nine = NewEvent();
  Event* three = NewEvent();
  Event* six = NewEvent();
  ASSERT_OK(list.Add(9, *nine));
  ASSERT_OK(list.Add(3, *three));
  ASSERT_OK(list.Add(6, *six));
  Event* found = list.AcquireEarliestAtLeast(4);
  EXPECT_EQ(found, six);
  found->Release();
  list.ReleaseUpTo(6);  // drops 3 and 6, keeps 9
  EXPECT_EQ(list.size(), 1u);
  EXPECT_EQ(tally_->held(), 1u);
  found = list.AcquireEarliestAtLeast(1);
  EXPECT_EQ(found, nine);
  found->Release();
  DropEvents();
}

TEST_F(DeviceSignalListTest, ReleasingGivesEveryEventBackToThePool) {
  {
    DeviceSignalList<CudaVendor> list(allocator_, tally_);
    for (uint64_t value = 1; value <= 3; ++value) ASSERT_OK(list.Add(value, *NewEvent()));
    DropEvents();
    EXPECT_EQ(pool_->acquired_count(), 3u);  // held by the list alone
    list.ReleaseUpTo(2);
    EXPECT_EQ(pool_->acquired_count(), 1u);
    EXPECT_EQ(tally_->held(), 1u);
  }  // the list goes with its last announcement
  EXPECT_EQ(pool_->acquired_count(), 0u);
  EXPECT_EQ(tally_->held(), 0u);
  EXPECT_EQ(pool_->over_release_count(), 0u);
}

TEST_F(DeviceSignalListTest, GrowsPastItsInlineCapacityAndKeepsTheStorage) {
  DeviceSignalList<CudaVendor> list(allocator_, tally_);
  Event* event = NewEvent();
  // Announced from the middle of a wrapped ring: release some first, then grow.
  for (uint64_t value = 1; value <= 3; ++value) ASSERT_OK(list.Add(value, *event));
  list.ReleaseUpTo(2);
  for (uint64_t value = 4; value <= 40; ++value) ASSERT_OK(list.Add(value, *event));
  EXPECT_EQ(list.size(), 38u);
  for (uint64_t value = 3; value <= 40; ++value) {
    Event* found = list.AcquireEarliestAtLeast(value);
    ASSERT_EQ(found, event);
    found->Release();
  }
  list.ReleaseUpTo(UINT64_MAX);
  EXPECT_TRUE(list.empty());
  // The grown storage is kept: announcing the same number again allocates nothing.
  const size_t allocations = allocator_.allocation_count();
  for (uint64_t value = 41; value <= 78; ++value) ASSERT_OK(list.Add(value, *event));
  EXPECT_EQ(allocator_.allocation_count(), allocations);
  list.ReleaseUpTo(UINT64_MAX);
  DropEvents();
  EXPECT_EQ(pool_->acquired_count(), 0u);
}

TEST_F(DeviceSignalListTest, OutOfHostMemoryLeavesTheListAsItWas) {
  CountingAllocator limited;
  limited.set_byte_limit(1);  // every allocation fails
  DeviceSignalList<CudaVendor> list(limited, tally_);
  Event* event = NewEvent();
  for (uint64_t value = 1; value <= 4; ++value) ASSERT_OK(list.Add(value, *event));
  const Status status = list.Add(5, *event);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(tally_->held(), 4u);
  EXPECT_EQ(list.AcquireEarliestAtLeast(5), nullptr);
  list.ReleaseUpTo(UINT64_MAX);
  DropEvents();
  EXPECT_EQ(pool_->acquired_count(), 0u);
}

}  // namespace
}  // namespace gpuhal::gpu
