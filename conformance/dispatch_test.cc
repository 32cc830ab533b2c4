// Dispatches: push constants, bindings in several sets (argument order by set, then by
// ordinal), binding offsets, many workgroups, several entry points of one executable, and
// indirect workgroup counts read when the command executes.
#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

class DispatchTest : public ConformanceTest {
 protected:
  static WorkgroupCount Cover(uint32_t count) { return {kernels::WorkgroupsFor(count), 1, 1}; }
};
CTS_INSTANTIATE(DispatchTest);

TEST_P(DispatchTest, FillWithPushConstantsStopsAtCount) {
  constexpr uint32_t kCount = 1000, kCapacity = 1024;  // not a multiple of the block size
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_fill_u32"}));
  const std::vector<uint32_t> initial = PatternWords(kCapacity, 1);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBufferWithWords(initial));
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    const SetBindings sets[] = {{0, {{0, out.get()}}}};
    const uint32_t constants[] = {0x0BADCAFEu, kCount};
    return RecordDispatch(commands, kernels, 0, sets, constants, Cover(kCount));
  }));
  std::vector<uint32_t> expected = initial;
  std::fill(expected.begin(), expected.begin() + kCount, 0x0BADCAFEu);
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
  EXPECT_EQ(words, expected);
}

// Set 0 is pushed with ordinal 3 before ordinal 0; the kernel must still receive x, y
// (ordinal order), then set 1's out, then the constants.
TEST_P(DispatchTest, BindingsAcrossSetsFollowSetThenOrdinalOrder) {
  constexpr uint32_t kCount = 777;
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_scale_add"}));
  const std::vector<uint32_t> x = PatternWords(kCount, 2), y = PatternWords(kCount, 3);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> x_buffer, NewBufferWithWords(x));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> y_buffer, NewBufferWithWords(y));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBuffer(kCount * 4));
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    const SetBindings sets[] = {{1, {{0, out.get()}}},
                                {0, {{3, y_buffer.get()}, {0, x_buffer.get()}}}};
    const uint32_t constants[] = {3, 1000, kCount};
    return RecordDispatch(commands, kernels, 0, sets, constants, Cover(kCount));
  }));
  std::vector<uint32_t> expected(kCount);
  for (uint32_t i = 0; i < kCount; ++i) expected[i] = x[i] * 3 + y[i] + 1000;
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
  EXPECT_EQ(words, expected);
}

// Binding offsets and subspans both move the address the kernel sees.
TEST_P(DispatchTest, BindingOffsetsAndSubspans) {
  constexpr uint32_t kCount = 100;
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_add_one"}));
  const std::vector<uint32_t> initial = PatternWords(1024, 4);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBufferWithWords(initial));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> tail, buffer->Subspan(2048, 2048));
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    // in = words [16, 116) through an offset binding; out = words [512 + 64, ...) through
    // an offset into a subspan that starts at word 512.
    const SetBindings sets[] = {{0, {{0, buffer.get(), 64, kCount * 4}, {1, tail.get(), 256}}}};
    const uint32_t constants[] = {kCount};
    return RecordDispatch(commands, kernels, 0, sets, constants, Cover(kCount));
  }));
  std::vector<uint32_t> expected = initial;
  for (uint32_t i = 0; i < kCount; ++i) expected[576 + i] = initial[16 + i] + 1;
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*buffer));
  EXPECT_EQ(words, expected);
}

TEST_P(DispatchTest, ManyWorkgroups) {
  constexpr uint32_t kWorkgroups = 4096;
  constexpr uint32_t kCount = kWorkgroups * kernels::kBlockSize[0];
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_iota"}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBuffer(kCount * 4));
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    const SetBindings sets[] = {{0, {{0, out.get()}}}};
    const uint32_t constants[] = {7, kCount};
    return RecordDispatch(commands, kernels, 0, sets, constants, {kWorkgroups, 1, 1});
  }));
  std::vector<uint32_t> expected(kCount);
  for (uint32_t i = 0; i < kCount; ++i) expected[i] = i + 7;
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
  EXPECT_TRUE(words == expected);
}

TEST_P(DispatchTest, ThreeDimensionalGrid) {
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_count_workgroups"}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBufferWithWords(std::vector<uint32_t>(4, 0)));
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    const SetBindings sets[] = {{0, {{0, out.get()}}}};
    return RecordDispatch(commands, kernels, 0, sets, {}, {5, 3, 2});
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
  EXPECT_EQ(words, (std::vector<uint32_t>{30, 5, 3, 2}));
}

// Several entry points of one executable in one command buffer, each depending on the
// previous through a barrier; constants set once stay in effect for later dispatches.
TEST_P(DispatchTest, SeveralEntryPointsInOneExecutable) {
  constexpr uint32_t kCount = 300;
  ASSERT_OK_AND_ASSIGN(Kernels kernels,
                           LoadKernels({"cts_iota", "cts_add_one", "cts_fill_u32"}));
  ASSERT_EQ(kernels.executable->entry_point_count(), 3u);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> a, NewBuffer(kCount * 4));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> b, NewBuffer(kCount * 4));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> c, NewBuffer(kCount * 4));
  const MemoryBarrier barrier[] = {{AccessScope::kDispatchWrite, AccessScope::kDispatchRead}};
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    const SetBindings iota_sets[] = {{0, {{0, a.get()}}}};
    const uint32_t iota_constants[] = {50, kCount};
    GPUHAL_RETURN_IF_ERROR(
        RecordDispatch(commands, kernels, 0, iota_sets, iota_constants, Cover(kCount)));
    GPUHAL_RETURN_IF_ERROR(commands.ExecutionBarrier(ExecutionStage::kDispatch,
                                                     ExecutionStage::kDispatch, barrier, {}));
    const SetBindings add_sets[] = {{0, {{0, a.get()}, {1, b.get()}}}};
    const uint32_t add_constants[] = {kCount};
    GPUHAL_RETURN_IF_ERROR(
        RecordDispatch(commands, kernels, 1, add_sets, add_constants, Cover(kCount)));
    // Fill twice: the second dispatch changes only constant 0 and keeps constant 1.
    const SetBindings fill_sets[] = {{0, {{0, c.get()}}}};
    const uint32_t fill_constants[] = {1, kCount};
    GPUHAL_RETURN_IF_ERROR(
        RecordDispatch(commands, kernels, 2, fill_sets, fill_constants, Cover(kCount)));
    GPUHAL_RETURN_IF_ERROR(commands.ExecutionBarrier(ExecutionStage::kDispatch,
                                                     ExecutionStage::kDispatch, barrier, {}));
    const uint32_t new_value = 0xF00Du;
    GPUHAL_RETURN_IF_ERROR(commands.PushConstants(
        kernels.layout(2), 0, {reinterpret_cast<const uint8_t*>(&new_value), 4}));
    return commands.Dispatch(*kernels.executable, 2, Cover(kCount));
  }));
  std::vector<uint32_t> expected_b(kCount);
  for (uint32_t i = 0; i < kCount; ++i) expected_b[i] = i + 51;
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> b_words, ReadWords(*b));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> c_words, ReadWords(*c));
  EXPECT_EQ(b_words, expected_b);
  EXPECT_EQ(c_words, std::vector<uint32_t>(kCount, 0xF00Du));
}

TEST_P(DispatchTest, EntryPointsAreListedAndLookedUp) {
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_iota", "cts_scale_add"}));
  Executable& executable = *kernels.executable;
  ASSERT_EQ(executable.entry_point_count(), 2u);
  EXPECT_EQ(executable.entry_point(0).name, "cts_iota");
  EXPECT_EQ(executable.entry_point(1).name, "cts_scale_add");
  EXPECT_EQ(executable.entry_point(1).block_size, kernels::kBlockSize);
  EXPECT_EQ(executable.entry_point(1).layout, kernels.layouts[1].get());
  Result<uint32_t> ordinal = executable.LookupEntryPoint("cts_scale_add");
  ASSERT_OK(ordinal) << ordinal.status();
  EXPECT_EQ(*ordinal, 1u);
  EXPECT_THAT(executable.LookupEntryPoint("missing"), StatusIs(StatusCode::kNotFound));
}

// The workgroup count is read when the command runs: an update recorded before the
// indirect dispatch (behind a barrier) decides it, not the buffer's contents at record
// time.
TEST_P(DispatchTest, IndirectCountsReadAtExecution) {
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_count_workgroups"}));
  // Parameters at byte offset 16 of a larger buffer, to exercise the range offset.
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> params,
                           NewBufferWithWords(std::vector<uint32_t>{9, 9, 9, 9, 1, 1, 1, 9}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBufferWithWords(std::vector<uint32_t>(4, 0)));
  const uint32_t counts[] = {7, 2, 3};
  const MemoryBarrier barrier[] = {
      {AccessScope::kTransferWrite, AccessScope::kIndirectCommandRead}};
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    GPUHAL_RETURN_IF_ERROR(commands.UpdateBuffer(counts, {params.get(), 16, sizeof(counts)}));
    GPUHAL_RETURN_IF_ERROR(commands.ExecutionBarrier(
        ExecutionStage::kTransfer, ExecutionStage::kCommandProcess | ExecutionStage::kDispatch,
        barrier, {}));
    const SetBindings sets[] = {{0, {{0, out.get()}}}};
    GPUHAL_RETURN_IF_ERROR(commands.PushDescriptorSet(kernels.layout(0), 0, sets[0].bindings));
    return commands.DispatchIndirect(*kernels.executable, 0, {params.get(), 16, 12});
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
  EXPECT_EQ(words, (std::vector<uint32_t>{42, 7, 2, 3}));
}

// A reusable indirect dispatch picks up new counts on every submission.
TEST_P(DispatchTest, IndirectCountsChangeBetweenSubmissions) {
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_count_workgroups"}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> params, NewBuffer(12));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBuffer(16));
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> dispatch,
      Record(
          [&](CommandBuffer& commands) {
            const BufferBinding binding[] = {{0, out.get()}};
            GPUHAL_RETURN_IF_ERROR(commands.PushDescriptorSet(kernels.layout(0), 0, binding));
            return commands.DispatchIndirect(*kernels.executable, 0, {params.get()});
          },
          {.usage = CommandBufferUsage::kReusable}));
  for (const WorkgroupCount& count :
       {WorkgroupCount{1, 1, 1}, WorkgroupCount{64, 2, 1}, WorkgroupCount{3, 1, 5}}) {
    ASSERT_OK(device().WriteBuffer(std::as_bytes(std::span(count)), *params, 0));
    const std::vector<uint32_t> zeros(4, 0);
    ASSERT_OK(device().WriteBuffer(std::as_bytes(std::span(zeros)), *out, 0));
    ASSERT_OK(SubmitAndWait(*dispatch));
    ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
    EXPECT_EQ(words, (std::vector<uint32_t>{count[0] * count[1] * count[2], count[0], count[1],
                                            count[2]}));
  }
}

}  // namespace
}  // namespace gpuhal::conformance
