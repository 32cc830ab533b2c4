#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gpuhal/allocator.h"
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/ref.h"
#include "gpuhal/semaphore.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

using namespace std::chrono_literals;

// Several host semaphores and the points to wait on, released before the allocator.
struct Semaphores {
  explicit Semaphores(Allocator& allocator, size_t count, uint64_t initial_value = 0) {
    for (size_t i = 0; i < count; ++i) {
      Result<Ref<Semaphore>> semaphore = CreateHostSemaphore(initial_value, allocator);
      EXPECT_OK(semaphore) << semaphore.status();
      semaphores.push_back(*semaphore);
    }
  }
  Semaphore& operator[](size_t i) { return *semaphores[i]; }
  std::vector<SemaphorePoint> Points(std::vector<uint64_t> values) {
    std::vector<SemaphorePoint> points;
    for (size_t i = 0; i < values.size(); ++i) points.push_back({semaphores[i].get(), values[i]});
    return points;
  }
  size_t PendingTimepoints() {
    size_t total = 0;
    for (auto& semaphore : semaphores) {
      total += dynamic_cast<TimelineSemaphore&>(*semaphore).pending_timepoint_count();
    }
    return total;
  }
  std::vector<Ref<Semaphore>> semaphores;
};

template <typename Predicate>
bool Eventually(Predicate predicate) {
  for (int i = 0; i < 10000; ++i) {
    if (predicate()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return predicate();
}

// A semaphore implemented outside gpuhal's base.
class ForeignSemaphore final : public Semaphore {
 public:
  Result<uint64_t> Query() override { return 0; }
  Status Signal(uint64_t) override { return OkStatus(); }
  void Fail(Status) override {}
  Status Wait(uint64_t, Timeout) override { return OkStatus(); }
};

bool Contains(const Status& status, const std::string& text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

TEST(WaitSemaphoresTest, RejectsEmptyNullAndForeignSemaphores) {
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, 3, 1);
    Status empty = WaitSemaphores(WaitMode::kAll, {}, Timeout::Infinite());
    EXPECT_TRUE(IsInvalidArgument(empty)) << empty;
    EXPECT_TRUE(IsInvalidArgument(WaitAnySemaphore({}, Timeout::Infinite()).status()));

    std::vector<SemaphorePoint> points = semaphores.Points({1, 1, 1});
    points[1].semaphore = nullptr;
    Status null = WaitSemaphores(WaitMode::kAny, points, Timeout::Infinite());
    EXPECT_TRUE(IsInvalidArgument(null)) << null;
    EXPECT_TRUE(Contains(null, "points[1]")) << null;

    Ref<Semaphore> foreign = Ref<Semaphore>::Adopt(new ForeignSemaphore());
    points = semaphores.Points({1, 1, 1});
    points[2].semaphore = foreign.get();
    Status alien = WaitSemaphores(WaitMode::kAll, points, Timeout::Infinite());
    EXPECT_TRUE(IsInvalidArgument(alien)) << alien;
    EXPECT_TRUE(Contains(alien, "points[2]")) << alien;
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(WaitSemaphoresTest, AlreadySatisfiedWaitsReturnAtOnce) {
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, 3, 5);
    EXPECT_OK(WaitSemaphores(WaitMode::kAll, semaphores.Points({5, 3, 0}),
                               Timeout::Immediate()));
    Result<size_t> index = WaitAnySemaphore(semaphores.Points({9, 5, 4}), Timeout::Immediate());
    ASSERT_OK(index) << index.status();
    EXPECT_EQ(*index, 1u);  // the lowest reached index
    EXPECT_EQ(semaphores.PendingTimepoints(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(WaitSemaphoresTest, UnsatisfiedWaitsTimeOutAndLeaveNothingBehind) {
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, 3, 1);
    std::vector<SemaphorePoint> points = semaphores.Points({1, 2, 2});
    EXPECT_TRUE(IsDeadlineExceeded(WaitSemaphores(WaitMode::kAll, points, Timeout::Immediate())));
    EXPECT_TRUE(IsDeadlineExceeded(
        WaitSemaphores(WaitMode::kAny, semaphores.Points({2, 2, 2}), Timeout::Immediate())));

    auto start = Clock::now();
    Status relative = WaitSemaphores(WaitMode::kAll, points, Timeout::After(20ms));
    EXPECT_TRUE(IsDeadlineExceeded(relative)) << relative;
    EXPECT_TRUE(Contains(relative, "points[1]")) << relative;
    EXPECT_GE(Clock::now() - start, 20ms);

    start = Clock::now();
    Result<size_t> absolute =
        WaitAnySemaphore(semaphores.Points({2, 2, 2}), Timeout::At(start + 20ms));
    EXPECT_TRUE(IsDeadlineExceeded(absolute.status())) << absolute.status();
    EXPECT_GE(Clock::now() - start, 20ms);
    EXPECT_EQ(semaphores.PendingTimepoints(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(WaitSemaphoresTest, WaitAllReturnsOnlyOnceEveryPointIsReached) {
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, 4);
    std::atomic<bool> returned{false};
    std::thread waiter([&] {
      EXPECT_OK(WaitSemaphores(WaitMode::kAll, semaphores.Points({1, 2, 3, 1}),
                                 Timeout::After(60s)));
      returned = true;
    });
    ASSERT_TRUE(Eventually([&] { return semaphores.PendingTimepoints() == 4; }));
    EXPECT_OK(semaphores[2].Signal(3));
    EXPECT_OK(semaphores[0].Signal(1));
    EXPECT_OK(semaphores[1].Signal(1));  // not enough yet
    EXPECT_OK(semaphores[3].Signal(1));
    std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(returned.load());
    EXPECT_OK(semaphores[1].Signal(2));
    waiter.join();
    EXPECT_TRUE(returned.load());
    EXPECT_EQ(semaphores.PendingTimepoints(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(WaitSemaphoresTest, WaitAnyReturnsTheIndexOfTheReachedPointAndDisarmsTheRest) {
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, 4);
    for (size_t target = 0; target < 4; ++target) {
      const uint64_t value = target + 1;
      std::thread signaller([&] {
        ASSERT_TRUE(Eventually([&] { return semaphores.PendingTimepoints() == 4; }));
        EXPECT_OK(semaphores[target].Signal(value));
      });
      Result<size_t> index =
          WaitAnySemaphore(semaphores.Points({value, value, value, value}), Timeout::Infinite());
      signaller.join();
      ASSERT_OK(index) << index.status();
      EXPECT_EQ(*index, target);
      EXPECT_EQ(semaphores.PendingTimepoints(), 0u);
    }
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(WaitSemaphoresTest, WaitAllReturnsTheFirstFailure) {
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, 3);
    std::thread failer([&] {
      ASSERT_TRUE(Eventually([&] { return semaphores.PendingTimepoints() == 3; }));
      EXPECT_OK(semaphores[0].Signal(1));
      semaphores[2].Fail(AbortedError("first"));
      semaphores[1].Fail(InternalError("second"));
    });
    Status status =
        WaitSemaphores(WaitMode::kAll, semaphores.Points({1, 1, 1}), Timeout::Infinite());
    failer.join();
    EXPECT_EQ(status, AbortedError("first"));
    EXPECT_EQ(semaphores.PendingTimepoints(), 0u);
    // Already failed: decided without waiting.
    EXPECT_EQ(WaitSemaphores(WaitMode::kAll, semaphores.Points({1, 1, 1}), Timeout::Immediate()),
              InternalError("second"));
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(WaitSemaphoresTest, WaitAnyFailsOnlyWhenNoPointIsReached) {
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, 3);
    semaphores[0].Fail(UnavailableError("device lost"));
    // One reached point outweighs the failure.
    EXPECT_OK(semaphores[2].Signal(1));
    Result<size_t> index = WaitAnySemaphore(semaphores.Points({1, 1, 1}), Timeout::Immediate());
    ASSERT_OK(index) << index.status();
    EXPECT_EQ(*index, 2u);
    // None reached: the failure ends the wait.
    EXPECT_EQ(WaitAnySemaphore(semaphores.Points({1, 1, 2}), Timeout::Infinite()).status(),
              UnavailableError("device lost"));

    // A failure while waiting ends a wait-any with nothing reached.
    Semaphores later(allocator, 3);
    std::thread failer([&] {
      ASSERT_TRUE(Eventually([&] { return later.PendingTimepoints() == 3; }));
      later[1].Fail(DataLossError("ecc"));
    });
    EXPECT_EQ(WaitSemaphores(WaitMode::kAny, later.Points({1, 1, 1}), Timeout::After(60s)),
              DataLossError("ecc"));
    failer.join();
    EXPECT_EQ(later.PendingTimepoints(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(WaitSemaphoresTest, ManyPointsAndRepeatedSemaphores) {
  constexpr size_t kCount = 20;  // beyond the inline storage
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, kCount);
    std::vector<SemaphorePoint> points = semaphores.Points(std::vector<uint64_t>(kCount, 2));
    points.push_back({&semaphores[0], 3});  // same semaphore, later value
    std::thread signaller([&] {
      ASSERT_TRUE(Eventually([&] { return semaphores.PendingTimepoints() == kCount + 1; }));
      for (size_t i = 0; i < kCount; ++i) EXPECT_OK(semaphores[i].Signal(2));
      EXPECT_OK(semaphores[0].Signal(3));
    });
    EXPECT_OK(WaitSemaphores(WaitMode::kAll, points, Timeout::Infinite()));
    signaller.join();
    Result<size_t> index = WaitAnySemaphore(points, Timeout::Immediate());
    ASSERT_OK(index);
    EXPECT_EQ(*index, 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(WaitSemaphoresTest, WaitsRacingWithSignalsAndFailuresAlwaysSettle) {
  constexpr uint64_t kIterations = 2000;
  CountingAllocator allocator;
  {
    Semaphores semaphores(allocator, 3);
    std::thread signaller([&] {
      for (uint64_t i = 1; i <= kIterations; ++i) {
        for (size_t s = 0; s < 3; ++s) ASSERT_OK(semaphores[(s + i) % 3].Signal(i));
        if (i % 16 == 0) std::this_thread::sleep_for(10us);
      }
    });
    for (uint64_t i = 1; i <= kIterations; i += 2) {
      const auto points = semaphores.Points({i, i + 1, i});
      Status all = WaitSemaphores(WaitMode::kAll, points, Timeout::After(5us));
      EXPECT_TRUE(all.ok() || IsDeadlineExceeded(all)) << all;
      Result<size_t> any = WaitAnySemaphore(points, Timeout::After(5us));
      EXPECT_TRUE(any.ok() || IsDeadlineExceeded(any.status())) << any.status();
    }
    EXPECT_OK(WaitSemaphores(WaitMode::kAll, semaphores.Points({kIterations, kIterations,
                                                                  kIterations}),
                               Timeout::Infinite()));
    signaller.join();
    EXPECT_EQ(semaphores.PendingTimepoints(), 0u);

    // Failures racing with waits.
    for (int round = 0; round < 200; ++round) {
      Semaphores racing(allocator, 3);
      std::thread failer([&] {
        racing[1].Fail(AbortedError("raced"));
        EXPECT_OK(racing[0].Signal(1));
      });
      Status all = WaitSemaphores(WaitMode::kAll, racing.Points({1, 1, 1}), Timeout::Infinite());
      EXPECT_EQ(all, AbortedError("raced"));
      Status any = WaitSemaphores(WaitMode::kAny, racing.Points({1, 1, 1}), Timeout::Infinite());
      EXPECT_TRUE(any.ok() || any == AbortedError("raced")) << any;
      failer.join();
      EXPECT_EQ(racing.PendingTimepoints(), 0u);
    }
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

}  // namespace
}  // namespace gpuhal
