// Prepared stream replays (stream_replay_plan.h): a reusable stream-mode recording is
// resolved into a plan of vendor calls on its first submission, and later submissions
// make the plan's calls, with the same effects and the same errors as a replay. A
// type-parameterized suite over the vendor, instantiated by stream_replay_plan_cuda_test.cc
// and stream_replay_plan_hip_test.cc.
#ifndef GPUHAL_BACKENDS_GPU_TESTING_STREAM_REPLAY_PLAN_TEST_SUITE_H_
#define GPUHAL_BACKENDS_GPU_TESTING_STREAM_REPLAY_PLAN_TEST_SUITE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backends/gpu/testing/command_test_harness.h"
#include "backends/gpu/command_half.h"
#include "backends/gpu/gpu_event.h"
#include "backends/gpu/stream_replay_plan.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu::testing {

template <typename V>
class StreamReplayPlanTest : public ::testing::Test {
 protected:
  using Spec = typename FakeGpu<V>::KernelSpec;

  void SetUp() override { OpenGpu(); }

  // A fresh simulated GPU with the suite's kernels loaded (a failed launch is sticky).
  void OpenGpu() {
    executable_.reset();
    layouts_.clear();
    auto gpu = FakeGpu<V>::Create(CommandBufferMode::kStream);
    ASSERT_OK(gpu) << gpu.status();
    gpu_ = std::move(*gpu);
    auto executable = gpu_->LoadKernels(
        {Spec{"fill_u32", {1}, 1, {4, 1, 1}}, Spec{"record_grid", {1}, 0}}, &layouts_);
    ASSERT_OK(executable) << executable.status();
    executable_ = *executable;
  }

  Ref<Buffer> NewBuffer(size_t length) {
    auto buffer = gpu_->Allocate(length);
    EXPECT_OK(buffer) << buffer.status();
    if (!buffer.ok()) return nullptr;
    EXPECT_OK(gpu_->Write(**buffer, 0, std::vector<uint8_t>(length, 0)));
    return *buffer;
  }
  Ref<CommandBuffer> NewCommandBuffer(CommandBufferUsage usage = CommandBufferUsage::kReusable) {
    auto command_buffer = gpu_->CreateCommandBuffer(CommandBufferMode::kStream, usage);
    EXPECT_OK(command_buffer) << command_buffer.status();
    return command_buffer.ok() ? *command_buffer : nullptr;
  }
  // The plan kept for `command_buffer`, if any.
  static const StreamReplayPlan<V>* PlanOf(CommandBuffer& command_buffer) {
    auto* recording = DynCast<DeferredCommandBuffer>(&command_buffer);
    EXPECT_NE(recording, nullptr);
    return recording ? static_cast<const StreamReplayPlan<V>*>(
                           recording->prepared(&StreamReplayPlan<V>::kKind))
                     : nullptr;
  }
  std::vector<uint32_t> ReadU32(Buffer& buffer, size_t count) {
    auto values = gpu_->template ReadValues<uint32_t>(buffer, 0, count);
    EXPECT_OK(values) << values.status();
    return values.ok() ? *values : std::vector<uint32_t>();
  }
  void Clear(Buffer& buffer) {
    EXPECT_OK(gpu_->Write(buffer, 0, std::vector<uint8_t>(buffer.byte_length(), 0)));
  }
  // Records: fill `filled` with 5, update `updated`, copy `filled` into `copied`, and
  // dispatch fill_u32 (value `value`, 4 threads per workgroup) over `dispatched`.
  Status RecordEveryStreamCall(CommandBuffer& cb, Buffer& filled, Buffer& updated,
                               Buffer& copied, Buffer& dispatched, uint32_t value) {
    GPUHAL_RETURN_IF_ERROR(cb.Begin());
    const uint32_t five = 5;
    GPUHAL_RETURN_IF_ERROR(cb.FillBuffer({&filled, 0, 16}, &five, 4));
    const uint32_t words[] = {10, 11, 12, 13};
    GPUHAL_RETURN_IF_ERROR(cb.UpdateBuffer(words, {&updated, 0, sizeof(words)}));
    GPUHAL_RETURN_IF_ERROR(
        cb.ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
    GPUHAL_RETURN_IF_ERROR(cb.CopyBuffer({&filled, 0, 16}, copied, 0));
    GPUHAL_RETURN_IF_ERROR(cb.BeginDebugGroup("dispatch", 0));
    const BufferBinding binding{0, &dispatched, 0, kWholeBuffer};
    GPUHAL_RETURN_IF_ERROR(cb.PushDescriptorSet(*layouts_[0], 0, {&binding, 1}));
    GPUHAL_RETURN_IF_ERROR(
        cb.PushConstants(*layouts_[0], 0, {reinterpret_cast<const uint8_t*>(&value), 4}));
    GPUHAL_RETURN_IF_ERROR(cb.Dispatch(*executable_, 0, {2, 1, 1}));
    GPUHAL_RETURN_IF_ERROR(cb.EndDebugGroup());
    return cb.End();
  }

  std::unique_ptr<FakeGpu<V>> gpu_;
  std::vector<Ref<PipelineLayout>> layouts_;
  Ref<Executable> executable_;
};
TYPED_TEST_SUITE_P(StreamReplayPlanTest);

TYPED_TEST_P(StreamReplayPlanTest, AReusableRecordingIsPreparedOnceAndRunsFromItsPlan) {
  Ref<Buffer> filled = this->NewBuffer(16);
  Ref<Buffer> updated = this->NewBuffer(16);
  Ref<Buffer> copied = this->NewBuffer(16);
  Ref<Buffer> dispatched = this->NewBuffer(32);
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(this->RecordEveryStreamCall(*cb, *filled, *updated, *copied, *dispatched, 9));
  EXPECT_EQ(this->PlanOf(*cb), nullptr);

  ASSERT_OK(this->gpu_->Submit(*cb));
  const StreamReplayPlan<TypeParam>* plan = this->PlanOf(*cb);
  ASSERT_NE(plan, nullptr);
  for (int submission = 0; submission < 3; ++submission) {
    SCOPED_TRACE(submission);
    EXPECT_EQ(this->ReadU32(*filled, 4), std::vector<uint32_t>(4, 5));
    EXPECT_EQ(this->ReadU32(*updated, 4), (std::vector<uint32_t>{10, 11, 12, 13}));
    EXPECT_EQ(this->ReadU32(*copied, 4), std::vector<uint32_t>(4, 5));
    EXPECT_EQ(this->ReadU32(*dispatched, 8), std::vector<uint32_t>(8, 9));
    for (Buffer* buffer : {filled.get(), updated.get(), copied.get(), dispatched.get()}) {
      this->Clear(*buffer);
    }
    ASSERT_OK(this->gpu_->Submit(*cb));
    EXPECT_EQ(this->PlanOf(*cb), plan);  // prepared once, used since
  }
}

TYPED_TEST_P(StreamReplayPlanTest, EventsInARecordingAreRecordedAndWaitedOnFromThePlan) {
  ASSERT_OK_AND_ASSIGN(Ref<Event> event, CreateGpuEvent(this->gpu_->context()));
  ASSERT_OK_AND_ASSIGN(auto other_stream, this->gpu_->vendor().CreateStream());
  Ref<Buffer> a = this->NewBuffer(1 << 12);
  Ref<Buffer> b = this->NewBuffer(1 << 12);
  Ref<CommandBuffer> producer = this->NewCommandBuffer();
  Ref<CommandBuffer> consumer = this->NewCommandBuffer();
  ASSERT_OK(producer->Begin());
  const uint32_t pattern = 0x600DF00D;
  ASSERT_OK(producer->FillBuffer({a.get(), 0, kWholeBuffer}, &pattern, 4));
  ASSERT_OK(producer->SignalEvent(*event, ExecutionStage::kTransfer));
  ASSERT_OK(producer->End());
  ASSERT_OK(consumer->Begin());
  Event* events[] = {event.get()};
  ASSERT_OK(
      consumer->WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
  ASSERT_OK(consumer->CopyBuffer({a.get(), 0, kWholeBuffer}, *b, 0));
  ASSERT_OK(consumer->End());
  for (int submission = 0; submission < 2; ++submission) {
    SCOPED_TRACE(submission);
    ASSERT_OK(IssueCommandBuffer(this->gpu_->context(), *producer, this->gpu_->stream()));
    ASSERT_OK(IssueCommandBuffer(this->gpu_->context(), *consumer, other_stream));
    ASSERT_OK(this->gpu_->vendor().SynchronizeStream(other_stream));
    EXPECT_NE(this->PlanOf(*producer), nullptr);
    EXPECT_NE(this->PlanOf(*consumer), nullptr);
    EXPECT_EQ(this->ReadU32(*b, 1024), std::vector<uint32_t>(1024, pattern));
    this->Clear(*a);
    this->Clear(*b);
  }
  ASSERT_OK(this->gpu_->vendor().DestroyStream(other_stream));
}

TYPED_TEST_P(StreamReplayPlanTest, AOneShotRecordingIsReplayedNotPrepared) {
  Ref<Buffer> filled = this->NewBuffer(16);
  Ref<Buffer> updated = this->NewBuffer(16);
  Ref<Buffer> copied = this->NewBuffer(16);
  Ref<Buffer> dispatched = this->NewBuffer(32);
  Ref<CommandBuffer> cb = this->NewCommandBuffer(CommandBufferUsage::kOneShot);
  ASSERT_OK(this->RecordEveryStreamCall(*cb, *filled, *updated, *copied, *dispatched, 3));
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->PlanOf(*cb), nullptr);
  EXPECT_EQ(this->ReadU32(*copied, 4), std::vector<uint32_t>(4, 5));
  EXPECT_EQ(this->ReadU32(*dispatched, 8), std::vector<uint32_t>(8, 3));
}

// An indirect dispatch reads its workgroup count when it is issued, and a nested command
// buffer may be recorded again: such recordings are replayed on every submission.
TYPED_TEST_P(StreamReplayPlanTest, RecordingsThatNeedMoreThanStreamCallsAreReplayedEveryTime) {
  Ref<Buffer> parameters = this->NewBuffer(16);
  Ref<Buffer> grid = this->NewBuffer(16);
  Ref<CommandBuffer> indirect = this->NewCommandBuffer();
  const BufferBinding grid_binding{0, grid.get(), 0, kWholeBuffer};
  ASSERT_OK(indirect->Begin());
  ASSERT_OK(indirect->PushDescriptorSet(*this->layouts_[1], 0, {&grid_binding, 1}));
  ASSERT_OK(indirect->DispatchIndirect(*this->executable_, 1, {parameters.get(), 0, 12}));
  ASSERT_OK(indirect->End());
  ASSERT_OK(this->gpu_->template WriteValues<uint32_t>(*parameters, 0, {3, 2, 1}));
  ASSERT_OK(this->gpu_->Submit(*indirect));
  EXPECT_EQ(this->ReadU32(*grid, 4), (std::vector<uint32_t>{3, 2, 1, 1}));
  ASSERT_OK(this->gpu_->template WriteValues<uint32_t>(*parameters, 0, {4, 5, 6}));
  ASSERT_OK(this->gpu_->Submit(*indirect));
  EXPECT_EQ(this->ReadU32(*grid, 4), (std::vector<uint32_t>{4, 5, 6, 2}));
  EXPECT_EQ(this->PlanOf(*indirect), nullptr);

  Ref<Buffer> target = this->NewBuffer(16);
  Ref<CommandBuffer> nested = this->NewCommandBuffer();
  Ref<CommandBuffer> outer = this->NewCommandBuffer();
  const uint32_t first = 1, second = 2;
  ASSERT_OK(nested->Begin());
  ASSERT_OK(nested->FillBuffer({target.get(), 0, 16}, &first, 4));
  ASSERT_OK(nested->End());
  ASSERT_OK(outer->Begin());
  ASSERT_OK(outer->ExecuteCommands(*nested));
  ASSERT_OK(outer->End());
  ASSERT_OK(this->gpu_->Submit(*outer));
  EXPECT_EQ(this->ReadU32(*target, 4), std::vector<uint32_t>(4, first));
  // The nested recording changes; the outer one, replayed again, follows it.
  ASSERT_OK(nested->Begin());
  ASSERT_OK(nested->FillBuffer({target.get(), 0, 16}, &second, 4));
  ASSERT_OK(nested->End());
  ASSERT_OK(this->gpu_->Submit(*outer));
  EXPECT_EQ(this->ReadU32(*target, 4), std::vector<uint32_t>(4, second));
  EXPECT_EQ(this->PlanOf(*outer), nullptr);
}

TYPED_TEST_P(StreamReplayPlanTest, RecordingAgainDropsThePlan) {
  Ref<Buffer> a = this->NewBuffer(16);
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  const uint32_t first = 1, second = 2;
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->FillBuffer({a.get(), 0, 16}, &first, 4));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_NE(this->PlanOf(*cb), nullptr);

  ASSERT_OK(cb->Begin());
  EXPECT_EQ(this->PlanOf(*cb), nullptr);
  ASSERT_OK(cb->FillBuffer({a.get(), 8, 8}, &second, 4));
  ASSERT_OK(cb->End());
  this->Clear(*a);
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_NE(this->PlanOf(*cb), nullptr);
  EXPECT_EQ(this->ReadU32(*a, 4), (std::vector<uint32_t>{0, 0, second, second}));
}

// A failing call of a plan is reported as the replay reports it: the recorded command's
// index and name, then the call.
TYPED_TEST_P(StreamReplayPlanTest, AFailedCallNamesItsCommandAsAReplayDoes) {
  // On a fresh GPU each time: a failed launch leaves the simulated context failed, as a
  // real one is.
  auto fail_next_launch = [&](CommandBufferUsage usage, int submissions_before) -> Status {
    this->OpenGpu();
    Ref<Buffer> filled = this->NewBuffer(16);
    Ref<Buffer> updated = this->NewBuffer(16);
    Ref<Buffer> copied = this->NewBuffer(16);
    Ref<Buffer> dispatched = this->NewBuffer(32);
    Ref<CommandBuffer> cb = this->NewCommandBuffer(usage);
    GPUHAL_RETURN_IF_ERROR(
        this->RecordEveryStreamCall(*cb, *filled, *updated, *copied, *dispatched, 1));
    for (int i = 0; i < submissions_before; ++i) GPUHAL_RETURN_IF_ERROR(this->gpu_->Submit(*cb));
    this->gpu_->engine().fault_injector().AddRule(FakePlatform<TypeParam>::LaunchFailureRule());
    Status status = IssueCommandBuffer(this->gpu_->context(), *cb, this->gpu_->stream());
    EXPECT_EQ(this->PlanOf(*cb) != nullptr, usage == CommandBufferUsage::kReusable);
    return status;
  };
  const Status from_plan = fail_next_launch(CommandBufferUsage::kReusable, 1);
  const Status from_replay = fail_next_launch(CommandBufferUsage::kOneShot, 0);
  ASSERT_FALSE(from_plan.ok());
  EXPECT_EQ(from_plan.code(), from_replay.code());
  EXPECT_EQ(from_plan.message(), from_replay.message());
  EXPECT_THAT(std::string(from_plan.message()),
              ::testing::StartsWith("replaying command 7 (Dispatch): dispatch of 'fill_u32': "));
}

// A recording whose replay fails (here: a dispatch without its binding) is not prepared,
// and every submission reports the replay's error.
TYPED_TEST_P(StreamReplayPlanTest, ARecordingThatFailsToReplayReportsItsErrorEveryTime) {
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  // The validating shim refuses a dispatch without its bindings when it is recorded: the
  // recording underneath it is made directly, as a caller past the shim could.
  CommandBuffer& recording = *cb->Unwrapped();
  ASSERT_OK(recording.Begin());
  const uint32_t value = 1;
  ASSERT_OK(recording.PushConstants(*this->layouts_[0], 0,
                                    {reinterpret_cast<const uint8_t*>(&value), 4}));
  ASSERT_OK(recording.Dispatch(*this->executable_, 0, {1, 1, 1}));
  ASSERT_OK(recording.End());
  for (int submission = 0; submission < 2; ++submission) {
    Status status = IssueCommandBuffer(this->gpu_->context(), *cb, this->gpu_->stream());
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status;
    EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("has no buffer"));
  }
  EXPECT_EQ(this->PlanOf(*cb), nullptr);
}

// What a plan resolved (kernels, addresses) belongs to the device it was prepared for:
// another device neither uses the plan nor accepts the recording.
TYPED_TEST_P(StreamReplayPlanTest, APlanServesOnlyTheDeviceItWasPreparedFor) {
  Ref<Buffer> a = this->NewBuffer(16);
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  const uint32_t value = 4;
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->FillBuffer({a.get(), 0, 16}, &value, 4));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  const StreamReplayPlan<TypeParam>* plan = this->PlanOf(*cb);
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(plan->Serves(this->gpu_->vendor()));

  ASSERT_OK_AND_ASSIGN(auto other, FakeGpu<TypeParam>::Create(CommandBufferMode::kStream));
  EXPECT_FALSE(plan->Serves(other->vendor()));
  Status status = IssueCommandBuffer(other->context(), *cb, other->stream());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("created by another"));
  EXPECT_EQ(this->PlanOf(*cb), plan);
  this->Clear(*a);
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*a, 4), std::vector<uint32_t>(4, value));
}

REGISTER_TYPED_TEST_SUITE_P(StreamReplayPlanTest,
                            AReusableRecordingIsPreparedOnceAndRunsFromItsPlan,
                            EventsInARecordingAreRecordedAndWaitedOnFromThePlan,
                            AOneShotRecordingIsReplayedNotPrepared,
                            RecordingsThatNeedMoreThanStreamCallsAreReplayedEveryTime,
                            RecordingAgainDropsThePlan, AFailedCallNamesItsCommandAsAReplayDoes,
                            ARecordingThatFailsToReplayReportsItsErrorEveryTime,
                            APlanServesOnlyTheDeviceItWasPreparedFor);

GPUHAL_VENDOR_TYPED_SUITE(StreamReplayPlanTest);

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_STREAM_REPLAY_PLAN_TEST_SUITE_H_
