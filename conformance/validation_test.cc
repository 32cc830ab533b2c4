// Invalid command buffer calls, made through the device's own command buffers, fail with
// the exact codes of the validation rule table and are not recorded: the buffer still
// ends, runs, and produces only what its valid commands produce.
#include <cstring>

#include "conformance/conformance_fixture.h"

namespace gpuhal::conformance {
namespace {

class ValidationTest : public ConformanceTest {};
CTS_INSTANTIATE(ValidationTest);

TEST_P(ValidationTest, RejectedCommandsAreNotRecorded) {
  CTS_ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_fill_u32"}));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBufferWith(PatternBytes(256, 1)));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Buffer> other, NewBufferWith(PatternBytes(256, 2)));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Buffer> odd_view, buffer->Subspan(2, 100));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Buffer> read_only,
                           NewBuffer(64, {.usage = BufferUsage::kTransferSource}));
  CTS_ASSERT_OK_AND_ASSIGN(
      Ref<Buffer> no_indirect,
      NewBuffer(64, {.usage = BufferUsage::kTransfer | BufferUsage::kDispatchStorage}));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Buffer> large, NewBuffer(128 * 1024));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> commands, device().CreateCommandBuffer({}));
  const uint32_t word = 0xFFFFFFFFu;
  const std::vector<uint8_t> big(64 * 1024 + 1, 0xFF);
  Buffer* b = buffer.get();

  CTS_EXPECT_CODE(commands->FillBuffer({b}, &word, 4), kFailedPrecondition);  // not begun
  CTS_ASSERT_OK(commands->Begin());
  CTS_EXPECT_CODE(commands->Begin(), kFailedPrecondition);

  // Fill.
  CTS_EXPECT_CODE(commands->FillBuffer({b}, &word, 3), kInvalidArgument);
  CTS_EXPECT_CODE(commands->FillBuffer({b}, nullptr, 4), kInvalidArgument);
  CTS_EXPECT_CODE(commands->FillBuffer({nullptr}, &word, 4), kInvalidArgument);
  CTS_EXPECT_CODE(commands->FillBuffer({b, 2, 8}, &word, 4), kInvalidArgument);
  CTS_EXPECT_CODE(commands->FillBuffer({b, 0, 6}, &word, 4), kInvalidArgument);
  CTS_EXPECT_CODE(commands->FillBuffer({odd_view.get(), 0, 8}, &word, 4), kInvalidArgument);
  CTS_EXPECT_CODE(commands->FillBuffer({b, 252, 8}, &word, 4), kOutOfRange);
  CTS_EXPECT_CODE(commands->FillBuffer({b, 260, kWholeBuffer}, &word, 1), kOutOfRange);
  CTS_EXPECT_CODE(commands->FillBuffer({read_only.get()}, &word, 4), kPermissionDenied);
  // Update.
  CTS_EXPECT_CODE(commands->UpdateBuffer(big.data(), {b, 0, kWholeBuffer}), kInvalidArgument);
  CTS_EXPECT_CODE(commands->UpdateBuffer(nullptr, {b, 0, 4}), kInvalidArgument);
  CTS_EXPECT_CODE(commands->UpdateBuffer(big.data(), {large.get(), 0, big.size()}),
                  kInvalidArgument);
  CTS_EXPECT_CODE(commands->UpdateBuffer(big.data(), {b, 250, 8}), kOutOfRange);
  CTS_EXPECT_CODE(commands->UpdateBuffer(big.data(), {read_only.get(), 0, 4}), kPermissionDenied);
  // Copy.
  CTS_EXPECT_CODE(commands->CopyBuffer({b, 0, 100}, *b, 50), kInvalidArgument);  // overlap
  CTS_EXPECT_CODE(commands->CopyBuffer({b, 0, 40}, *odd_view, 10), kInvalidArgument);
  CTS_EXPECT_CODE(commands->CopyBuffer({b, 0, 100}, *other, 200), kOutOfRange);
  CTS_EXPECT_CODE(commands->CopyBuffer({b, 200, 100}, *other, 0), kOutOfRange);
  CTS_EXPECT_CODE(commands->CopyBuffer({b, 0, 4}, *read_only, 0), kPermissionDenied);
  // Push constants and descriptor sets.
  PipelineLayout& layout = kernels.layout(0);
  const uint8_t constants[8] = {};
  CTS_EXPECT_CODE(commands->PushConstants(layout, 2, {constants, 4}), kInvalidArgument);
  CTS_EXPECT_CODE(commands->PushConstants(layout, 0, {constants, 6}), kInvalidArgument);
  CTS_EXPECT_CODE(commands->PushConstants(layout, 4, {constants, 8}), kOutOfRange);
  const BufferBinding good[] = {{0, b}};
  const BufferBinding unknown_ordinal[] = {{1, b}};
  const BufferBinding repeated[] = {{0, b}, {0, b}};
  const BufferBinding no_storage[] = {{0, read_only.get()}};
  const BufferBinding out_of_range[] = {{0, b, 300, 4}};
  CTS_EXPECT_CODE(commands->PushDescriptorSet(layout, 1, good), kOutOfRange);
  CTS_EXPECT_CODE(commands->PushDescriptorSet(layout, 0, unknown_ordinal), kInvalidArgument);
  CTS_EXPECT_CODE(commands->PushDescriptorSet(layout, 0, repeated), kInvalidArgument);
  CTS_EXPECT_CODE(commands->PushDescriptorSet(layout, 0, no_storage), kPermissionDenied);
  CTS_EXPECT_CODE(commands->PushDescriptorSet(layout, 0, out_of_range), kOutOfRange);
  // Dispatch.
  CTS_EXPECT_CODE(commands->Dispatch(*kernels.executable, 1, {1, 1, 1}), kOutOfRange);
  CTS_EXPECT_CODE(commands->DispatchIndirect(*kernels.executable, 0, {no_indirect.get(), 0, 12}),
                  kPermissionDenied);
  CTS_EXPECT_CODE(commands->DispatchIndirect(*kernels.executable, 0, {b, 0, 8}), kInvalidArgument);
  CTS_EXPECT_CODE(commands->DispatchIndirect(*kernels.executable, 0, {b, 2, 12}), kInvalidArgument);
  CTS_EXPECT_CODE(commands->DispatchIndirect(*kernels.executable, 1, {b, 0, 12}), kOutOfRange);
  // Nesting and debug groups.
  CTS_EXPECT_CODE(commands->ExecuteCommands(*commands), kInvalidArgument);
  CTS_ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> one_shot,
                           Record([](CommandBuffer&) { return OkStatus(); }));
  CTS_EXPECT_CODE(commands->ExecuteCommands(*one_shot), kInvalidArgument);
  CTS_EXPECT_CODE(commands->EndDebugGroup(), kFailedPrecondition);
  CTS_ASSERT_OK(commands->BeginDebugGroup("open", 0));
  CTS_EXPECT_CODE(commands->End(), kFailedPrecondition);
  CTS_ASSERT_OK(commands->EndDebugGroup());
  // Barriers naming bad ranges.
  const BufferBarrier null_barrier[] = {
      {AccessScope::kTransferWrite, AccessScope::kTransferRead, {nullptr}}};
  const BufferBarrier outside_barrier[] = {
      {AccessScope::kTransferWrite, AccessScope::kTransferRead, {b, 200, 100}}};
  CTS_EXPECT_CODE(commands->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer,
                                             {}, null_barrier),
                  kInvalidArgument);
  CTS_EXPECT_CODE(commands->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer,
                                             {}, outside_barrier),
                  kOutOfRange);

  // The one valid command.
  const uint16_t half = 0xABCD;
  CTS_ASSERT_OK(commands->FillBuffer({b, 10, 4}, &half, 2));
  CTS_ASSERT_OK(commands->End());
  CTS_EXPECT_CODE(commands->End(), kFailedPrecondition);
  CTS_EXPECT_CODE(commands->FillBuffer({b}, &word, 4), kFailedPrecondition);  // ended
  CTS_ASSERT_OK(SubmitAndWait(*commands));

  std::vector<uint8_t> expected = PatternBytes(256, 1);
  for (size_t i = 10; i < 14; i += 2) std::memcpy(&expected[i], &half, 2);
  CTS_ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
  EXPECT_EQ(bytes, expected);
  CTS_ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> other_bytes, ReadBytes(*other));
  EXPECT_EQ(other_bytes, PatternBytes(256, 2));
}

TEST_P(ValidationTest, CategoriesLimitCommands) {
  CTS_ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_count_workgroups"}));
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(64));
  CTS_ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> transfer_only,
      device().CreateCommandBuffer({.categories = CommandCategory::kTransfer}));
  CTS_ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> dispatch_only,
      device().CreateCommandBuffer({.categories = CommandCategory::kDispatch}));
  const uint32_t word = 1;
  const BufferBinding binding[] = {{0, buffer.get()}};
  CTS_ASSERT_OK(transfer_only->Begin());
  CTS_EXPECT_CODE(transfer_only->PushDescriptorSet(kernels.layout(0), 0, binding),
                  kFailedPrecondition);
  CTS_EXPECT_CODE(transfer_only->Dispatch(*kernels.executable, 0, {1, 1, 1}), kFailedPrecondition);
  CTS_EXPECT_OK(transfer_only->FillBuffer({buffer.get()}, &word, 4));
  CTS_ASSERT_OK(transfer_only->End());
  CTS_ASSERT_OK(dispatch_only->Begin());
  CTS_EXPECT_CODE(dispatch_only->FillBuffer({buffer.get()}, &word, 4), kFailedPrecondition);
  CTS_EXPECT_CODE(dispatch_only->CopyBuffer({buffer.get(), 0, 4}, *buffer, 8), kFailedPrecondition);
  CTS_EXPECT_OK(dispatch_only->PushDescriptorSet(kernels.layout(0), 0, binding));
  CTS_ASSERT_OK(dispatch_only->End());
  // A nested buffer may not bring categories its parent lacks.
  CTS_ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> nested_transfer,
      Record([&](CommandBuffer& commands) { return commands.FillBuffer({buffer.get()}, &word, 4); },
             {.usage = CommandBufferUsage::kReusable}));
  CTS_ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> parent,
      device().CreateCommandBuffer({.categories = CommandCategory::kDispatch}));
  CTS_ASSERT_OK(parent->Begin());
  CTS_EXPECT_CODE(parent->ExecuteCommands(*nested_transfer), kFailedPrecondition);
  CTS_ASSERT_OK(parent->End());
}

TEST_P(ValidationTest, UnendedCommandBufferIsNotSubmitted) {
  CTS_ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> commands, device().CreateCommandBuffer({}));
  CTS_ASSERT_OK(commands->Begin());
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  // Refused at submission, or accepted and failed with the same code: never run.
  const Status submitted = Submit(*commands, {}, {{done.get(), 1}});
  if (submitted.ok()) {
    CTS_EXPECT_CODE(done->Wait(1, LongTimeout()), kFailedPrecondition);
  } else {
    EXPECT_EQ(submitted.code(), StatusCode::kFailedPrecondition) << submitted;
  }
  CTS_ASSERT_OK(commands->End());
}

TEST_P(ValidationTest, QueueCallsRejectMalformedArguments) {
  CTS_ASSERT_OK_AND_ASSIGN(Ref<Semaphore> semaphore, NewSemaphore(0));
  const SemaphorePoint null_point[] = {{nullptr, 1}};
  const SemaphorePoint ok_point[] = {{semaphore.get(), 1}};
  CTS_EXPECT_CODE(device().QueueBarrier(kAnyQueue, null_point, ok_point), kInvalidArgument);
  CTS_EXPECT_CODE(device().QueueBarrier(kAnyQueue, {}, null_point), kInvalidArgument);
  CommandBuffer* null_list[] = {nullptr};
  CTS_EXPECT_CODE(device().QueueExecute(kAnyQueue, {}, ok_point, null_list), kInvalidArgument);
  Result<uint64_t> value = semaphore->Query();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 0u) << "a rejected submission signalled";
}

}  // namespace
}  // namespace gpuhal::conformance
