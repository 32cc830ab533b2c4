// Timeline semaphores on their own: values, host signals and waits, failure, and
// multi-semaphore waits, for host semaphores and for the device's semaphores alike.
#include <thread>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

using std::chrono::milliseconds;

class SemaphoreTest : public ConformanceTest {
 protected:
  // Both kinds, so every rule below holds for host and device semaphores.
  std::vector<Ref<Semaphore>> BothKinds(uint64_t initial_value) {
    std::vector<Ref<Semaphore>> semaphores;
    Result<Ref<Semaphore>> host = NewHostSemaphore(initial_value);
    Result<Ref<Semaphore>> on_device = NewSemaphore(initial_value);
    EXPECT_OK(host) << host.status();
    EXPECT_OK(on_device) << on_device.status();
    if (host.ok()) semaphores.push_back(std::move(host).value());
    if (on_device.ok()) semaphores.push_back(std::move(on_device).value());
    return semaphores;
  }
};
CTS_INSTANTIATE(SemaphoreTest);

TEST_P(SemaphoreTest, SignalAdvancesAndQueryReports) {
  for (Ref<Semaphore>& semaphore : BothKinds(5)) {
    Result<uint64_t> value = semaphore->Query();
    ASSERT_OK(value) << value.status();
    EXPECT_EQ(*value, 5u);
    EXPECT_OK(semaphore->Signal(7));
    value = semaphore->Query();
    ASSERT_OK(value);
    EXPECT_EQ(*value, 7u);
  }
}

TEST_P(SemaphoreTest, SignalMustIncrease) {
  for (Ref<Semaphore>& semaphore : BothKinds(5)) {
    EXPECT_THAT(semaphore->Signal(5), StatusIs(StatusCode::kOutOfRange));
    EXPECT_THAT(semaphore->Signal(4), StatusIs(StatusCode::kOutOfRange));
    Result<uint64_t> value = semaphore->Query();
    ASSERT_OK(value);
    EXPECT_EQ(*value, 5u) << "a rejected signal must change nothing";
  }
}

TEST_P(SemaphoreTest, WaitOnReachedValueReturnsAtOnce) {
  for (Ref<Semaphore>& semaphore : BothKinds(3)) {
    EXPECT_OK(semaphore->Wait(0, Timeout::Immediate()));
    EXPECT_OK(semaphore->Wait(3, Timeout::Immediate()));
    EXPECT_THAT(semaphore->Wait(4, Timeout::Immediate()), StatusIs(StatusCode::kDeadlineExceeded));
    EXPECT_THAT(semaphore->Wait(4, Timeout::After(milliseconds(2))), StatusIs(StatusCode::kDeadlineExceeded));
  }
}

TEST_P(SemaphoreTest, LargerSignalSatisfiesSmallerWait) {
  for (Ref<Semaphore>& semaphore : BothKinds(0)) {
    EXPECT_OK(semaphore->Signal(100));
    EXPECT_OK(semaphore->Wait(1, Timeout::Immediate()));
    EXPECT_OK(semaphore->Wait(99, Timeout::Immediate()));
    EXPECT_OK(semaphore->Wait(100, Timeout::Immediate()));
  }
}

TEST_P(SemaphoreTest, HostSignalWakesBlockedWaiters) {
  for (Ref<Semaphore>& semaphore : BothKinds(0)) {
    Status first, second;
    std::thread waiter_a([&] { first = semaphore->Wait(2, LongTimeout()); });
    std::thread waiter_b([&] { second = semaphore->Wait(3, LongTimeout()); });
    std::this_thread::sleep_for(milliseconds(5));
    EXPECT_OK(semaphore->Signal(3));
    waiter_a.join();
    waiter_b.join();
    EXPECT_OK(first);
    EXPECT_OK(second);
  }
}

TEST_P(SemaphoreTest, FailureIsTerminalAndFirstFailureWins) {
  for (Ref<Semaphore>& semaphore : BothKinds(1)) {
    semaphore->Fail(AbortedError("first"));
    semaphore->Fail(InternalError("second"));
    Result<uint64_t> value = semaphore->Query();
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.status().code(), StatusCode::kAborted) << value.status();
    EXPECT_THAT(semaphore->Wait(1, Timeout::Immediate()), StatusIs(StatusCode::kAborted));
    EXPECT_THAT(semaphore->Wait(2, LongTimeout()), StatusIs(StatusCode::kAborted));
    EXPECT_THAT(semaphore->Signal(2), StatusIs(StatusCode::kAborted));
  }
}

TEST_P(SemaphoreTest, FailureWakesBlockedWaiters) {
  for (Ref<Semaphore>& semaphore : BothKinds(0)) {
    Status waited;
    std::thread waiter([&] { waited = semaphore->Wait(1, LongTimeout()); });
    std::this_thread::sleep_for(milliseconds(5));
    semaphore->Fail(CancelledError("stop"));
    waiter.join();
    EXPECT_THAT(waited, StatusIs(StatusCode::kCancelled));
  }
}

TEST_P(SemaphoreTest, FailWithOkStatusRecordsUnknown) {
  for (Ref<Semaphore>& semaphore : BothKinds(0)) {
    semaphore->Fail(OkStatus());
    EXPECT_THAT(semaphore->Query(), StatusIs(StatusCode::kUnknown));
  }
}

TEST_P(SemaphoreTest, WaitAllMixesHostAndDeviceSemaphores) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> host, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> on_device, NewSemaphore(0));
  const SemaphorePoint points[] = {{host.get(), 1}, {on_device.get(), 2}};
  EXPECT_THAT(device().WaitSemaphores(WaitMode::kAll, points, Timeout::Immediate()), StatusIs(StatusCode::kDeadlineExceeded));
  ASSERT_OK(host->Signal(1));
  EXPECT_THAT(WaitSemaphores(WaitMode::kAll, points, Timeout::Immediate()), StatusIs(StatusCode::kDeadlineExceeded));
  std::thread signaller([&] {
    std::this_thread::sleep_for(milliseconds(5));
    on_device->Signal(5).IgnoreError();
  });
  EXPECT_OK(device().WaitSemaphores(WaitMode::kAll, points, LongTimeout()));
  signaller.join();
}

TEST_P(SemaphoreTest, WaitAnyReturnsAReachedPoint) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> host, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> on_device, NewSemaphore(0));
  const SemaphorePoint points[] = {{host.get(), 1}, {on_device.get(), 1}};
  EXPECT_THAT(WaitAnySemaphore(points, Timeout::Immediate()), StatusIs(StatusCode::kDeadlineExceeded));
  std::thread signaller([&] {
    std::this_thread::sleep_for(milliseconds(5));
    on_device->Signal(1).IgnoreError();
  });
  Result<size_t> index = WaitAnySemaphore(points, LongTimeout());
  signaller.join();
  ASSERT_OK(index) << index.status();
  EXPECT_EQ(*index, 1u);
  EXPECT_OK(device().WaitSemaphores(WaitMode::kAny, points, Timeout::Immediate()));
}

TEST_P(SemaphoreTest, WaitAnyPrefersReachedPointOverFailure) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> failed, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> reached, NewHostSemaphore(4));
  failed->Fail(DataLossError("gone"));
  const SemaphorePoint both[] = {{failed.get(), 1}, {reached.get(), 4}};
  Result<size_t> index = WaitAnySemaphore(both, LongTimeout());
  ASSERT_OK(index) << index.status();
  EXPECT_EQ(*index, 1u);
  const SemaphorePoint only_failed[] = {{failed.get(), 1}, {reached.get(), 5}};
  EXPECT_THAT(WaitAnySemaphore(only_failed, LongTimeout()), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(WaitSemaphores(WaitMode::kAll, both, LongTimeout()), StatusIs(StatusCode::kDataLoss));
}

TEST_P(SemaphoreTest, MalformedWaitListsAreInvalid) {
  EXPECT_THAT(device().WaitSemaphores(WaitMode::kAll, {}, Timeout::Immediate()), StatusIs(StatusCode::kInvalidArgument));
  const SemaphorePoint null_point[] = {{nullptr, 1}};
  EXPECT_THAT(device().WaitSemaphores(WaitMode::kAny, null_point, Timeout::Immediate()), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace gpuhal::conformance
