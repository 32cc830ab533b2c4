// Timeline semaphores on their own: values, host signals and waits, failure, and
// multi-semaphore waits, for host semaphores and for the device's semaphores alike.
#include <thread>

#include "conformance/conformance_fixture.h"

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
    EXPECT_TRUE(host.ok()) << host.status();
    EXPECT_TRUE(on_device.ok()) << on_device.status();
    if (host.ok()) semaphores.push_back(std::move(host).value());
    if (on_device.ok()) semaphores.push_back(std::move(on_device).value());
    return semaphores;
  }
};
CTS_INSTANTIATE(SemaphoreTest);

TEST_P(SemaphoreTest, SignalAdvancesAndQueryReports) {
  for (Ref<Semaphore>& semaphore : BothKinds(5)) {
    Result<uint64_t> value = semaphore->Query();
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_EQ(*value, 5u);
    CTS_EXPECT_OK(semaphore->Signal(7));
    value = semaphore->Query();
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(*value, 7u);
  }
}

TEST_P(SemaphoreTest, SignalMustIncrease) {
  for (Ref<Semaphore>& semaphore : BothKinds(5)) {
    CTS_EXPECT_CODE(semaphore->Signal(5), kOutOfRange);
    CTS_EXPECT_CODE(semaphore->Signal(4), kOutOfRange);
    Result<uint64_t> value = semaphore->Query();
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(*value, 5u) << "a rejected signal must change nothing";
  }
}

TEST_P(SemaphoreTest, WaitOnReachedValueReturnsAtOnce) {
  for (Ref<Semaphore>& semaphore : BothKinds(3)) {
    CTS_EXPECT_OK(semaphore->Wait(0, Timeout::Immediate()));
    CTS_EXPECT_OK(semaphore->Wait(3, Timeout::Immediate()));
    CTS_EXPECT_CODE(semaphore->Wait(4, Timeout::Immediate()), kDeadlineExceeded);
    CTS_EXPECT_CODE(semaphore->Wait(4, Timeout::After(milliseconds(2))), kDeadlineExceeded);
  }
}

TEST_P(SemaphoreTest, LargerSignalSatisfiesSmallerWait) {
  for (Ref<Semaphore>& semaphore : BothKinds(0)) {
    CTS_EXPECT_OK(semaphore->Signal(100));
    CTS_EXPECT_OK(semaphore->Wait(1, Timeout::Immediate()));
    CTS_EXPECT_OK(semaphore->Wait(99, Timeout::Immediate()));
    CTS_EXPECT_OK(semaphore->Wait(100, Timeout::Immediate()));
  }
}

TEST_P(SemaphoreTest, HostSignalWakesBlockedWaiters) {
  for (Ref<Semaphore>& semaphore : BothKinds(0)) {
    Status first, second;
    std::thread waiter_a([&] { first = semaphore->Wait(2, LongTimeout()); });
    std::thread waiter_b([&] { second = semaphore->Wait(3, LongTimeout()); });
    std::this_thread::sleep_for(milliseconds(5));
    CTS_EXPECT_OK(semaphore->Signal(3));
    waiter_a.join();
    waiter_b.join();
    CTS_EXPECT_OK(first);
    CTS_EXPECT_OK(second);
  }
}

TEST_P(SemaphoreTest, FailureIsTerminalAndFirstFailureWins) {
  for (Ref<Semaphore>& semaphore : BothKinds(1)) {
    semaphore->Fail(AbortedError("first"));
    semaphore->Fail(InternalError("second"));
    Result<uint64_t> value = semaphore->Query();
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.status().code(), StatusCode::kAborted) << value.status();
    CTS_EXPECT_CODE(semaphore->Wait(1, Timeout::Immediate()), kAborted);
    CTS_EXPECT_CODE(semaphore->Wait(2, LongTimeout()), kAborted);
    CTS_EXPECT_CODE(semaphore->Signal(2), kAborted);
  }
}

TEST_P(SemaphoreTest, FailureWakesBlockedWaiters) {
  for (Ref<Semaphore>& semaphore : BothKinds(0)) {
    Status waited;
    std::thread waiter([&] { waited = semaphore->Wait(1, LongTimeout()); });
    std::this_thread::sleep_for(milliseconds(5));
    semaphore->Fail(CancelledError("stop"));
    waiter.join();
    CTS_EXPECT_CODE(waited, kCancelled);
  }
}

TEST_P(SemaphoreTest, FailWithOkStatusRecordsUnknown) {
  for (Ref<Semaphore>& semaphore : BothKinds(0)) {
    semaphore->Fail(OkStatus());
    CTS_EXPECT_CODE(semaphore->Query(), kUnknown);
  }
}

TEST_P(SemaphoreTest, WaitAllMixesHostAndDeviceSemaphores) {
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Semaphore> host, NewHostSemaphore(0));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Semaphore> on_device, NewSemaphore(0));
  const SemaphorePoint points[] = {{host.get(), 1}, {on_device.get(), 2}};
  CTS_EXPECT_CODE(device().WaitSemaphores(WaitMode::kAll, points, Timeout::Immediate()),
                  kDeadlineExceeded);
  CTS_ASSERT_OK(host->Signal(1));
  CTS_EXPECT_CODE(WaitSemaphores(WaitMode::kAll, points, Timeout::Immediate()), kDeadlineExceeded);
  std::thread signaller([&] {
    std::this_thread::sleep_for(milliseconds(5));
    on_device->Signal(5).IgnoreError();
  });
  CTS_EXPECT_OK(device().WaitSemaphores(WaitMode::kAll, points, LongTimeout()));
  signaller.join();
}

TEST_P(SemaphoreTest, WaitAnyReturnsAReachedPoint) {
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Semaphore> host, NewHostSemaphore(0));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Semaphore> on_device, NewSemaphore(0));
  const SemaphorePoint points[] = {{host.get(), 1}, {on_device.get(), 1}};
  CTS_EXPECT_CODE(WaitAnySemaphore(points, Timeout::Immediate()), kDeadlineExceeded);
  std::thread signaller([&] {
    std::this_thread::sleep_for(milliseconds(5));
    on_device->Signal(1).IgnoreError();
  });
  Result<size_t> index = WaitAnySemaphore(points, LongTimeout());
  signaller.join();
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(*index, 1u);
  CTS_EXPECT_OK(device().WaitSemaphores(WaitMode::kAny, points, Timeout::Immediate()));
}

TEST_P(SemaphoreTest, WaitAnyPrefersReachedPointOverFailure) {
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Semaphore> failed, NewSemaphore(0));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Semaphore> reached, NewHostSemaphore(4));
  failed->Fail(DataLossError("gone"));
  const SemaphorePoint both[] = {{failed.get(), 1}, {reached.get(), 4}};
  Result<size_t> index = WaitAnySemaphore(both, LongTimeout());
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(*index, 1u);
  const SemaphorePoint only_failed[] = {{failed.get(), 1}, {reached.get(), 5}};
  CTS_EXPECT_CODE(WaitAnySemaphore(only_failed, LongTimeout()), kDataLoss);
  CTS_EXPECT_CODE(WaitSemaphores(WaitMode::kAll, both, LongTimeout()), kDataLoss);
}

TEST_P(SemaphoreTest, MalformedWaitListsAreInvalid) {
  CTS_EXPECT_CODE(device().WaitSemaphores(WaitMode::kAll, {}, Timeout::Immediate()),
                  kInvalidArgument);
  const SemaphorePoint null_point[] = {{nullptr, 1}};
  CTS_EXPECT_CODE(device().WaitSemaphores(WaitMode::kAny, null_point, Timeout::Immediate()),
                  kInvalidArgument);
}

}  // namespace
}  // namespace gpuhal::conformance
