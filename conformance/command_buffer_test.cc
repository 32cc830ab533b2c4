// Command buffer lifetimes: reusable buffers submitted many times (also while an earlier
// submission runs), re-recorded, nested, and one-shot buffers recorded once.
#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

class CommandBufferTest : public ConformanceTest {
 protected:
  static constexpr uint32_t kCount = 1000;
  static CommandBufferParams Reusable() { return {.usage = CommandBufferUsage::kReusable}; }
};
CTS_INSTANTIATE(CommandBufferTest);

// Each submission must run the recorded dispatch again on the buffer's current contents.
TEST_P(CommandBufferTest, ReusableResubmittedRunsEachTime) {
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_add_one"}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> in, NewBuffer(kCount * 4));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBuffer(kCount * 4));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> add_one,
                           Record(
                               [&](CommandBuffer& commands) {
                                 const SetBindings sets[] = {{0, {{0, in.get()}, {1, out.get()}}}};
                                 const uint32_t constants[] = {kCount};
                                 return RecordDispatch(commands, kernels, 0, sets, constants,
                                                       {kernels::WorkgroupsFor(kCount), 1, 1});
                               },
                               Reusable()));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  for (uint32_t round = 1; round <= 3; ++round) {
    const std::vector<uint32_t> input = PatternWords(kCount, round);
    ASSERT_OK(device().WriteBuffer(std::as_bytes(std::span(input)), *in, 0));
    ASSERT_OK(Submit(*add_one, {}, {{done.get(), round}}));
    ASSERT_OK(done->Wait(round, LongTimeout()));
    ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
    std::vector<uint32_t> expected = input;
    for (uint32_t& word : expected) ++word;
    EXPECT_EQ(words, expected) << "round " << round;
  }
}

// Submitted again before the first submission finished, both ordered by one timeline:
// an update and a copy that accumulate show that both ran, in order.
TEST_P(CommandBufferTest, ReusableSubmittedWhileEarlierSubmissionPending) {
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_add_one"}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> a, NewBufferWithWords(std::vector<uint32_t>(kCount, 10)));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> b, NewBuffer(kCount * 4));
  const MemoryBarrier barrier[] = {{AccessScope::kDispatchWrite | AccessScope::kTransferWrite,
                                    AccessScope::kDispatchRead | AccessScope::kTransferRead}};
  // a -> b (+1), then b -> a: each run adds one to a.
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> step,
      Record(
          [&](CommandBuffer& commands) {
            const SetBindings sets[] = {{0, {{0, a.get()}, {1, b.get()}}}};
            const uint32_t constants[] = {kCount};
            GPUHAL_RETURN_IF_ERROR(RecordDispatch(commands, kernels, 0, sets, constants,
                                                  {kernels::WorkgroupsFor(kCount), 1, 1}));
            GPUHAL_RETURN_IF_ERROR(commands.ExecutionBarrier(
                ExecutionStage::kDispatch, ExecutionStage::kTransfer, barrier, {}));
            return commands.CopyBuffer({b.get()}, *a, 0);
          },
          Reusable()));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> timeline, NewSemaphore(0));
  ASSERT_OK(Submit(*step, {{gate.get(), 1}}, {{timeline.get(), 1}}));
  ASSERT_OK(Submit(*step, {{timeline.get(), 1}}, {{timeline.get(), 2}}));
  ASSERT_OK(Submit(*step, {{timeline.get(), 2}}, {{timeline.get(), 3}}));
  ASSERT_OK(gate->Signal(1));
  ASSERT_OK(timeline->Wait(3, LongTimeout()));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*a));
  EXPECT_EQ(words, std::vector<uint32_t>(kCount, 13));
}

TEST_P(CommandBufferTest, ReusableReRecorded) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(512));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> other, NewBufferWith(PatternBytes(512, 1)));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> commands, device().CreateCommandBuffer(Reusable()));
  const uint32_t first = 0x11111111u, second = 0x22222222u;
  ASSERT_OK(commands->Begin());
  ASSERT_OK(commands->FillBuffer({buffer.get()}, &first, 4));
  ASSERT_OK(commands->End());
  ASSERT_OK(SubmitAndWait(*commands));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*buffer));
  EXPECT_EQ(words, std::vector<uint32_t>(128, first));

  // The second recording replaces the first entirely: `other` must stay untouched too.
  ASSERT_OK(commands->Begin());
  ASSERT_OK(commands->FillBuffer({buffer.get(), 0, 256}, &second, 4));
  ASSERT_OK(commands->End());
  ASSERT_OK(SubmitAndWait(*commands));
  ASSERT_OK_AND_ASSIGN(words, ReadWords(*buffer));
  std::vector<uint32_t> expected(128, first);
  std::fill(expected.begin(), expected.begin() + 64, second);
  EXPECT_EQ(words, expected);
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> untouched, ReadBytes(*other));
  EXPECT_EQ(untouched, PatternBytes(512, 1));
}

TEST_P(CommandBufferTest, ReusableUpdateReplaysCapturedBytes) {
  const std::vector<uint8_t> data = PatternBytes(300, 2);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(301));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> update,
                           Record(
                               [&](CommandBuffer& commands) {
                                 return commands.UpdateBuffer(data.data(), {buffer.get(), 1, 300});
                               },
                               Reusable()));
  for (int round = 0; round < 3; ++round) {
    const uint8_t zero = 0;
    ASSERT_OK(RunAndWait(
        [&](CommandBuffer& commands) { return commands.FillBuffer({buffer.get()}, &zero, 1); }));
    ASSERT_OK(SubmitAndWait(*update));
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer, 1));
    EXPECT_EQ(bytes, data) << "round " << round;
  }
}

TEST_P(CommandBufferTest, NestedReusableCommands) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> a, NewBuffer(256));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> b, NewBuffer(256));
  const uint32_t value = 0xCAFEF00Du;
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> inner,
      Record([&](CommandBuffer& commands) { return commands.FillBuffer({a.get()}, &value, 4); },
             Reusable()));
  const MemoryBarrier barrier[] = {{AccessScope::kTransferWrite, AccessScope::kTransferRead}};
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    GPUHAL_RETURN_IF_ERROR(commands.ExecuteCommands(*inner));
    GPUHAL_RETURN_IF_ERROR(commands.ExecutionBarrier(ExecutionStage::kTransfer,
                                                     ExecutionStage::kTransfer, barrier, {}));
    return commands.CopyBuffer({a.get()}, *b, 0);
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*b));
  EXPECT_EQ(words, std::vector<uint32_t>(64, value));
}

// A split barrier: work after WaitEvents sees what was done before SignalEvent. Reusable
// and submitted twice, with a reset, so the event is recorded and waited on again.
TEST_P(CommandBufferTest, EventsOrderWorkAcrossASplitBarrier) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> a, NewBuffer(4096));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> b, NewBuffer(4096));
  ASSERT_OK_AND_ASSIGN(Ref<Event> event, device().CreateEvent());
  const std::vector<uint8_t> data = PatternBytes(4096, 3);
  const MemoryBarrier barrier[] = {{AccessScope::kTransferWrite, AccessScope::kTransferRead}};
  Event* events[] = {event.get()};
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> commands,
      Record(
          [&](CommandBuffer& recording) {
            GPUHAL_RETURN_IF_ERROR(recording.UpdateBuffer(data.data(), {a.get(), 0, data.size()}));
            GPUHAL_RETURN_IF_ERROR(recording.SignalEvent(*event, ExecutionStage::kTransfer));
            GPUHAL_RETURN_IF_ERROR(recording.WaitEvents(events, ExecutionStage::kTransfer,
                                                        ExecutionStage::kTransfer, barrier, {}));
            GPUHAL_RETURN_IF_ERROR(recording.CopyBuffer({a.get()}, *b, 0));
            return recording.ResetEvent(*event, ExecutionStage::kTransfer);
          },
          Reusable()));
  for (int round = 0; round < 2; ++round) {
    const uint8_t zero = 0;
    ASSERT_OK(RunAndWait([&](CommandBuffer& clear) {
      GPUHAL_RETURN_IF_ERROR(clear.FillBuffer({a.get()}, &zero, 1));
      return clear.FillBuffer({b.get()}, &zero, 1);
    }));
    ASSERT_OK(SubmitAndWait(*commands));
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*b));
    EXPECT_EQ(bytes, data) << "round " << round;
  }
}

// A command buffer may ask for the mode the device was not configured with.
TEST_P(CommandBufferTest, ExplicitModeOverridesDeviceDefault) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(1024));
  for (CommandBufferMode mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
    const uint32_t value = mode == CommandBufferMode::kGraph ? 0x6A6A6A6Au : 0x57575757u;
    ASSERT_OK(RunAndWait(
        [&](CommandBuffer& commands) {
          return commands.FillBuffer({buffer.get()}, &value, 4);
        },
        {.mode = mode}));
    ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*buffer));
    EXPECT_EQ(words, std::vector<uint32_t>(256, value));
  }
}

TEST_P(CommandBufferTest, OneShotIsRecordedOnce) {
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> commands, device().CreateCommandBuffer({}));
  ASSERT_OK(commands->Begin());
  ASSERT_OK(commands->End());
  EXPECT_THAT(commands->Begin(), StatusIs(StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace gpuhal::conformance
