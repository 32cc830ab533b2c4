#include "gpuhal/core/timeline_semaphore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gpuhal/allocator.h"
#include "gpuhal/core/host_event.h"
#include "gpuhal/ref.h"
#include "gpuhal/semaphore.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

using namespace std::chrono_literals;
using Timepoint = TimelineSemaphore::Timepoint;
using Acquisition = TimelineSemaphore::Acquisition;

Ref<Semaphore> NewHostSemaphore(Allocator& allocator, uint64_t initial_value) {
  Result<Ref<Semaphore>> semaphore = CreateHostSemaphore(initial_value, allocator);
  EXPECT_OK(semaphore) << semaphore.status();
  return semaphore.ok() ? *semaphore : nullptr;
}

TimelineSemaphore& Timeline(const Ref<Semaphore>& semaphore) {
  return *dynamic_cast<TimelineSemaphore*>(semaphore.get());
}

// Exposes the protected device-progress path, as a device-backed semaphore would use it.
class DeviceLikeSemaphore final : public TimelineSemaphore {
 public:
  using TimelineSemaphore::TimelineSemaphore;
  using TimelineSemaphore::AdvanceTo;
  using TimelineSemaphore::VisitTimepoints;
};

// Records every notification it receives.
struct Recorder {
  std::mutex mutex;
  std::vector<int> order;
  std::vector<Status> statuses;

  static void Callback(void* user_data, Timepoint& timepoint, const Status& status) {
    auto* recorder = static_cast<Recorder*>(user_data);
    std::lock_guard<std::mutex> lock(recorder->mutex);
    recorder->order.push_back(static_cast<int>(timepoint.kind));
    recorder->statuses.push_back(status);
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return order.size();
  }
};

// A stack-allocated host wait, as a waiter would build one by hand.
struct StackWait {
  HostEvent event;
  std::atomic<int> calls{0};
  Status status;
  static void Callback(void* user_data, Timepoint&, const Status& status) {
    auto* wait = static_cast<StackWait*>(user_data);
    wait->status = status;
    wait->calls.fetch_add(1);
    wait->event.Set();
  }
};

// Polls with sleeps; tests use it only to learn that other threads have started waiting.
template <typename Predicate>
bool Eventually(Predicate predicate) {
  for (int i = 0; i < 10000; ++i) {
    if (predicate()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return predicate();
}

TEST(TimelineSemaphoreTest, SignalAdvancesMonotonically) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 3);
    EXPECT_EQ(*semaphore->Query(), 3u);
    EXPECT_OK(semaphore->Signal(4));
    EXPECT_EQ(*semaphore->Query(), 4u);
    EXPECT_OK(semaphore->Signal(100));
    EXPECT_EQ(*semaphore->Query(), 100u);
    EXPECT_OK(semaphore->Signal(UINT64_MAX));
    EXPECT_EQ(*semaphore->Query(), UINT64_MAX);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, SignalNotAboveCurrentIsOutOfRangeAndChangesNothing) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 5);
    Recorder recorder;
    Timepoint timepoint(6, &Recorder::Callback, &recorder);
    ASSERT_EQ(*Timeline(semaphore).AcquireTimepoint(timepoint), Acquisition::kEnqueued);

    for (uint64_t value : {5u, 3u, 0u}) {
      Status status = semaphore->Signal(value);
      EXPECT_TRUE(IsOutOfRange(status)) << status;
      const std::string message(status.message());
      EXPECT_NE(message.find(std::to_string(value)), std::string::npos) << message;
      EXPECT_NE(message.find("5"), std::string::npos) << message;
      EXPECT_EQ(*semaphore->Query(), 5u);
      EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 1u);
    }
    EXPECT_EQ(recorder.count(), 0u);
    EXPECT_TRUE(Timeline(semaphore).CancelTimepoint(timepoint));
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, FailureIsTerminalAndTheFirstFailureWins) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 1);
    semaphore->Fail(AbortedError("kernel faulted"));
    semaphore->Fail(InternalError("second failure"));
    Result<uint64_t> query = semaphore->Query();
    ASSERT_FALSE(query.ok());
    EXPECT_EQ(query.status(), AbortedError("kernel faulted"));
    EXPECT_EQ(semaphore->Signal(2), AbortedError("kernel faulted"));
    EXPECT_EQ(semaphore->Wait(1, Timeout::Immediate()), AbortedError("kernel faulted"));
    EXPECT_EQ(semaphore->Wait(9, Timeout::Infinite()), AbortedError("kernel faulted"));

    Recorder recorder;
    Timepoint timepoint(9, &Recorder::Callback, &recorder);
    Result<Acquisition> acquisition = Timeline(semaphore).AcquireTimepoint(timepoint);
    EXPECT_EQ(acquisition.status(), AbortedError("kernel faulted"));
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, FailingWithOkIsRecordedAsUnknown) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    semaphore->Fail(OkStatus());
    Result<uint64_t> query = semaphore->Query();
    ASSERT_FALSE(query.ok());
    EXPECT_TRUE(IsUnknown(query.status())) << query.status();
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, SatisfiedWaitsReturnAtOnceWhateverTheTimeout) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 10);
    EXPECT_OK(semaphore->Wait(0, Timeout::Immediate()));
    EXPECT_OK(semaphore->Wait(10, Timeout::Immediate()));
    EXPECT_OK(semaphore->Wait(10, Timeout::After(1h)));
    EXPECT_OK(semaphore->Wait(7, Timeout::At(Clock::now() - 1s)));
    EXPECT_OK(semaphore->Wait(10, Timeout::Infinite()));
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, UnsatisfiedWaitsTimeOut) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 10);
    Status immediate = semaphore->Wait(11, Timeout::Immediate());
    EXPECT_TRUE(IsDeadlineExceeded(immediate)) << immediate;

    auto start = Clock::now();
    Status relative = semaphore->Wait(11, Timeout::After(20ms));
    EXPECT_TRUE(IsDeadlineExceeded(relative)) << relative;
    EXPECT_GE(Clock::now() - start, 20ms);
    EXPECT_NE(std::string(relative.message()).find("11"), std::string::npos) << relative;

    start = Clock::now();
    Status absolute = semaphore->Wait(11, Timeout::At(start + 20ms));
    EXPECT_TRUE(IsDeadlineExceeded(absolute)) << absolute;
    EXPECT_GE(Clock::now() - start, 20ms);

    EXPECT_TRUE(IsDeadlineExceeded(semaphore->Wait(11, Timeout::At(Clock::now() - 1s))));
    // Timed-out waits leave nothing behind.
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 0u);
    EXPECT_EQ(*semaphore->Query(), 10u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, WaitIsReleasedBySignalFromAnotherThread) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    std::thread signaller([&] {
      ASSERT_TRUE(Eventually([&] { return Timeline(semaphore).pending_timepoint_count() == 2; }));
      EXPECT_OK(semaphore->Signal(1));
      EXPECT_OK(semaphore->Signal(2));
    });
    std::thread relative_waiter([&] { EXPECT_OK(semaphore->Wait(2, Timeout::After(30s))); });
    EXPECT_OK(semaphore->Wait(1, Timeout::Infinite()));
    relative_waiter.join();
    signaller.join();
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, ManyWaitersOnOneValueWakeTogetherWhenReached) {
  constexpr int kWaiters = 16;
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    std::atomic<int> woken{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.emplace_back([&] {
        EXPECT_OK(semaphore->Wait(5, Timeout::Infinite()));
        EXPECT_GE(*semaphore->Query(), 5u);
        woken.fetch_add(1);
      });
    }
    ASSERT_TRUE(Eventually(
        [&] { return Timeline(semaphore).pending_timepoint_count() == kWaiters; }));
    for (uint64_t value = 1; value < 5; ++value) EXPECT_OK(semaphore->Signal(value));
    std::this_thread::sleep_for(10ms);
    EXPECT_EQ(woken.load(), 0);
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), size_t{kWaiters});
    EXPECT_OK(semaphore->Signal(5));
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 0u);
    for (auto& waiter : waiters) waiter.join();
    EXPECT_EQ(woken.load(), kWaiters);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, WaitersOnDifferentValuesWakeExactlyWhenTheirValueIsReached) {
  constexpr int kWaiters = 16;
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    std::mutex mutex;
    std::condition_variable changed;
    int woken = 0;
    std::vector<std::thread> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      // Descending targets so that the ordered list is built out of order.
      const uint64_t target = kWaiters - i;
      waiters.emplace_back([&, target] {
        EXPECT_OK(semaphore->Wait(target, Timeout::After(60s)));
        EXPECT_GE(*semaphore->Query(), target);
        std::lock_guard<std::mutex> lock(mutex);
        ++woken;
        changed.notify_all();
      });
    }
    ASSERT_TRUE(Eventually(
        [&] { return Timeline(semaphore).pending_timepoint_count() == kWaiters; }));
    for (uint64_t value = 1; value <= kWaiters; ++value) {
      ASSERT_OK(semaphore->Signal(value));
      // Exactly the waiters up to `value` were released, synchronously with Signal.
      EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), kWaiters - value);
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return woken >= static_cast<int>(value); });
      EXPECT_EQ(woken, static_cast<int>(value));
    }
    for (auto& waiter : waiters) waiter.join();
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, FailureWakesEveryWaiterWithTheFailure) {
  constexpr int kWaiters = 16;
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    std::vector<std::thread> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.emplace_back([&, i] {
        Status status = semaphore->Wait(1 + i % 4, i % 2 ? Timeout::Infinite()
                                                         : Timeout::After(60s));
        EXPECT_EQ(status, DataLossError("device lost"));
      });
    }
    ASSERT_TRUE(Eventually(
        [&] { return Timeline(semaphore).pending_timepoint_count() == kWaiters; }));
    semaphore->Fail(DataLossError("device lost"));
    semaphore->Fail(AbortedError("ignored"));
    for (auto& waiter : waiters) waiter.join();
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, CrossThreadPingPong) {
  constexpr uint64_t kRoundTrips = 10000;
  CountingAllocator allocator;
  {
    Ref<Semaphore> ping = NewHostSemaphore(allocator, 0);
    Ref<Semaphore> pong = NewHostSemaphore(allocator, 0);
    std::thread responder([&] {
      for (uint64_t i = 1; i <= kRoundTrips; ++i) {
        ASSERT_OK(ping->Wait(i, Timeout::Infinite()));
        ASSERT_OK(pong->Signal(i));
      }
    });
    for (uint64_t i = 1; i <= kRoundTrips; ++i) {
      ASSERT_OK(ping->Signal(i));
      ASSERT_OK(pong->Wait(i, Timeout::Infinite()));
    }
    responder.join();
    EXPECT_EQ(*ping->Query(), kRoundTrips);
    EXPECT_EQ(*pong->Query(), kRoundTrips);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, TimepointsAreNotifiedInValueOrderAndFifoWithinAValue) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    Recorder recorder;
    // kind doubles as an id here.
    Timepoint at3a(3, &Recorder::Callback, &recorder, 0);
    Timepoint at1(1, &Recorder::Callback, &recorder, 1);
    Timepoint at3b(3, &Recorder::Callback, &recorder, 2);
    Timepoint at2(2, &Recorder::Callback, &recorder, 3);
    Timepoint at9(9, &Recorder::Callback, &recorder, 4);
    for (Timepoint* timepoint : {&at3a, &at1, &at3b, &at2, &at9}) {
      ASSERT_EQ(*Timeline(semaphore).AcquireTimepoint(*timepoint), Acquisition::kEnqueued);
    }
    EXPECT_OK(semaphore->Signal(3));
    EXPECT_EQ(recorder.order, (std::vector<int>{1, 3, 0, 2}));
    for (const Status& status : recorder.statuses) EXPECT_OK(status);
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 1u);
    EXPECT_FALSE(Timeline(semaphore).CancelTimepoint(at1));  // already notified
    EXPECT_TRUE(Timeline(semaphore).CancelTimepoint(at9));
    EXPECT_OK(semaphore->Signal(10));
    EXPECT_EQ(recorder.count(), 4u);  // the cancelled one never ran
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

// Insertion searches from the nearer end by value; whichever end it starts from, the
// list must stay sorted by value and first-in first-out within a value.
TEST(TimelineSemaphoreTest, ManyTimepointsInAnyOrderAreNotifiedByValueThenFifo) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    Recorder recorder;
    constexpr int kCount = 300;
    std::vector<std::unique_ptr<Timepoint>> timepoints;
    std::vector<std::pair<uint64_t, int>> expected;  // (value, acquisition index)
    uint32_t state = 12345;
    for (int i = 0; i < kCount; ++i) {
      state = state * 1664525u + 1013904223u;
      // Mostly rising values (a chain), with some far below and some equal to the tail.
      const uint64_t value = (state >> 28) < 3 ? 1 + (state >> 8) % 40 : 40 + i / 2;
      timepoints.push_back(std::make_unique<Timepoint>(value, &Recorder::Callback, &recorder,
                                                       static_cast<uint32_t>(i)));
      ASSERT_EQ(*Timeline(semaphore).AcquireTimepoint(*timepoints.back()), Acquisition::kEnqueued);
      expected.emplace_back(value, i);
    }
    std::stable_sort(expected.begin(), expected.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (uint64_t value = 1; value <= 40 + kCount / 2; value += 7) {
      ASSERT_OK(semaphore->Signal(value));
    }
    ASSERT_OK(semaphore->Signal(1000));
    ASSERT_EQ(recorder.order.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(recorder.order[i], expected[i].second) << "notification " << i;
    }
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, AcquireReportsReachedValuesInsteadOfEnqueuing) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 4);
    Recorder recorder;
    Timepoint reached(4, &Recorder::Callback, &recorder);
    EXPECT_EQ(*Timeline(semaphore).AcquireTimepoint(reached), Acquisition::kAlreadyReached);
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 0u);
    EXPECT_TRUE(Timeline(semaphore).CancelTimepoint(reached));  // never enqueued
    EXPECT_EQ(recorder.count(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, FailureNotifiesTimepointsWithTheFailure) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    Recorder recorder;
    Timepoint first(1, &Recorder::Callback, &recorder);
    Timepoint second(2, &Recorder::Callback, &recorder);
    ASSERT_OK(Timeline(semaphore).AcquireTimepoint(first));
    ASSERT_OK(Timeline(semaphore).AcquireTimepoint(second));
    semaphore->Fail(UnavailableError("queue lost"));
    ASSERT_EQ(recorder.count(), 2u);
    for (const Status& status : recorder.statuses) {
      EXPECT_EQ(status, UnavailableError("queue lost"));
    }
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

// The callback re-enters the semaphore: acquires another timepoint, queries, and
// signals it again. This deadlocks if callbacks run under the semaphore's lock.
struct ReentrantChain {
  TimelineSemaphore* semaphore;
  Timepoint timepoints[4];
  int fired = 0;

  static void Callback(void* user_data, Timepoint& timepoint, const Status& status) {
    auto* chain = static_cast<ReentrantChain*>(user_data);
    ASSERT_OK(status);
    const int index = chain->fired++;
    EXPECT_EQ(&timepoint, &chain->timepoints[index]);
    EXPECT_EQ(*chain->semaphore->Query(), timepoint.minimum_value);
    if (index + 1 == 4) return;
    Timepoint& next = chain->timepoints[index + 1];
    next.minimum_value = timepoint.minimum_value + 1;
    next.callback = &Callback;
    next.user_data = chain;
    EXPECT_EQ(*chain->semaphore->AcquireTimepoint(next), Acquisition::kEnqueued);
    EXPECT_OK(chain->semaphore->Signal(next.minimum_value));
  }
};

TEST(TimelineSemaphoreTest, CallbacksRunOutsideTheLockAndMayReenter) {
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    ReentrantChain chain{&Timeline(semaphore)};
    chain.timepoints[0].minimum_value = 1;
    chain.timepoints[0].callback = &ReentrantChain::Callback;
    chain.timepoints[0].user_data = &chain;
    ASSERT_OK(Timeline(semaphore).AcquireTimepoint(chain.timepoints[0]));
    EXPECT_OK(semaphore->Signal(1));
    EXPECT_EQ(chain.fired, 4);
    EXPECT_EQ(*semaphore->Query(), 4u);
    // A host wait inside a callback on another semaphore works too.
    Ref<Semaphore> other = NewHostSemaphore(allocator, 0);
    struct Context {
      Semaphore* semaphore;
      Semaphore* other;
    } context{semaphore.get(), other.get()};
    Timepoint timepoint(
        1,
        [](void* user_data, Timepoint&, const Status&) {
          auto* context = static_cast<Context*>(user_data);
          EXPECT_OK(context->semaphore->Wait(4, Timeout::Immediate()));
          context->semaphore->Fail(CancelledError("from a callback"));
        },
        &context);
    ASSERT_OK(Timeline(other).AcquireTimepoint(timepoint));
    EXPECT_OK(other->Signal(1));
    EXPECT_EQ(semaphore->Query().status(), CancelledError("from a callback"));
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, CancelRacingWithSignalNeverLosesOrDuplicatesACallback) {
  constexpr uint64_t kIterations = 5000;
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    Ref<Semaphore> armed = NewHostSemaphore(allocator, 0);
    std::thread signaller([&] {
      for (uint64_t i = 1; i <= kIterations; ++i) {
        ASSERT_OK(armed->Wait(i, Timeout::Infinite()));
        ASSERT_OK(semaphore->Signal(i));
      }
    });
    int cancelled = 0;
    int notified = 0;
    for (uint64_t i = 1; i <= kIterations; ++i) {
      // On the stack, as a host waiter would have it.
      StackWait wait;
      Timepoint timepoint(i, &StackWait::Callback, &wait);
      ASSERT_EQ(*Timeline(semaphore).AcquireTimepoint(timepoint), Acquisition::kEnqueued);
      ASSERT_OK(armed->Signal(i));
      if (i % 3 == 0) std::this_thread::yield();
      if (Timeline(semaphore).CancelTimepoint(timepoint)) {
        ++cancelled;
        // Once the signal has certainly happened, the callback still must not run.
        ASSERT_OK(semaphore->Wait(i, Timeout::Infinite()));
        EXPECT_EQ(wait.calls.load(), 0);
      } else {
        ++notified;
        ASSERT_OK(wait.event.Wait(Timeout::Infinite()));
        EXPECT_EQ(wait.calls.load(), 1);
        EXPECT_OK(wait.status);
      }
    }
    signaller.join();
    EXPECT_EQ(cancelled + notified, static_cast<int>(kIterations));
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 0u);
    std::printf("cancel/signal race: %d cancelled first, %d notified first\n", cancelled,
                notified);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, TimedWaitsRacingWithSignalsAlwaysSettle) {
  constexpr uint64_t kIterations = 2000;
  CountingAllocator allocator;
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    std::thread signaller([&] {
      for (uint64_t i = 1; i <= kIterations; ++i) {
        ASSERT_OK(semaphore->Signal(i));
        if (i % 8 == 0) std::this_thread::sleep_for(10us);
      }
    });
    for (uint64_t i = 1; i <= kIterations; i += 3) {
      Status status = semaphore->Wait(i, Timeout::After(5us));
      EXPECT_TRUE(status.ok() || IsDeadlineExceeded(status)) << status;
    }
    signaller.join();
    EXPECT_EQ(Timeline(semaphore).pending_timepoint_count(), 0u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, DeviceProgressAdvancesAndIgnoresStaleValues) {
  CountingAllocator allocator;
  {
    Ref<DeviceLikeSemaphore> semaphore = MakeRef<DeviceLikeSemaphore>(allocator, 0);
    ASSERT_TRUE(semaphore);
    Recorder recorder;
    Timepoint device_signal(5, &Recorder::Callback, &recorder,
                            TimelineSemaphore::kFirstSubclassKind);
    Timepoint host_wait(7, &Recorder::Callback, &recorder);
    ASSERT_OK(semaphore->AcquireTimepoint(device_signal));
    ASSERT_OK(semaphore->AcquireTimepoint(host_wait));

    // A subclass finds its own timepoints in the shared list.
    Timepoint* found = nullptr;
    EXPECT_TRUE(semaphore->VisitTimepoints(4, [&](Timepoint& timepoint) {
      if (timepoint.kind != TimelineSemaphore::kFirstSubclassKind) return false;
      found = &timepoint;
      return true;
    }));
    EXPECT_EQ(found, &device_signal);
    EXPECT_FALSE(semaphore->VisitTimepoints(6, [&](Timepoint& timepoint) {
      return timepoint.kind == TimelineSemaphore::kFirstSubclassKind;
    }));

    EXPECT_OK(semaphore->AdvanceTo(5));
    EXPECT_EQ(recorder.count(), 1u);
    EXPECT_OK(semaphore->AdvanceTo(3));  // completion seen out of order: ignored
    EXPECT_EQ(*semaphore->Query(), 5u);
    EXPECT_TRUE(IsOutOfRange(semaphore->Signal(5)));
    EXPECT_OK(semaphore->Signal(7));
    EXPECT_EQ(recorder.count(), 2u);
    semaphore->Fail(InternalError("device fault"));
    EXPECT_EQ(semaphore->AdvanceTo(8), InternalError("device fault"));
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, DestroyingTheSemaphoreCancelsOrphanedTimepoints) {
  CountingAllocator allocator;
  Recorder recorder;
  Timepoint orphan(3, &Recorder::Callback, &recorder);
  {
    Ref<Semaphore> semaphore = NewHostSemaphore(allocator, 0);
    ASSERT_OK(Timeline(semaphore).AcquireTimepoint(orphan));
  }
  ASSERT_EQ(recorder.count(), 1u);
  EXPECT_TRUE(IsCancelled(recorder.statuses[0])) << recorder.statuses[0];
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(TimelineSemaphoreTest, CreateHostSemaphoreReportsAllocatorExhaustion) {
  CountingAllocator allocator;
  allocator.set_byte_limit(1);
  Result<Ref<Semaphore>> semaphore = CreateHostSemaphore(0, allocator);
  ASSERT_FALSE(semaphore.ok());
  EXPECT_TRUE(IsResourceExhausted(semaphore.status())) << semaphore.status();
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

}  // namespace
}  // namespace gpuhal
