#include "gpuhal/core/host_event.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "gpuhal/allocator.h"
#include "gpuhal/core/host_event_pool.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

using namespace std::chrono_literals;

TEST(HostEventTest, SetWaitReset) {
  HostEvent event;
  EXPECT_FALSE(event.IsSet());
  EXPECT_TRUE(IsDeadlineExceeded(event.Wait(Timeout::Immediate())));
  event.Set();
  EXPECT_TRUE(event.IsSet());
  EXPECT_OK(event.Wait(Timeout::Immediate()));
  EXPECT_OK(event.Wait(Timeout::Infinite()));
  event.Set();  // idempotent
  event.Reset();
  EXPECT_FALSE(event.IsSet());
  EXPECT_TRUE(IsDeadlineExceeded(event.Wait(Timeout::Immediate())));
}

TEST(HostEventTest, RelativeAndAbsoluteTimeoutsExpire) {
  HostEvent event;
  const auto start = Clock::now();
  EXPECT_TRUE(IsDeadlineExceeded(event.Wait(Timeout::After(20ms))));
  EXPECT_GE(Clock::now() - start, 20ms);
  EXPECT_TRUE(IsDeadlineExceeded(event.Wait(Timeout::At(Clock::now() + 10ms))));
  EXPECT_TRUE(IsDeadlineExceeded(event.Wait(Timeout::At(Clock::now() - 1s))));
}

TEST(HostEventTest, OneSetWakesEveryWaiter) {
  HostEvent event;
  std::atomic<int> woken{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 16; ++i) {
    waiters.emplace_back([&] {
      EXPECT_OK(event.Wait(Timeout::After(30s)));
      woken.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(10ms);
  EXPECT_EQ(woken.load(), 0);
  event.Set();
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(woken.load(), 16);
}

TEST(HostEventTest, WaiterMayDestroyTheEventOnceSet) {
  // Run under ThreadSanitizer / ASan: the setter must not touch the event after the
  // waiter has seen it set.
  for (int i = 0; i < 2000; ++i) {
    auto* event = new HostEvent();
    std::thread setter([event] { event->Set(); });
    EXPECT_OK(event->Wait(Timeout::Infinite()));
    delete event;
    setter.join();
  }
}

TEST(HostEventPoolTest, RecyclesUpToCapacity) {
  CountingAllocator allocator;
  {
    HostEventPool pool(allocator, /*capacity=*/2);
    EXPECT_EQ(pool.capacity(), 2u);
    EXPECT_EQ(pool.live_count(), 0u);

    Result<HostEvent*> first = pool.Acquire();
    ASSERT_OK(first);
    EXPECT_EQ(pool.live_count(), 1u);
    EXPECT_EQ(pool.pooled_count(), 0u);
    (*first)->Set();
    pool.Release(*first);
    EXPECT_EQ(pool.live_count(), 1u);
    EXPECT_EQ(pool.pooled_count(), 1u);

    // Reuse: same event, no allocation, and it comes back unset.
    const uint64_t allocations = allocator.allocation_count();
    Result<HostEvent*> again = pool.Acquire();
    ASSERT_OK(again);
    EXPECT_EQ(*again, *first);
    EXPECT_FALSE((*again)->IsSet());
    EXPECT_EQ(allocator.allocation_count(), allocations);

    // Beyond capacity, events are created and destroyed.
    std::vector<HostEvent*> events = {*again};
    for (int i = 0; i < 3; ++i) {
      Result<HostEvent*> event = pool.Acquire();
      ASSERT_OK(event);
      events.push_back(*event);
    }
    EXPECT_EQ(pool.live_count(), 4u);
    EXPECT_EQ(allocator.live_allocations(), 4u);
    for (HostEvent* event : events) pool.Release(event);
    EXPECT_EQ(pool.pooled_count(), 2u);
    EXPECT_EQ(pool.live_count(), 2u);
    EXPECT_EQ(allocator.live_allocations(), 2u);
    pool.Release(nullptr);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(HostEventPoolTest, ReserveFillsToCapacity) {
  CountingAllocator allocator;
  {
    HostEventPool pool(allocator, 4);
    ASSERT_OK(pool.Reserve(10));
    EXPECT_EQ(pool.pooled_count(), 4u);
    EXPECT_EQ(pool.live_count(), 4u);
    const uint64_t allocations = allocator.allocation_count();
    std::vector<HostEvent*> events;
    for (int i = 0; i < 4; ++i) events.push_back(*pool.Acquire());
    EXPECT_EQ(allocator.allocation_count(), allocations);
    for (HostEvent* event : events) pool.Release(event);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(HostEventPoolTest, ExhaustedAllocatorIsResourceExhausted) {
  CountingAllocator allocator;
  {
    HostEventPool pool(allocator, 4);
    allocator.set_byte_limit(1);
    Result<HostEvent*> event = pool.Acquire();
    ASSERT_FALSE(event.ok());
    EXPECT_TRUE(IsResourceExhausted(event.status())) << event.status();
    EXPECT_EQ(pool.live_count(), 0u);
    EXPECT_TRUE(IsResourceExhausted(pool.Reserve(1)));
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(HostEventPoolTest, ConcurrentAcquireAndRelease) {
  CountingAllocator allocator;
  {
    HostEventPool pool(allocator, 8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 2000; ++i) {
          Result<HostEvent*> event = pool.Acquire();
          ASSERT_OK(event);
          (*event)->Set();
          EXPECT_OK((*event)->Wait(Timeout::Immediate()));
          pool.Release(*event);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(pool.live_count(), pool.pooled_count());
    EXPECT_LE(pool.pooled_count(), 8u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

}  // namespace
}  // namespace gpuhal
