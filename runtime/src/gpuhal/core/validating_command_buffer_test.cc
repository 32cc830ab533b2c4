#include "gpuhal/core/validating_command_buffer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "gpuhal/core/deferred_command_buffer.h"
#include "gpuhal/core/testing/command_buffer_test_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ValidatingCommandBufferTest : public testing::CommandBufferTest {
 protected:
  void SetUp() override {
    CommandBufferTest::SetUp();
    shim_ = Wrap(*recorder_);
    ASSERT_OK(shim_->Begin());
    recorder_->ClearCalls();
  }
  void TearDown() override {
    shim_.reset();
    CommandBufferTest::TearDown();
  }

  Ref<ValidatingCommandBuffer> Wrap(CommandBuffer& wrapped) {
    auto shim = ValidatingCommandBuffer::Create(allocator_, wrapped);
    EXPECT_OK(shim) << shim.status();
    return *shim;
  }
  Ref<ValidatingCommandBuffer> MakeShim(CommandBufferUsage usage, CommandCategory categories,
                                        Ref<testing::RecordingCommandBuffer>* recorder) {
    CommandBufferParams params;
    params.usage = usage;
    params.categories = categories;
    *recorder = MakeRecorder(params);
    return Wrap(**recorder);
  }

  // The call failed with `code`, its message mentions `text`, and nothing was forwarded.
  void ExpectRejected(const Status& status, StatusCode code, std::string_view text) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(std::string(text)));
    EXPECT_TRUE(recorder_->calls().empty()) << recorder_->calls().front();
    recorder_->ClearCalls();
  }
  void ExpectForwarded(const Status& status) {
    EXPECT_OK(status) << status;
    EXPECT_EQ(recorder_->calls().size(), 1u);
    recorder_->ClearCalls();
  }

  // Pushes a buffer to every binding of the fixture's layout (sets 0 and 1), as a dispatch
  // needs; the recorder forgets the calls.
  void BindEverySet(CommandBuffer& shim, testing::RecordingCommandBuffer& recorder) {
    const BufferBinding set0[] = {{0, a_.get()}, {1, b_.get()}};
    const BufferBinding set1[] = {{4, a_.get()}};
    ASSERT_OK(shim.PushDescriptorSet(*layout_, 0, set0));
    ASSERT_OK(shim.PushDescriptorSet(*layout_, 1, set1));
    recorder.ClearCalls();
  }

  CollectiveOp Op(CollectiveKind kind, ReductionOp reduction = ReductionOp::kSum) {
    return {kind, reduction, ElementType::kFloat32};
  }

  Ref<ValidatingCommandBuffer> shim_;
};

// --- Recording state -------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, BeginTwiceIsFailedPrecondition) {
  ExpectRejected(shim_->Begin(), StatusCode::kFailedPrecondition, "already recording");
}

TEST_F(ValidatingCommandBufferTest, EndWithoutBeginIsFailedPrecondition) {
  Ref<testing::RecordingCommandBuffer> recorder;
  auto shim = MakeShim(CommandBufferUsage::kOneShot, CommandCategory::kAny, &recorder);
  Status status = shim->End();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("Begin()"));
  EXPECT_TRUE(recorder->calls().empty());
}

TEST_F(ValidatingCommandBufferTest, CommandsOutsideBeginEndAreFailedPrecondition) {
  Ref<testing::RecordingCommandBuffer> recorder;
  auto shim = MakeShim(CommandBufferUsage::kReusable, CommandCategory::kAny, &recorder);
  Status before = shim->Dispatch(*executable_, 0, {1, 1, 1});
  EXPECT_EQ(before.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(before.message()), HasSubstr("Dispatch"));
  EXPECT_THAT(std::string(before.message()), HasSubstr("has not begun"));
  ASSERT_OK(shim->Begin());
  ASSERT_OK(shim->End());
  const uint8_t byte = 0;
  Status after = shim->FillBuffer({a_.get(), 0, 4}, &byte, 1);
  EXPECT_EQ(after.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(after.message()), HasSubstr("already ended"));
  EXPECT_EQ(shim->BeginDebugGroup("x", 0).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(shim->SignalEvent(*event1_, ExecutionStage::kAll).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_THAT(recorder->calls(), ElementsAre("Begin()", "End()"));
}

TEST_F(ValidatingCommandBufferTest, OneShotCannotBeRecordedTwice) {
  Ref<testing::RecordingCommandBuffer> recorder;
  auto shim = MakeShim(CommandBufferUsage::kOneShot, CommandCategory::kAny, &recorder);
  ASSERT_OK(shim->Begin());
  ASSERT_OK(shim->End());
  Status again = shim->Begin();
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.message()), HasSubstr("one-shot"));
  EXPECT_THAT(recorder->calls(), ElementsAre("Begin()", "End()"));
}

TEST_F(ValidatingCommandBufferTest, ReusableCanBeReRecorded) {
  Ref<testing::RecordingCommandBuffer> recorder;
  auto shim = MakeShim(CommandBufferUsage::kReusable, CommandCategory::kAny, &recorder);
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(shim->Begin());
    BindEverySet(*shim, *recorder);
    ASSERT_OK(shim->Dispatch(*executable_, 0, {1, 1, 1}));
    ASSERT_OK(shim->End());
  }
  EXPECT_EQ(recorder->calls().size(), 2u);  // the second recording's Dispatch and End
  EXPECT_TRUE(shim->is_recorded());
}

TEST_F(ValidatingCommandBufferTest, FailedWrappedBeginLeavesStateUnchanged) {
  Ref<testing::RecordingCommandBuffer> recorder;
  auto shim = MakeShim(CommandBufferUsage::kOneShot, CommandCategory::kAny, &recorder);
  recorder->FailNextCall(UnavailableError("lost"));
  EXPECT_EQ(shim->Begin().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(shim->is_recording());
  EXPECT_OK(shim->Begin());
}

// --- Categories ------------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, DispatchInTransferOnlyBufferNamesTheCategory) {
  Ref<testing::RecordingCommandBuffer> recorder;
  auto shim = MakeShim(CommandBufferUsage::kOneShot, CommandCategory::kTransfer, &recorder);
  ASSERT_OK(shim->Begin());
  Status status = shim->Dispatch(*executable_, 0, {1, 1, 1});
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "Dispatch needs CommandCategory::kDispatch, but this command buffer allows only "
            "kTransfer");
  EXPECT_EQ(shim->PushConstants(*layout_, 0, {}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(shim->Collective(*channel_, Op(CollectiveKind::kAllReduce), 0, {a_.get(), 0, 4},
                             {b_.get(), 0, 4}, 1)
                .code(),
            StatusCode::kFailedPrecondition);
  const uint8_t byte = 1;
  EXPECT_OK(shim->FillBuffer({a_.get(), 0, 4}, &byte, 1));
  EXPECT_OK(shim->SignalEvent(*event1_, ExecutionStage::kAll));
  EXPECT_THAT(recorder->calls(), ElementsAre("Begin()", "FillBuffer(a[0, +4), pattern=01)",
                                             "SignalEvent(e1, 0x3f)"));
}

TEST_F(ValidatingCommandBufferTest, TransferInDispatchOnlyBufferIsRejected) {
  Ref<testing::RecordingCommandBuffer> recorder;
  auto shim = MakeShim(CommandBufferUsage::kOneShot, CommandCategory::kDispatch, &recorder);
  ASSERT_OK(shim->Begin());
  Status status = shim->CopyBuffer({a_.get(), 0, 4}, *b_, 0);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("kTransfer"));
  EXPECT_EQ(shim->DiscardBuffer({a_.get(), 0, 4}).code(), StatusCode::kFailedPrecondition);
}

// --- Debug groups ----------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, DebugGroupsMustBalance) {
  ExpectRejected(shim_->EndDebugGroup(), StatusCode::kFailedPrecondition, "no debug group");
  ExpectForwarded(shim_->BeginDebugGroup("a", 0));
  ExpectForwarded(shim_->BeginDebugGroup("b", 0));
  ExpectRejected(shim_->End(), StatusCode::kFailedPrecondition, "2 debug group(s) still open");
  ExpectForwarded(shim_->EndDebugGroup());
  ExpectForwarded(shim_->EndDebugGroup());
  ExpectRejected(shim_->EndDebugGroup(), StatusCode::kFailedPrecondition, "no debug group");
  ExpectForwarded(shim_->End());
}

// --- Buffers ---------------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, NullBuffersAreInvalidArgument) {
  const uint32_t pattern = 0;
  ExpectRejected(shim_->FillBuffer({nullptr, 0, 4}, &pattern, 4), StatusCode::kInvalidArgument,
                 "fill target buffer is null");
  ExpectRejected(shim_->DiscardBuffer({}), StatusCode::kInvalidArgument, "null");
  ExpectRejected(shim_->UpdateBuffer(&pattern, {nullptr, 0, 4}), StatusCode::kInvalidArgument,
                 "update target buffer is null");
  ExpectRejected(shim_->CopyBuffer({nullptr, 0, 4}, *b_, 0), StatusCode::kInvalidArgument,
                 "copy source buffer is null");
  ExpectRejected(shim_->DispatchIndirect(*executable_, 0, {}), StatusCode::kInvalidArgument,
                 "indirect workgroup count buffer is null");
}

TEST_F(ValidatingCommandBufferTest, RangesAreOutOfRangeWithTheOffendingValues) {
  const uint32_t pattern = 0;
  ExpectRejected(shim_->FillBuffer({a_.get(), 224, 64}, &pattern, 4), StatusCode::kOutOfRange,
                 "fill target range [offset 224, length 64) exceeds buffer length 256");
  ExpectRejected(shim_->FillBuffer({a_.get(), 260, kWholeBuffer}, &pattern, 4),
                 StatusCode::kOutOfRange, "fill target offset 260 exceeds buffer length 256");
  ExpectRejected(shim_->DiscardBuffer({a_.get(), 8, SIZE_MAX - 4}), StatusCode::kOutOfRange,
                 "discard range");
  // Exactly at the end is fine; kWholeBuffer resolves to the rest.
  ExpectForwarded(shim_->FillBuffer({a_.get(), 192, 64}, &pattern, 4));
  ExpectForwarded(shim_->FillBuffer({a_.get(), 192, kWholeBuffer}, &pattern, 4));
  ExpectForwarded(shim_->DiscardBuffer({a_.get(), 256, kWholeBuffer}));
}

TEST_F(ValidatingCommandBufferTest, UsageBitsArePermissionDenied) {
  auto source_only = MakeBuffer("source_only", 64, BufferUsage::kTransferSource);
  recorder_->SetName(source_only.get(), "source_only");
  const uint32_t pattern = 0;
  ExpectRejected(shim_->FillBuffer({source_only.get(), 0, 4}, &pattern, 4),
                 StatusCode::kPermissionDenied,
                 "fill target buffer's allowed usage (kTransferSource) lacks "
                 "BufferUsage::kTransferTarget");
  ExpectRejected(shim_->UpdateBuffer(&pattern, {source_only.get(), 0, 4}),
                 StatusCode::kPermissionDenied, "kTransferTarget");
  ExpectRejected(shim_->CopyBuffer({a_.get(), 0, 4}, *source_only, 0),
                 StatusCode::kPermissionDenied, "copy target");
  ExpectRejected(shim_->CopyBuffer({source_only.get(), 0, 4}, *source_only, 8),
                 StatusCode::kPermissionDenied, "copy target");
  const BufferBinding bindings[] = {{0, source_only.get(), 0, 4}};
  ExpectRejected(shim_->PushDescriptorSet(*layout_, 0, bindings), StatusCode::kPermissionDenied,
                 "kDispatchStorage");
  ExpectRejected(shim_->DispatchIndirect(*executable_, 0, {source_only.get(), 0, 12}),
                 StatusCode::kPermissionDenied, "kDispatchIndirectParameters");
  auto target_only = MakeBuffer("target_only", 64, BufferUsage::kTransferTarget);
  ExpectRejected(shim_->CopyBuffer({target_only.get(), 0, 4}, *a_, 0),
                 StatusCode::kPermissionDenied, "copy source buffer's allowed usage");
  ExpectForwarded(shim_->CopyBuffer({source_only.get(), 0, 4}, *target_only, 0));
}

// --- Fill and update -------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, FillPatternLengthMustBeOneTwoOrFour) {
  const uint64_t pattern = 0;
  ExpectRejected(shim_->FillBuffer({a_.get(), 0, 24}, &pattern, 3), StatusCode::kInvalidArgument,
                 "fill pattern length 3 is not 1, 2 or 4");
  ExpectRejected(shim_->FillBuffer({a_.get(), 0, 24}, &pattern, 8), StatusCode::kInvalidArgument,
                 "length 8");
  ExpectRejected(shim_->FillBuffer({a_.get(), 0, 24}, nullptr, 4), StatusCode::kInvalidArgument,
                 "fill pattern is null");
  for (size_t length : {1, 2, 4}) ExpectForwarded(shim_->FillBuffer({a_.get(), 0, 24}, &pattern, length));
}

TEST_F(ValidatingCommandBufferTest, FillOffsetAndLengthMustBeMultiplesOfThePattern) {
  const uint32_t pattern = 0;
  ExpectRejected(shim_->FillBuffer({a_.get(), 6, 8}, &pattern, 4), StatusCode::kInvalidArgument,
                 "fill target offset 6 is not a multiple of the pattern length 4");
  ExpectRejected(shim_->FillBuffer({a_.get(), 8, 6}, &pattern, 4), StatusCode::kInvalidArgument,
                 "fill target length 6 is not a multiple of the pattern length 4");
  // kWholeBuffer resolves first: 256 - 4 = 252 is a multiple of 4, 256 - 2 = 254 is not.
  ExpectForwarded(shim_->FillBuffer({a_.get(), 4, kWholeBuffer}, &pattern, 4));
  ExpectRejected(shim_->FillBuffer({a_.get(), 2, kWholeBuffer}, &pattern, 4),
                 StatusCode::kInvalidArgument, "offset 2");
  ExpectForwarded(shim_->FillBuffer({a_.get(), 2, kWholeBuffer}, &pattern, 2));
}

TEST_F(ValidatingCommandBufferTest, FillAlignmentCountsTheSubspanOffset) {
  auto view = a_->Subspan(2, 64);
  ASSERT_OK(view);
  const uint32_t pattern = 0;
  ExpectRejected(shim_->FillBuffer({view->get(), 0, 8}, &pattern, 4),
                 StatusCode::kInvalidArgument, "lies at offset 2 of its allocation");
  ExpectForwarded(shim_->FillBuffer({view->get(), 2, 8}, &pattern, 2));
}

TEST_F(ValidatingCommandBufferTest, UpdateLengthIsExplicitAndAtMost64KiB) {
  auto big = MakeBuffer("big", 128 * 1024);
  std::vector<uint8_t> data(64 * 1024 + 1);
  ExpectRejected(shim_->UpdateBuffer(data.data(), {a_.get(), 0, kWholeBuffer}),
                 StatusCode::kInvalidArgument, "kWholeBuffer");
  ExpectRejected(shim_->UpdateBuffer(data.data(), {big.get(), 0, 64 * 1024 + 1}),
                 StatusCode::kInvalidArgument, "update length 65537 exceeds the 65536-byte limit");
  ExpectForwarded(shim_->UpdateBuffer(data.data(), {big.get(), 0, 64 * 1024}));
  ExpectRejected(shim_->UpdateBuffer(nullptr, {a_.get(), 0, 4}), StatusCode::kInvalidArgument,
                 "update source is null");
  ExpectRejected(shim_->UpdateBuffer(data.data(), {a_.get(), 254, 4}), StatusCode::kOutOfRange,
                 "update target range [offset 254, length 4)");
}

// --- Copy ------------------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, CopyRangesAreChecked) {
  ExpectRejected(shim_->CopyBuffer({a_.get(), 200, 100}, *b_, 0), StatusCode::kOutOfRange,
                 "copy source range [offset 200, length 100)");
  ExpectRejected(shim_->CopyBuffer({a_.get(), 0, 100}, *b_, 200), StatusCode::kOutOfRange,
                 "copy target range [offset 200, length 100) exceeds buffer length 256");
  // kWholeBuffer on the source sizes the target range too.
  ExpectRejected(shim_->CopyBuffer({a_.get(), 0, kWholeBuffer}, *b_, 1), StatusCode::kOutOfRange,
                 "copy target range [offset 1, length 256)");
  ExpectForwarded(shim_->CopyBuffer({a_.get(), 0, kWholeBuffer}, *b_, 0));
}

TEST_F(ValidatingCommandBufferTest, OverlappingCopyInOneAllocationIsInvalidArgument) {
  ExpectRejected(shim_->CopyBuffer({a_.get(), 0, 64}, *a_, 32), StatusCode::kInvalidArgument,
                 "copy source [0, 64) and target [32, 96) overlap");
  auto first = a_->Subspan(0, 128);
  auto second = a_->Subspan(100, 128);
  ASSERT_TRUE(first.ok() && second.ok());
  // Overlap only shows in allocation offsets: [100, 116) against [100 + 10, ...).
  ExpectRejected(shim_->CopyBuffer({first->get(), 100, 16}, **second, 10),
                 StatusCode::kInvalidArgument, "overlap in the same allocation");
  // Touching but disjoint ranges are fine.
  ExpectForwarded(shim_->CopyBuffer({a_.get(), 0, 64}, *a_, 64));
  ExpectForwarded(shim_->CopyBuffer({first->get(), 0, 100}, **second, 0));
}

// --- Push constants and descriptor sets ------------------------------------------------

TEST_F(ValidatingCommandBufferTest, PushConstantsAlignment) {
  const uint8_t values[8] = {};
  ExpectRejected(shim_->PushConstants(*layout_, 2, std::span(values, 4)),
                 StatusCode::kInvalidArgument, "push constant offset 2 is not a multiple of 4");
  ExpectRejected(shim_->PushConstants(*layout_, 0, std::span(values, 3)),
                 StatusCode::kInvalidArgument, "push constant size 3 is not a multiple of 4");
}

TEST_F(ValidatingCommandBufferTest, PushConstantsRangeIsCheckedExactlyAtTheBoundary) {
  // The layout has 2 push constants: 8 bytes.
  const uint8_t values[12] = {};
  ExpectForwarded(shim_->PushConstants(*layout_, 0, std::span(values, 8)));
  ExpectForwarded(shim_->PushConstants(*layout_, 4, std::span(values, 4)));
  ExpectForwarded(shim_->PushConstants(*layout_, 8, std::span(values, 0)));
  ExpectRejected(shim_->PushConstants(*layout_, 4, std::span(values, 8)), StatusCode::kOutOfRange,
                 "push constants [offset 4, length 8) exceed the layout's 8 bytes (2 push "
                 "constants)");
  ExpectRejected(shim_->PushConstants(*layout_, 0, std::span(values, 12)),
                 StatusCode::kOutOfRange, "length 12");
  ExpectRejected(shim_->PushConstants(*layout_, 12, std::span(values, 0)),
                 StatusCode::kOutOfRange, "offset 12");
}

TEST_F(ValidatingCommandBufferTest, DescriptorSetIndexIsOutOfRange) {
  const BufferBinding bindings[] = {{4, a_.get(), 0, 16}};
  ExpectForwarded(shim_->PushDescriptorSet(*layout_, 1, bindings));
  ExpectRejected(shim_->PushDescriptorSet(*layout_, 2, bindings), StatusCode::kOutOfRange,
                 "descriptor set 2 is out of range; the pipeline layout has 2 set(s)");
}

TEST_F(ValidatingCommandBufferTest, DescriptorBindingsMustMatchTheSetLayout) {
  const BufferBinding too_many[] = {{0, a_.get()}, {1, b_.get()}, {1, b_.get()}};
  ExpectRejected(shim_->PushDescriptorSet(*layout_, 0, too_many), StatusCode::kInvalidArgument,
                 "3 bindings pushed to descriptor set 0, whose layout has only 2");
  const BufferBinding missing[] = {{0, a_.get()}, {3, b_.get()}};
  ExpectRejected(shim_->PushDescriptorSet(*layout_, 0, missing), StatusCode::kInvalidArgument,
                 "binding 1 of descriptor set 0: descriptor set layout has no binding with "
                 "ordinal 3 (its ordinals: 0, 1)");
  const BufferBinding repeated[] = {{1, a_.get()}, {1, b_.get()}};
  ExpectRejected(shim_->PushDescriptorSet(*layout_, 0, repeated), StatusCode::kInvalidArgument,
                 "repeats ordinal 1");
  const BufferBinding null_buffer[] = {{0, nullptr}};
  ExpectRejected(shim_->PushDescriptorSet(*layout_, 0, null_buffer),
                 StatusCode::kInvalidArgument, "descriptor set 0 binding ordinal 0 buffer is null");
  const BufferBinding out_of_range[] = {{1, a_.get(), 250, 16}};
  ExpectRejected(shim_->PushDescriptorSet(*layout_, 0, out_of_range), StatusCode::kOutOfRange,
                 "descriptor set 0 binding ordinal 1 range [offset 250, length 16)");
  const BufferBinding subset[] = {{1, a_.get(), 0, kWholeBuffer}};
  ExpectForwarded(shim_->PushDescriptorSet(*layout_, 0, subset));
}

// --- Dispatch --------------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, EntryPointOrdinalIsOutOfRange) {
  BindEverySet(*shim_, *recorder_);
  ExpectForwarded(shim_->Dispatch(*executable_, 1, {1, 1, 1}));
  ExpectRejected(shim_->Dispatch(*executable_, 2, {1, 1, 1}), StatusCode::kOutOfRange,
                 "entry point ordinal 2 is out of range; the executable has 2 entry point(s)");
  ExpectRejected(shim_->DispatchIndirect(*executable_, 5, {indirect_.get(), 0, 12}),
                 StatusCode::kOutOfRange, "entry point ordinal 5");
}

TEST_F(ValidatingCommandBufferTest, IndirectParametersNeedTwelveAlignedBytes) {
  BindEverySet(*shim_, *recorder_);
  ExpectForwarded(shim_->DispatchIndirect(*executable_, 0, {indirect_.get(), 4, kWholeBuffer}));
  ExpectRejected(shim_->DispatchIndirect(*executable_, 0, {indirect_.get(), 0, 8}),
                 StatusCode::kInvalidArgument,
                 "indirect workgroup count range holds 8 bytes; it needs 12");
  ExpectRejected(shim_->DispatchIndirect(*executable_, 0, {indirect_.get(), 8, kWholeBuffer}),
                 StatusCode::kInvalidArgument, "holds 8 bytes");
  ExpectRejected(shim_->DispatchIndirect(*executable_, 0, {a_.get(), 2, 12}),
                 StatusCode::kInvalidArgument, "offset 2 (2 in its allocation) is not a multiple of 4");
  ExpectRejected(shim_->DispatchIndirect(*executable_, 0, {indirect_.get(), 8, 12}),
                 StatusCode::kOutOfRange, "range [offset 8, length 12)");
}

// --- Nested command buffers ------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, NestedBufferMustBeReusableAndEnded) {
  CommandBufferParams one_shot_params;
  auto one_shot = DeferredCommandBuffer::Create(allocator_, *pool_, one_shot_params);
  ASSERT_OK(one_shot);
  ASSERT_OK((*one_shot)->Begin());
  ASSERT_OK((*one_shot)->End());
  ExpectRejected(shim_->ExecuteCommands(**one_shot), StatusCode::kInvalidArgument,
                 "kReusable");

  CommandBufferParams reusable;
  reusable.usage = CommandBufferUsage::kReusable;
  auto deferred = DeferredCommandBuffer::Create(allocator_, *pool_, reusable);
  ASSERT_OK(deferred);
  auto nested = Wrap(**deferred);
  recorder_->SetName(nested.get(), "nested");
  ExpectRejected(shim_->ExecuteCommands(*nested), StatusCode::kFailedPrecondition,
                 "has not ended");
  ASSERT_OK(nested->Begin());
  ExpectRejected(shim_->ExecuteCommands(*nested), StatusCode::kFailedPrecondition,
                 "has not ended");
  // An unwrapped deferred buffer's state is seen too.
  ExpectRejected(shim_->ExecuteCommands(**deferred), StatusCode::kFailedPrecondition,
                 "has not ended");
  ASSERT_OK(nested->End());
  ExpectForwarded(shim_->ExecuteCommands(*nested));
  ExpectRejected(shim_->ExecuteCommands(*shim_), StatusCode::kInvalidArgument, "itself");
}

TEST_F(ValidatingCommandBufferTest, NestedBufferCategoriesMustFit) {
  Ref<testing::RecordingCommandBuffer> recorder;
  auto transfer_only = MakeShim(CommandBufferUsage::kOneShot, CommandCategory::kTransfer,
                                &recorder);
  ASSERT_OK(transfer_only->Begin());
  CommandBufferParams reusable;
  reusable.usage = CommandBufferUsage::kReusable;
  auto nested = DeferredCommandBuffer::Create(allocator_, *pool_, reusable);
  ASSERT_OK(nested);
  ASSERT_OK((*nested)->Begin());
  ASSERT_OK((*nested)->End());
  Status status = transfer_only->ExecuteCommands(**nested);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("allows categories kTransfer|kDispatch|kCollective"));
  EXPECT_THAT(recorder->calls(), ElementsAre("Begin()"));
}

// --- Events and barriers ---------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, NullEventsAndBarrierBuffersAreInvalidArgument) {
  Event* events[] = {event1_.get(), nullptr};
  ExpectRejected(
      shim_->WaitEvents(events, ExecutionStage::kAll, ExecutionStage::kAll, {}, {}),
      StatusCode::kInvalidArgument, "WaitEvents event 1 is null");
  const BufferBarrier null_barrier[] = {{AccessScope::kNone, AccessScope::kNone, {}}};
  ExpectRejected(shim_->ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {},
                                         null_barrier),
                 StatusCode::kInvalidArgument, "ExecutionBarrier buffer barrier 0 names a null buffer");
  ExpectRejected(shim_->WaitEvents(std::span(events, 1), ExecutionStage::kAll,
                                   ExecutionStage::kAll, {}, null_barrier),
                 StatusCode::kInvalidArgument, "WaitEvents buffer barrier 0");
  const BufferBarrier too_long[] = {
      {AccessScope::kNone, AccessScope::kNone, {a_.get(), 0, 16}},
      {AccessScope::kNone, AccessScope::kNone, {a_.get(), 128, 256}}};
  ExpectRejected(
      shim_->ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, too_long),
      StatusCode::kOutOfRange, "buffer barrier 1 range [offset 128, length 256)");
  ExpectForwarded(shim_->ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {},
                                          std::span(too_long, 1)));
  ExpectForwarded(shim_->WaitEvents(std::span(events, 1), ExecutionStage::kAll,
                                    ExecutionStage::kAll, {}, {}));
}

// --- Collectives -----------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, CollectiveSizesFollowTheKind) {
  // The channel has 4 participants; 16 float32 elements are 64 bytes.
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kAllReduce), 0,
                                    {a_.get(), 0, 64}, {b_.get(), 0, 64}, 16));
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kAllReduce), 0,
                                   {a_.get(), 0, 60}, {b_.get(), 0, 64}, 16),
                 StatusCode::kOutOfRange,
                 "all-reduce send range holds 60 bytes but needs 64 (element_count 16 x 4-byte "
                 "elements)");
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kAllGather, ReductionOp::kNone),
                                    0, {a_.get(), 0, 64}, {b_.get(), 0, 256}, 16));
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kAllGather, ReductionOp::kNone),
                                   0, {a_.get(), 0, 64}, {b_.get(), 0, 255}, 16),
                 StatusCode::kOutOfRange,
                 "all-gather recv range holds 255 bytes but needs 256 (element_count 16 x 4-byte "
                 "elements x 4 participants)");
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kReduceScatter), 0,
                                    {a_.get(), 0, 256}, {b_.get(), 0, 64}, 16));
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kReduceScatter), 0,
                                   {a_.get(), 0, 128}, {b_.get(), 0, 64}, 16),
                 StatusCode::kOutOfRange, "reduce-scatter send range holds 128 bytes but needs 256");
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kAllToAll), 0,
                                   {a_.get(), 0, 64}, {b_.get(), 0, 64}, 15),
                 StatusCode::kInvalidArgument, "all-to-all element_count 15 is not divisible");
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kAllReduce), 0,
                                   {a_.get(), 0, kWholeBuffer}, {b_.get(), 0, 64}, SIZE_MAX / 2),
                 StatusCode::kInvalidArgument, "overflows");
}

TEST_F(ValidatingCommandBufferTest, CollectiveReductionOpIsRequiredWhereItReduces) {
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kAllReduce, ReductionOp::kNone),
                                   0, {a_.get(), 0, 64}, {b_.get(), 0, 64}, 16),
                 StatusCode::kInvalidArgument, "all-reduce needs a reduction op");
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kReduce, ReductionOp::kNone), 0,
                                   {a_.get(), 0, 64}, {b_.get(), 0, 64}, 16),
                 StatusCode::kInvalidArgument, "reduce needs a reduction op");
}

TEST_F(ValidatingCommandBufferTest, CollectiveParamMustBeAValidRank) {
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kBroadcast), 3,
                                    {a_.get(), 0, 64}, {b_.get(), 0, 64}, 16));
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kBroadcast), 4,
                                   {a_.get(), 0, 64}, {b_.get(), 0, 64}, 16),
                 StatusCode::kOutOfRange,
                 "broadcast root rank 4 is out of range; the channel has 4 participant(s)");
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kSend), 7, {a_.get(), 0, 64}, {},
                                   16),
                 StatusCode::kOutOfRange, "send peer rank 7");
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kReduce), 4, {a_.get(), 0, 64},
                                   {b_.get(), 0, 64}, 16),
                 StatusCode::kOutOfRange, "reduce root rank 4");
  // All-reduce ignores param.
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kAllReduce), 99,
                                    {a_.get(), 0, 64}, {b_.get(), 0, 64}, 16));
}

TEST_F(ValidatingCommandBufferTest, CollectiveBuffersRequiredByKindAndRole) {
  // Send and recv use one side each.
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kSend), 0, {a_.get(), 0, 64},
                                    {}, 16));
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kRecv), 0, {},
                                    {b_.get(), 0, 64}, 16));
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kRecv), 0, {a_.get(), 0, 64},
                                   {}, 16),
                 StatusCode::kInvalidArgument, "recv recv buffer is null");
  // This participant is rank 1: recv is required for a reduce rooted here, not elsewhere.
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kReduce), 0, {a_.get(), 0, 64},
                                    {}, 16));
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kReduce), 1, {a_.get(), 0, 64},
                                   {}, 16),
                 StatusCode::kInvalidArgument, "reduce recv buffer is null");
  ExpectForwarded(shim_->Collective(*channel_, Op(CollectiveKind::kBroadcast), 0, {},
                                    {b_.get(), 0, 64}, 16));
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kBroadcast), 1, {},
                                   {b_.get(), 0, 64}, 16),
                 StatusCode::kInvalidArgument, "broadcast send buffer is null");
  ExpectRejected(shim_->Collective(*channel_, Op(CollectiveKind::kAllReduce), 0,
                                   {a_.get(), 0, 64}, {}, 16),
                 StatusCode::kInvalidArgument, "all-reduce recv buffer is null");
}

// --- DynCast ---------------------------------------------------------------------------

TEST_F(ValidatingCommandBufferTest, DynCastSeesThroughStackedShims) {
  CommandBufferParams reusable;
  reusable.usage = CommandBufferUsage::kReusable;
  auto deferred = DeferredCommandBuffer::Create(allocator_, *pool_, reusable);
  ASSERT_OK(deferred);
  auto inner = Wrap(**deferred);
  auto outer = Wrap(*inner);
  EXPECT_EQ(outer->Unwrapped(), inner.get());
  EXPECT_EQ(inner->Unwrapped(), deferred->get());
  EXPECT_EQ(DynCast<DeferredCommandBuffer>(inner.get()), deferred->get());
  EXPECT_EQ(DynCast<DeferredCommandBuffer>(outer.get()), deferred->get());
  EXPECT_EQ(DynCast<ValidatingCommandBuffer>(outer.get()), outer.get());
  EXPECT_EQ(DynCast<testing::RecordingCommandBuffer>(outer.get()), nullptr);
  EXPECT_EQ(DynCast<DeferredCommandBuffer>(shim_.get()), nullptr);
  EXPECT_EQ(DynCast<testing::RecordingCommandBuffer>(shim_.get()), recorder_.get());
  EXPECT_EQ(DynCast<DeferredCommandBuffer>(static_cast<CommandBuffer*>(nullptr)), nullptr);
  EXPECT_EQ(outer->params().usage, CommandBufferUsage::kReusable);
}

TEST_F(ValidatingCommandBufferTest, ShimRetainsTheWrappedBuffer) {
  auto recorder = MakeRecorder({});
  auto shim = Wrap(*recorder);
  EXPECT_EQ(recorder->ref_count_for_testing(), 2);
  auto* raw = recorder.get();
  recorder.reset();
  ASSERT_OK(shim->Begin());
  EXPECT_THAT(raw->calls(), ElementsAre("Begin()"));
}

TEST_F(ValidatingCommandBufferTest, ValidRecordingIsForwardedInOrderAndReplaysThroughShim) {
  CommandBufferParams reusable;
  reusable.usage = CommandBufferUsage::kReusable;
  auto deferred = DeferredCommandBuffer::Create(allocator_, *pool_, reusable);
  ASSERT_OK(deferred);
  auto shim = Wrap(**deferred);
  const uint32_t pattern = 0x01020304;
  ASSERT_OK(shim->Begin());
  ASSERT_OK(shim->FillBuffer({a_.get(), 0, 16}, &pattern, 4));
  EXPECT_FALSE(shim->FillBuffer({a_.get(), 0, 15}, &pattern, 4).ok());
  const BufferBinding set0[] = {{0, a_.get()}, {1, b_.get()}};
  const BufferBinding set1[] = {{4, a_.get()}};
  ASSERT_OK(shim->PushDescriptorSet(*layout_, 0, set0));
  ASSERT_OK(shim->PushDescriptorSet(*layout_, 1, set1));
  ASSERT_OK(shim->Dispatch(*executable_, 0, {8, 8, 1}));
  ASSERT_OK(shim->End());
  EXPECT_EQ((*deferred)->command_count(), 4u);
  // Replay the deferred buffer through a second shim onto the recorder.
  ASSERT_OK((*deferred)->Replay(*shim_));
  ASSERT_EQ(recorder_->calls().size(), 4u);
  EXPECT_EQ(recorder_->calls()[0], "FillBuffer(a[0, +16), pattern=04030201)");
  EXPECT_EQ(recorder_->calls()[3], "Dispatch(exe, 0, [8, 8, 1])");
}

}  // namespace
}  // namespace gpuhal
