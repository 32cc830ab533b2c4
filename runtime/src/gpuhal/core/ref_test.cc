#include "gpuhal/ref.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "gpuhal/allocator.h"

namespace gpuhal {
namespace {

class Tracked : public RefCounted {
 public:
  explicit Tracked(int* destroyed) : destroyed_(destroyed) {}
  ~Tracked() override { ++*destroyed_; }

 private:
  int* destroyed_;
};

class TrackedChild : public Tracked {
 public:
  using Tracked::Tracked;
  char payload[100] = {};
};

TEST(RefTest, LastReleaseDestroysAndFreesThroughAllocator) {
  CountingAllocator allocator;
  int destroyed = 0;
  {
    Ref<Tracked> a = MakeRef<TrackedChild>(allocator, &destroyed);
    ASSERT_TRUE(a);
    EXPECT_EQ(allocator.live_allocations(), 1u);
    EXPECT_GE(allocator.live_bytes(), sizeof(TrackedChild));
    Ref<Tracked> b = a;
    EXPECT_EQ(a->ref_count_for_testing(), 2);
    a.reset();
    EXPECT_EQ(destroyed, 0);
  }
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(RefTest, AdoptAndReleaseTransferOwnership) {
  int destroyed = 0;
  Tracked* raw = new Tracked(&destroyed);
  Ref<Tracked> ref = Ref<Tracked>::Adopt(raw);
  EXPECT_EQ(raw->ref_count_for_testing(), 1);
  Tracked* released = ref.release();
  EXPECT_FALSE(ref);
  Ref<Tracked> again = Ref<Tracked>::Adopt(released);
  again.reset();
  EXPECT_EQ(destroyed, 1);
}

TEST(RefTest, MakeRefReturnsNullWhenAllocatorIsExhausted) {
  CountingAllocator allocator;
  allocator.set_byte_limit(8);
  int destroyed = 0;
  Ref<Tracked> ref = MakeRef<Tracked>(allocator, &destroyed);
  EXPECT_FALSE(ref);
  EXPECT_EQ(destroyed, 0);
}

TEST(RefTest, ConcurrentCopiesAreThreadSafe) {
  CountingAllocator allocator;
  int destroyed = 0;
  Ref<Tracked> shared = MakeRef<Tracked>(allocator, &destroyed);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        Ref<Tracked> copy = shared;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(shared->ref_count_for_testing(), 1);
  shared.reset();
  EXPECT_EQ(destroyed, 1);
}

TEST(CountingAllocatorTest, CountsAndAligns) {
  CountingAllocator allocator;
  void* a = allocator.Allocate(10, 64);
  void* b = allocator.Allocate(100, 8);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  EXPECT_EQ(allocator.live_bytes(), 110u);
  EXPECT_EQ(allocator.allocation_count(), 2u);
  allocator.Free(a);
  EXPECT_EQ(allocator.live_bytes(), 100u);
  allocator.Free(b);
  allocator.Free(nullptr);
  EXPECT_EQ(allocator.live_bytes(), 0u);
  EXPECT_EQ(allocator.peak_bytes(), 110u);
}

TEST(CountingAllocatorTest, ByteLimitRefusesWithoutCounting) {
  CountingAllocator allocator;
  allocator.set_byte_limit(100);
  void* fits = allocator.Allocate(60, 8);
  EXPECT_NE(fits, nullptr);
  EXPECT_EQ(allocator.Allocate(60, 8), nullptr);
  EXPECT_EQ(allocator.live_bytes(), 60u);
  allocator.Free(fits);
}

TEST(CountingAllocatorDeathTest, DestroyingWithLiveAllocationsAborts) {
  EXPECT_DEATH(
      {
        CountingAllocator allocator;
        (void)allocator.Allocate(16, 8);
      },
      "something leaked");
}

}  // namespace
}  // namespace gpuhal
