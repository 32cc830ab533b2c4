// Invalid command buffer calls, made through the device's own command buffers, fail with
// the exact codes of the validation rule table and are not recorded: the buffer still
// ends, runs, and produces only what its valid commands produce.
#include <cstring>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

class ValidationTest : public ConformanceTest {};
CTS_INSTANTIATE(ValidationTest);

TEST_P(ValidationTest, RejectedCommandsAreNotRecorded) {
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_fill_u32"}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBufferWith(PatternBytes(256, 1)));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> other, NewBufferWith(PatternBytes(256, 2)));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> odd_view, buffer->Subspan(2, 100));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> read_only,
                           NewBuffer(64, {.usage = BufferUsage::kTransferSource}));
  ASSERT_OK_AND_ASSIGN(
      Ref<Buffer> no_indirect,
      NewBuffer(64, {.usage = BufferUsage::kTransfer | BufferUsage::kDispatchStorage}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> large, NewBuffer(128 * 1024));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> commands, device().CreateCommandBuffer({}));
  const uint32_t word = 0xFFFFFFFFu;
  const std::vector<uint8_t> big(64 * 1024 + 1, 0xFF);
  Buffer* b = buffer.get();

  EXPECT_THAT(commands->FillBuffer({b}, &word, 4), StatusIs(StatusCode::kFailedPrecondition));  // not begun
  ASSERT_OK(commands->Begin());
  EXPECT_THAT(commands->Begin(), StatusIs(StatusCode::kFailedPrecondition));

  // Fill.
  EXPECT_THAT(commands->FillBuffer({b}, &word, 3), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->FillBuffer({b}, nullptr, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->FillBuffer({nullptr}, &word, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->FillBuffer({b, 2, 8}, &word, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->FillBuffer({b, 0, 6}, &word, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->FillBuffer({odd_view.get(), 0, 8}, &word, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->FillBuffer({b, 252, 8}, &word, 4), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(commands->FillBuffer({b, 260, kWholeBuffer}, &word, 1), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(commands->FillBuffer({read_only.get()}, &word, 4), StatusIs(StatusCode::kPermissionDenied));
  // Update.
  EXPECT_THAT(commands->UpdateBuffer(big.data(), {b, 0, kWholeBuffer}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->UpdateBuffer(nullptr, {b, 0, 4}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->UpdateBuffer(big.data(), {large.get(), 0, big.size()}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->UpdateBuffer(big.data(), {b, 250, 8}), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(commands->UpdateBuffer(big.data(), {read_only.get(), 0, 4}), StatusIs(StatusCode::kPermissionDenied));
  // Copy.
  EXPECT_THAT(commands->CopyBuffer({b, 0, 100}, *b, 50), StatusIs(StatusCode::kInvalidArgument));  // overlap
  EXPECT_THAT(commands->CopyBuffer({b, 0, 40}, *odd_view, 10), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->CopyBuffer({b, 0, 100}, *other, 200), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(commands->CopyBuffer({b, 200, 100}, *other, 0), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(commands->CopyBuffer({b, 0, 4}, *read_only, 0), StatusIs(StatusCode::kPermissionDenied));
  // Push constants and descriptor sets.
  PipelineLayout& layout = kernels.layout(0);
  const uint8_t constants[8] = {};
  EXPECT_THAT(commands->PushConstants(layout, 2, {constants, 4}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->PushConstants(layout, 0, {constants, 6}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->PushConstants(layout, 4, {constants, 8}), StatusIs(StatusCode::kOutOfRange));
  const BufferBinding good[] = {{0, b}};
  const BufferBinding unknown_ordinal[] = {{1, b}};
  const BufferBinding repeated[] = {{0, b}, {0, b}};
  const BufferBinding no_storage[] = {{0, read_only.get()}};
  const BufferBinding out_of_range[] = {{0, b, 300, 4}};
  EXPECT_THAT(commands->PushDescriptorSet(layout, 1, good), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(commands->PushDescriptorSet(layout, 0, unknown_ordinal), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->PushDescriptorSet(layout, 0, repeated), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->PushDescriptorSet(layout, 0, no_storage), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(commands->PushDescriptorSet(layout, 0, out_of_range), StatusIs(StatusCode::kOutOfRange));
  // Dispatch.
  EXPECT_THAT(commands->Dispatch(*kernels.executable, 1, {1, 1, 1}), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(commands->DispatchIndirect(*kernels.executable, 0, {no_indirect.get(), 0, 12}), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(commands->DispatchIndirect(*kernels.executable, 0, {b, 0, 8}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->DispatchIndirect(*kernels.executable, 0, {b, 2, 12}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->DispatchIndirect(*kernels.executable, 1, {b, 0, 12}), StatusIs(StatusCode::kOutOfRange));
  // Nesting and debug groups.
  EXPECT_THAT(commands->ExecuteCommands(*commands), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> one_shot,
                           Record([](CommandBuffer&) { return OkStatus(); }));
  EXPECT_THAT(commands->ExecuteCommands(*one_shot), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->EndDebugGroup(), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(commands->BeginDebugGroup("open", 0));
  EXPECT_THAT(commands->End(), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(commands->EndDebugGroup());
  // Barriers naming bad ranges.
  const BufferBarrier null_barrier[] = {
      {AccessScope::kTransferWrite, AccessScope::kTransferRead, {nullptr}}};
  const BufferBarrier outside_barrier[] = {
      {AccessScope::kTransferWrite, AccessScope::kTransferRead, {b, 200, 100}}};
  EXPECT_THAT(commands->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer,
                                             {}, null_barrier), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(commands->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer,
                                             {}, outside_barrier), StatusIs(StatusCode::kOutOfRange));

  // The one valid command.
  const uint16_t half = 0xABCD;
  ASSERT_OK(commands->FillBuffer({b, 10, 4}, &half, 2));
  ASSERT_OK(commands->End());
  EXPECT_THAT(commands->End(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(commands->FillBuffer({b}, &word, 4), StatusIs(StatusCode::kFailedPrecondition));  // ended
  ASSERT_OK(SubmitAndWait(*commands));

  std::vector<uint8_t> expected = PatternBytes(256, 1);
  for (size_t i = 10; i < 14; i += 2) std::memcpy(&expected[i], &half, 2);
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
  EXPECT_EQ(bytes, expected);
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> other_bytes, ReadBytes(*other));
  EXPECT_EQ(other_bytes, PatternBytes(256, 2));
}

TEST_P(ValidationTest, CategoriesLimitCommands) {
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_count_workgroups"}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(64));
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> transfer_only,
      device().CreateCommandBuffer({.categories = CommandCategory::kTransfer}));
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> dispatch_only,
      device().CreateCommandBuffer({.categories = CommandCategory::kDispatch}));
  const uint32_t word = 1;
  const BufferBinding binding[] = {{0, buffer.get()}};
  ASSERT_OK(transfer_only->Begin());
  EXPECT_THAT(transfer_only->PushDescriptorSet(kernels.layout(0), 0, binding), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(transfer_only->Dispatch(*kernels.executable, 0, {1, 1, 1}), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_OK(transfer_only->FillBuffer({buffer.get()}, &word, 4));
  ASSERT_OK(transfer_only->End());
  ASSERT_OK(dispatch_only->Begin());
  EXPECT_THAT(dispatch_only->FillBuffer({buffer.get()}, &word, 4), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(dispatch_only->CopyBuffer({buffer.get(), 0, 4}, *buffer, 8), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_OK(dispatch_only->PushDescriptorSet(kernels.layout(0), 0, binding));
  ASSERT_OK(dispatch_only->End());
  // A nested buffer may not bring categories its parent lacks.
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> nested_transfer,
      Record([&](CommandBuffer& commands) { return commands.FillBuffer({buffer.get()}, &word, 4); },
             {.usage = CommandBufferUsage::kReusable}));
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> parent,
      device().CreateCommandBuffer({.categories = CommandCategory::kDispatch}));
  ASSERT_OK(parent->Begin());
  EXPECT_THAT(parent->ExecuteCommands(*nested_transfer), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(parent->End());
}

TEST_P(ValidationTest, UnendedCommandBufferIsNotSubmitted) {
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> commands, device().CreateCommandBuffer({}));
  ASSERT_OK(commands->Begin());
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  // Refused at submission, or accepted and failed with the same code: never run.
  const Status submitted = Submit(*commands, {}, {{done.get(), 1}});
  if (submitted.ok()) {
    EXPECT_THAT(done->Wait(1, LongTimeout()), StatusIs(StatusCode::kFailedPrecondition));
  } else {
    EXPECT_EQ(submitted.code(), StatusCode::kFailedPrecondition) << submitted;
  }
  ASSERT_OK(commands->End());
}

TEST_P(ValidationTest, QueueCallsRejectMalformedArguments) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> semaphore, NewSemaphore(0));
  const SemaphorePoint null_point[] = {{nullptr, 1}};
  const SemaphorePoint ok_point[] = {{semaphore.get(), 1}};
  EXPECT_THAT(device().QueueBarrier(kAnyQueue, null_point, ok_point), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(device().QueueBarrier(kAnyQueue, {}, null_point), StatusIs(StatusCode::kInvalidArgument));
  CommandBuffer* null_list[] = {nullptr};
  EXPECT_THAT(device().QueueExecute(kAnyQueue, {}, ok_point, null_list), StatusIs(StatusCode::kInvalidArgument));
  Result<uint64_t> value = semaphore->Query();
  ASSERT_OK(value) << value.status();
  EXPECT_EQ(*value, 0u) << "a rejected submission signalled";
}

}  // namespace
}  // namespace gpuhal::conformance
