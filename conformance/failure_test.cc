// Failure propagation: a failed semaphore, or a device fault, reaches every semaphore
// that depends on it and every host waiter, with the failure's status.
#include <thread>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

class FailureTest : public ConformanceTest {};
CTS_INSTANTIATE(FailureTest);

TEST_P(FailureTest, HostFailureUpstreamReachesEveryDownstreamSemaphore) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(256));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> upstream, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> middle, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> downstream, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> unrelated, NewSemaphore(0));
  const uint32_t value = 5;
  // Submitted twice: reusable (a one-shot command buffer runs once).
  CommandBufferParams reusable;
  reusable.usage = CommandBufferUsage::kReusable;
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill, Record(
                                                        [&](CommandBuffer& commands) {
                                                          return commands.FillBuffer(
                                                              {buffer.get()}, &value, 4);
                                                        },
                                                        reusable));
  ASSERT_OK(Submit(*fill, {{upstream.get(), 1}}, {{middle.get(), 1}}));
  ASSERT_OK(Submit(*fill, {{middle.get(), 1}}, {{downstream.get(), 1}, {unrelated.get(), 1}}));
  upstream->Fail(AbortedError("upstream producer gave up"));
  EXPECT_THAT(middle->Wait(1, LongTimeout()), StatusIs(StatusCode::kAborted));
  EXPECT_THAT(downstream->Wait(1, LongTimeout()), StatusIs(StatusCode::kAborted));
  EXPECT_THAT(unrelated->Query(), StatusIs(StatusCode::kAborted));
}

TEST_P(FailureTest, SubmissionWaitingOnAlreadyFailedSemaphoreFailsItsSignals) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> failed, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  failed->Fail(DataLossError("lost"));
  const SemaphorePoint waits[] = {{failed.get(), 1}}, signals[] = {{done.get(), 1}};
  const Status submitted = device().QueueBarrier(kAnyQueue, waits, signals);
  // Either the submission is refused with the failure, or it is accepted and the failure
  // reaches its signal; it must never run as if the wait had been met.
  if (!submitted.ok()) {
    EXPECT_EQ(submitted.code(), StatusCode::kDataLoss) << submitted;
  } else {
    EXPECT_THAT(done->Wait(1, LongTimeout()), StatusIs(StatusCode::kDataLoss));
  }
}

TEST_P(FailureTest, FailureReachesHostWaitersOfDeviceWork) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  const SemaphorePoint waits[] = {{gate.get(), 1}}, signals[] = {{done.get(), 1}};
  ASSERT_OK(device().QueueBarrier(kAnyQueue, waits, signals));
  Status waited;
  std::thread waiter([&] { waited = done->Wait(1, LongTimeout()); });
  gate->Fail(CancelledError("cancelled by the test"));
  waiter.join();
  EXPECT_THAT(waited, StatusIs(StatusCode::kCancelled));
}

// A kernel that writes far outside its buffer faults the device; the submission's
// signals fail, and so does work waiting on them. Only on the simulated GPU: on a real
// GPU the fault would take the context down for every later case.
TEST_P(FailureTest, DeviceFaultFailsSignalsAndDependents) {
  if (!simulated()) GTEST_SKIP() << "faults a real GPU's context";
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_out_of_bounds"}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(64));
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> fault, Record([&](CommandBuffer& commands) {
        const SetBindings sets[] = {{0, {{0, buffer.get()}}}};
        const uint32_t constants[] = {1};
        return RecordDispatch(commands, kernels, 0, sets, constants, {1, 1, 1});
      }));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> faulted, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> downstream, NewSemaphore(0));
  const SemaphorePoint after_fault[] = {{faulted.get(), 1}};
  const SemaphorePoint downstream_signal[] = {{downstream.get(), 1}};
  // A sticky fault may already surface while the submission itself is issued (as on a
  // real GPU, where any later call reports it), so QueueExecute may return it; either
  // way the submission's signal must fail rather than hang.
  const Status submitted = Submit(*fault, {}, {{faulted.get(), 1}});
  if (!submitted.ok()) {
    EXPECT_NE(submitted.code(), StatusCode::kInvalidArgument) << submitted;
  }
  const Status barrier = device().QueueBarrier(kAnyQueue, after_fault, downstream_signal);
  const Status waited = faulted->Wait(1, Timeout::After(std::chrono::seconds(5)));
  EXPECT_FALSE(waited.ok()) << "a faulting dispatch signalled success";
  EXPECT_NE(waited.code(), StatusCode::kDeadlineExceeded) << waited;
  if (barrier.ok()) {
    const Status downstream_waited = downstream->Wait(1, Timeout::After(std::chrono::seconds(5)));
    EXPECT_FALSE(downstream_waited.ok());
    EXPECT_NE(downstream_waited.code(), StatusCode::kDeadlineExceeded) << downstream_waited;
  }
}

}  // namespace
}  // namespace gpuhal::conformance
