// Every command of a device-created command buffer (CreateGpuCommandBuffer, wrapped in
// the validating shim), issued with IssueCommandBuffer, in graph and stream mode. A
// type-parameterized suite: gpu_command_buffer_cuda_test.cc and _hip_test.cc instantiate
// it for their vendor (see command_test_harness.h for why the vendors build apart).
#ifndef GPUHAL_BACKENDS_GPU_TESTING_GPU_COMMAND_BUFFER_TEST_SUITE_H_
#define GPUHAL_BACKENDS_GPU_TESTING_GPU_COMMAND_BUFFER_TEST_SUITE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "backends/gpu/testing/command_test_harness.h"
#include "backends/gpu/command_half.h"
#include "gpuhal/core/heap_buffer.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu::testing {

using ::testing::HasSubstr;

template <typename VendorT, CommandBufferMode kModeT>
struct Config {
  using V = VendorT;
  static constexpr CommandBufferMode kMode = kModeT;
};

struct ConfigNames {
  template <typename C>
  static std::string GetName(int) {
    return std::string(FakePlatform<typename C::V>::kName) +
           (C::kMode == CommandBufferMode::kGraph ? "Graph" : "Stream");
  }
};

template <typename C>
class GpuCommandBufferTest : public ::testing::Test {
 protected:
  using V = typename C::V;
  static constexpr CommandBufferMode kMode = C::kMode;

  void SetUp() override {
    auto gpu = FakeGpu<V>::Create(kMode);
    ASSERT_OK(gpu) << gpu.status();
    gpu_ = std::move(*gpu);
  }

  Ref<Buffer> NewBuffer(size_t length, uint8_t fill = 0xEE) {
    auto buffer = gpu_->Allocate(length);
    EXPECT_OK(buffer) << buffer.status();
    if (!buffer.ok()) return nullptr;
    EXPECT_OK(gpu_->Write(**buffer, 0, std::vector<uint8_t>(length, fill)));
    return *buffer;
  }
  Ref<CommandBuffer> NewCommandBuffer(CommandBufferUsage usage = CommandBufferUsage::kOneShot,
                                      CommandBufferMode mode = kMode) {
    auto command_buffer = gpu_->CreateCommandBuffer(mode, usage);
    EXPECT_OK(command_buffer) << command_buffer.status();
    return command_buffer.ok() ? *command_buffer : nullptr;
  }
  std::vector<uint8_t> ReadAll(Buffer& buffer) {
    auto bytes = gpu_->Read(buffer, 0, buffer.byte_length());
    EXPECT_OK(bytes) << bytes.status();
    return bytes.ok() ? *bytes : std::vector<uint8_t>();
  }
  std::vector<uint32_t> ReadU32(Buffer& buffer, size_t offset, size_t count) {
    auto values = gpu_->template ReadValues<uint32_t>(buffer, offset, count);
    EXPECT_OK(values) << values.status();
    return values.ok() ? *values : std::vector<uint32_t>();
  }

  std::unique_ptr<FakeGpu<V>> gpu_;
};
TYPED_TEST_SUITE_P(GpuCommandBufferTest);

// ---- Transfers -----------------------------------------------------------------------

TYPED_TEST_P(GpuCommandBufferTest, FillPatternsOfEveryLengthAtOffsetsAndSubspans) {
  Ref<Buffer> buffer = this->NewBuffer(128);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> view, buffer->Subspan(64, 64));
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  const uint8_t p8 = 0xAB;
  const uint16_t p16 = 0x1234;
  const uint32_t p32 = 0xDEADBEEF;
  const uint32_t pview = 0x01020304;
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->FillBuffer({buffer.get(), 1, 7}, &p8, 1));  // odd offset and length
  ASSERT_OK(cb->FillBuffer({buffer.get(), 10, 6}, &p16, 2));
  ASSERT_OK(cb->FillBuffer({buffer.get(), 20, 12}, &p32, 4));
  ASSERT_OK(cb->FillBuffer({view.get(), 4, 8}, &pview, 4));           // adds the view's offset
  ASSERT_OK(cb->FillBuffer({view.get(), 61, kWholeBuffer}, &p8, 1));  // to the end
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));

  std::vector<uint8_t> expected(128, 0xEE);
  std::memset(&expected[1], p8, 7);
  for (int i = 0; i < 3; ++i) std::memcpy(&expected[10 + 2 * i], &p16, 2);
  for (int i = 0; i < 3; ++i) std::memcpy(&expected[20 + 4 * i], &p32, 4);
  for (int i = 0; i < 2; ++i) std::memcpy(&expected[64 + 4 + 4 * i], &pview, 4);
  std::memset(&expected[125], p8, 3);
  EXPECT_EQ(this->ReadAll(*buffer), expected);
}

TYPED_TEST_P(GpuCommandBufferTest, UpdateCapturesTheBytesAtRecordTime) {
  Ref<Buffer> buffer = this->NewBuffer(64);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> view, buffer->Subspan(16, 48));
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  std::vector<uint8_t> source = {1, 2, 3, 4, 5, 6, 7};
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->UpdateBuffer(source.data(), {buffer.get(), 3, 7}));
  ASSERT_OK(cb->UpdateBuffer(source.data(), {view.get(), 5, 7}));
  ASSERT_OK(cb->End());
  std::fill(source.begin(), source.end(), 0);  // the caller reuses its memory at once
  ASSERT_OK(this->gpu_->Submit(*cb));

  std::vector<uint8_t> expected(64, 0xEE);
  for (int i = 0; i < 7; ++i) expected[3 + i] = expected[16 + 5 + i] = static_cast<uint8_t>(i + 1);
  EXPECT_EQ(this->ReadAll(*buffer), expected);
}

TYPED_TEST_P(GpuCommandBufferTest, CopiesWithOffsetsSubspansAndOddLengths) {
  Ref<Buffer> source = this->NewBuffer(64);
  Ref<Buffer> target = this->NewBuffer(64);
  std::vector<uint8_t> pattern(64);
  std::iota(pattern.begin(), pattern.end(), 0);
  ASSERT_OK(this->gpu_->Write(*source, 0, pattern));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> source_view, source->Subspan(8, 32));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> target_view, target->Subspan(32, 32));
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->CopyBuffer({source.get(), 1, 5}, *target, 3));
  ASSERT_OK(cb->CopyBuffer({source_view.get(), 3, 13}, *target_view, 1));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));

  std::vector<uint8_t> expected(64, 0xEE);
  for (int i = 0; i < 5; ++i) expected[3 + i] = static_cast<uint8_t>(1 + i);
  for (int i = 0; i < 13; ++i) expected[32 + 1 + i] = static_cast<uint8_t>(8 + 3 + i);
  EXPECT_EQ(this->ReadAll(*target), expected);
}

TYPED_TEST_P(GpuCommandBufferTest, BarriersOrderDependentTransfers) {
  Ref<Buffer> a = this->NewBuffer(256);
  Ref<Buffer> b = this->NewBuffer(256);
  Ref<Buffer> c = this->NewBuffer(256);
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  const uint32_t pattern = 0x5A5A0001;
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->FillBuffer({a.get(), 0, 256}, &pattern, 4));
  ASSERT_OK(cb->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
  ASSERT_OK(cb->CopyBuffer({a.get(), 0, 256}, *b, 0));
  ASSERT_OK(cb->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
  ASSERT_OK(cb->CopyBuffer({b.get(), 0, 256}, *c, 0));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*c, 0, 64), std::vector<uint32_t>(64, pattern));
}

// The reference capped the nodes between two barriers at 32.
TYPED_TEST_P(GpuCommandBufferTest, ThousandsOfCommandsBetweenBarriers) {
  constexpr uint32_t kCommands = 1500;
  Ref<Buffer> a = this->NewBuffer(kCommands * 4);
  Ref<Buffer> b = this->NewBuffer(kCommands * 4);
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  for (uint32_t i = 0; i < kCommands; ++i) {
    ASSERT_OK(cb->FillBuffer({a.get(), i * 4, 4}, &i, 4));
  }
  ASSERT_OK(cb->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
  ASSERT_OK(cb->CopyBuffer({a.get(), 0, kCommands * 4}, *b, 0));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  std::vector<uint32_t> expected(kCommands);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(this->ReadU32(*b, 0, kCommands), expected);
}

TYPED_TEST_P(GpuCommandBufferTest, DiscardAndDebugGroupsChangeNothing) {
  Ref<Buffer> buffer = this->NewBuffer(16, 0x11);
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->BeginDebugGroup("outer", 0xff0000ff));
  ASSERT_OK(cb->BeginDebugGroup("inner", 0));
  ASSERT_OK(cb->DiscardBuffer({buffer.get(), 0, kWholeBuffer}));
  ASSERT_OK(cb->EndDebugGroup());
  ASSERT_OK(cb->EndDebugGroup());
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadAll(*buffer), std::vector<uint8_t>(16, 0x11));
}

TYPED_TEST_P(GpuCommandBufferTest, EmptyCommandBufferIssuesNothing) {
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->End());
  EXPECT_OK(this->gpu_->Submit(*cb));
}

// ---- Dispatch ------------------------------------------------------------------------

TYPED_TEST_P(GpuCommandBufferTest, DispatchWithBindingsInTwoSetsAndAPushConstant) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(
      Ref<Executable> executable,
      this->gpu_->LoadKernels({Spec{"scale_by_constant", {1, 1}, 1, {32, 1, 1}}}, &layouts));
  constexpr uint32_t kWorkgroups = 64;
  constexpr uint32_t kElements = kWorkgroups * 32;
  Ref<Buffer> in = this->NewBuffer(kElements * 4 + 16);
  Ref<Buffer> out = this->NewBuffer(kElements * 4 + 16);
  std::vector<uint32_t> input(kElements);
  std::iota(input.begin(), input.end(), 1);
  ASSERT_OK(this->gpu_->WriteValues(*in, 16, input));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out_view, out->Subspan(8, kElements * 4 + 8));

  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  const uint32_t factor = 3;
  const BufferBinding in_binding{0, in.get(), 16, kWholeBuffer};
  const BufferBinding out_binding{0, out_view.get(), 8, kWholeBuffer};
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, {&in_binding, 1}));
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 1, {&out_binding, 1}));
  ASSERT_OK(cb->PushConstants(*layouts[0], 0,
                              {reinterpret_cast<const uint8_t*>(&factor), sizeof(factor)}));
  ASSERT_OK(cb->Dispatch(*executable, 0, {kWorkgroups, 1, 1}));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));

  std::vector<uint32_t> expected(kElements);
  for (uint32_t i = 0; i < kElements; ++i) expected[i] = input[i] * factor;
  EXPECT_EQ(this->ReadU32(*out, 16, kElements), expected);
}

TYPED_TEST_P(GpuCommandBufferTest, DispatchArgumentsFollowTheLayoutAbi) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(
      Ref<Executable> executable,
      this->gpu_->LoadKernels({Spec{"dump_arguments", {2, 1}, 2, {1, 1, 1}}}, &layouts));
  Ref<Buffer> out = this->NewBuffer(64);
  Ref<Buffer> a = this->NewBuffer(64);
  Ref<Buffer> b = this->NewBuffer(64);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> b_view, b->Subspan(16, 48));
  ASSERT_OK_AND_ASSIGN(DeviceAddress out_address, this->gpu_->AddressOf(*out));
  ASSERT_OK_AND_ASSIGN(DeviceAddress a_address, this->gpu_->AddressOf(*a));
  ASSERT_OK_AND_ASSIGN(DeviceAddress b_address, this->gpu_->AddressOf(*b));

  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  // Ordinals pushed out of order: the argument order comes from the layout.
  const BufferBinding set0[] = {{1, a.get(), 4, kWholeBuffer}, {0, out.get(), 0, kWholeBuffer}};
  const BufferBinding set1[] = {{0, b_view.get(), 8, kWholeBuffer}};
  const uint32_t constants[] = {0xC0, 0xC1};
  ASSERT_OK(cb->Begin());
  ASSERT_OK(
      cb->PushConstants(*layouts[0], 4, {reinterpret_cast<const uint8_t*>(&constants[1]), 4}));
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 1, set1));
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, set0));
  ASSERT_OK(
      cb->PushConstants(*layouts[0], 0, {reinterpret_cast<const uint8_t*>(&constants[0]), 4}));
  ASSERT_OK(cb->Dispatch(*executable, 0, {1, 1, 1}));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));

  auto dumped = this->gpu_->template ReadValues<uint64_t>(*out, 0, 5);
  ASSERT_OK(dumped.status());
  EXPECT_EQ(*dumped,
            (std::vector<uint64_t>{out_address, a_address + 4, b_address + 16 + 8, 0xC0, 0xC1}));
}

TYPED_TEST_P(GpuCommandBufferTest, SeveralEntryPointsChainedByBarriers) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable,
                       this->gpu_->LoadKernels({Spec{"fill_u32", {1}, 1, {16, 1, 1}},
                                                Spec{"add_one", {2}, 0, {16, 1, 1}},
                                                Spec{"scale_by_constant", {1, 1}, 1, {16, 1, 1}}},
                                               &layouts));
  ASSERT_EQ(executable->entry_point_count(), 3u);
  ASSERT_OK_AND_ASSIGN(uint32_t add_one, executable->LookupEntryPoint("add_one"));
  constexpr uint32_t kElements = 8 * 16;
  Ref<Buffer> a = this->NewBuffer(kElements * 4);
  Ref<Buffer> b = this->NewBuffer(kElements * 4);
  Ref<Buffer> c = this->NewBuffer(kElements * 4);
  const uint32_t five = 5, three = 3;
  const BufferBinding fill_set[] = {{0, a.get(), 0, kWholeBuffer}};
  const BufferBinding add_set[] = {{0, a.get(), 0, kWholeBuffer}, {1, b.get(), 0, kWholeBuffer}};
  const BufferBinding scale_in[] = {{0, b.get(), 0, kWholeBuffer}};
  const BufferBinding scale_out[] = {{0, c.get(), 0, kWholeBuffer}};
  auto barrier = [](CommandBuffer& cb) {
    return cb.ExecutionBarrier(ExecutionStage::kDispatch, ExecutionStage::kDispatch, {}, {});
  };
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, fill_set));
  ASSERT_OK(cb->PushConstants(*layouts[0], 0, {reinterpret_cast<const uint8_t*>(&five), 4}));
  ASSERT_OK(cb->Dispatch(*executable, 0, {8, 1, 1}));
  ASSERT_OK(barrier(*cb));
  ASSERT_OK(cb->PushDescriptorSet(*layouts[1], 0, add_set));
  ASSERT_OK(cb->Dispatch(*executable, add_one, {8, 1, 1}));
  ASSERT_OK(barrier(*cb));
  ASSERT_OK(cb->PushDescriptorSet(*layouts[2], 0, scale_in));
  ASSERT_OK(cb->PushDescriptorSet(*layouts[2], 1, scale_out));
  ASSERT_OK(cb->PushConstants(*layouts[2], 0, {reinterpret_cast<const uint8_t*>(&three), 4}));
  ASSERT_OK(cb->Dispatch(*executable, 2, {8, 1, 1}));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*c, 0, kElements), std::vector<uint32_t>(kElements, 18));
}

// The reference's push-constant bound check was off by one.
TYPED_TEST_P(GpuCommandBufferTest, ExactlyMaxPushConstantsWorkAndOneMoreIsRejected) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable,
                       this->gpu_->LoadKernels(
                           {Spec{"store_constants", {1}, kMaxPushConstants, {1, 1, 1}}}, &layouts));
  Ref<Buffer> out = this->NewBuffer(kMaxPushConstants * 4);
  std::vector<uint32_t> constants(kMaxPushConstants);
  std::iota(constants.begin(), constants.end(), 100);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(constants.data()),
                                       constants.size() * 4);
  const BufferBinding binding{0, out.get(), 0, kWholeBuffer};
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, {&binding, 1}));
  ASSERT_OK(cb->PushConstants(*layouts[0], 0, bytes));
  Status past_end = cb->PushConstants(*layouts[0], kMaxPushConstants * 4, bytes.first(4));
  EXPECT_EQ(past_end.code(), StatusCode::kOutOfRange) << past_end;
  Status one_too_many = cb->PushConstants(*layouts[0], 4, bytes);
  EXPECT_EQ(one_too_many.code(), StatusCode::kOutOfRange) << one_too_many;
  ASSERT_OK(cb->Dispatch(*executable, 0, {1, 1, 1}));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*out, 0, kMaxPushConstants), constants);

  auto too_big = this->gpu_->StorageLayout({1}, kMaxPushConstants + 1);
  EXPECT_EQ(too_big.status().code(), StatusCode::kInvalidArgument);
}

TYPED_TEST_P(GpuCommandBufferTest, DispatchWithoutItsBindingsIsRejected) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable,
                       this->gpu_->LoadKernels({Spec{"add_one", {2}, 0}}, &layouts));
  Ref<Buffer> a = this->NewBuffer(16);
  const BufferBinding only_input{0, a.get(), 0, kWholeBuffer};
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, {&only_input, 1}));
  // Refused when recorded, in both modes (stream mode used to accept it and fail the
  // submission).
  Status status = cb->Dispatch(*executable, 0, {1, 1, 1});
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("binding ordinal 1"));
  // The recording holds nothing of it.
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
}

TYPED_TEST_P(GpuCommandBufferTest, ZeroWorkgroupsLaunchNothing) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable,
                       this->gpu_->LoadKernels({Spec{"fill_u32", {1}, 1}}, &layouts));
  Ref<Buffer> a = this->NewBuffer(16, 0x22);
  const BufferBinding binding{0, a.get(), 0, kWholeBuffer};
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, {&binding, 1}));
  ASSERT_OK(cb->Dispatch(*executable, 0, {0, 1, 1}));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadAll(*a), std::vector<uint8_t>(16, 0x22));
}

// The workgroup count is written by an earlier command of the same command buffer, so it
// can only be right if it is read when the dispatch executes.
TYPED_TEST_P(GpuCommandBufferTest, DispatchIndirectReadsTheCountWhenItExecutes) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(
      Ref<Executable> executable,
      this->gpu_->LoadKernels({Spec{"record_grid", {1}, 0}, Spec{"fill_u32", {1}, 1, {8, 1, 1}}},
                              &layouts));
  Ref<Buffer> parameters = this->NewBuffer(64, 0);
  Ref<Buffer> grid = this->NewBuffer(16, 0);
  Ref<Buffer> filled = this->NewBuffer(4 * 8 * 4, 0);
  Ref<Buffer> copy = this->NewBuffer(16, 0);
  const uint32_t counts[] = {3, 2, 5, 4, 1, 1};
  const BufferBinding grid_binding{0, grid.get(), 0, kWholeBuffer};
  const BufferBinding fill_binding{0, filled.get(), 0, kWholeBuffer};
  const uint32_t seven = 7;

  Ref<CommandBuffer> cb = this->NewCommandBuffer(CommandBufferUsage::kReusable);
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->UpdateBuffer(counts, {parameters.get(), 16, sizeof(counts)}));
  ASSERT_OK(cb->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kDispatch, {}, {}));
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, {&grid_binding, 1}));
  ASSERT_OK(cb->DispatchIndirect(*executable, 0, {parameters.get(), 16, 12}));
  ASSERT_OK(cb->ExecutionBarrier(ExecutionStage::kDispatch, ExecutionStage::kTransfer, {}, {}));
  ASSERT_OK(cb->CopyBuffer({grid.get(), 0, 16}, *copy, 0));
  ASSERT_OK(cb->PushDescriptorSet(*layouts[1], 0, {&fill_binding, 1}));
  ASSERT_OK(cb->PushConstants(*layouts[1], 0, {reinterpret_cast<const uint8_t*>(&seven), 4}));
  ASSERT_OK(cb->DispatchIndirect(*executable, 1, {parameters.get(), 28, kWholeBuffer}));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*copy, 0, 4), (std::vector<uint32_t>{3, 2, 5, 1}));
  std::vector<uint32_t> expected(4 * 8, 7);
  EXPECT_EQ(this->ReadU32(*filled, 0, 4 * 8), expected);

  // A reusable buffer reads the count again on every submission.
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*copy, 0, 4), (std::vector<uint32_t>{3, 2, 5, 2}));
}

TYPED_TEST_P(GpuCommandBufferTest, IndirectCountOfZeroLaunchesNothing) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable,
                       this->gpu_->LoadKernels({Spec{"record_grid", {1}, 0}}, &layouts));
  Ref<Buffer> parameters = this->NewBuffer(12, 0);
  Ref<Buffer> grid = this->NewBuffer(16, 0);
  const BufferBinding binding{0, grid.get(), 0, kWholeBuffer};
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, {&binding, 1}));
  ASSERT_OK(cb->DispatchIndirect(*executable, 0, {parameters.get(), 0, 12}));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*grid, 0, 4), std::vector<uint32_t>(4, 0));
}

// ---- Events --------------------------------------------------------------------------

TYPED_TEST_P(GpuCommandBufferTest, SignalAndWaitEventsInsideOneCommandBuffer) {
  ASSERT_OK_AND_ASSIGN(Ref<Event> event, CreateGpuEvent(this->gpu_->context()));
  Ref<Buffer> a = this->NewBuffer(64);
  Ref<Buffer> b = this->NewBuffer(64);
  const uint32_t pattern = 0x0BADF00D;
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  Event* events[] = {event.get()};
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->FillBuffer({a.get(), 0, 64}, &pattern, 4));
  ASSERT_OK(cb->SignalEvent(*event, ExecutionStage::kTransfer));
  ASSERT_OK(cb->WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
  ASSERT_OK(cb->CopyBuffer({a.get(), 0, 64}, *b, 0));
  ASSERT_OK(cb->ResetEvent(*event, ExecutionStage::kTransfer));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*b, 0, 16), std::vector<uint32_t>(16, pattern));
}

// The consumer runs on another stream: only the event orders it after the producer.
TYPED_TEST_P(GpuCommandBufferTest, EventsOrderCommandBuffersAcrossStreams) {
  ASSERT_OK_AND_ASSIGN(Ref<Event> event, CreateGpuEvent(this->gpu_->context()));
  const auto& vendor = this->gpu_->vendor();
  ASSERT_OK_AND_ASSIGN(auto other_stream, vendor.CreateStream());
  for (int round = 0; round < 8; ++round) {
    Ref<Buffer> a = this->NewBuffer(4096, 0);
    Ref<Buffer> b = this->NewBuffer(4096, 0);
    const uint32_t pattern = 0x100 + round;
    Ref<CommandBuffer> producer = this->NewCommandBuffer();
    ASSERT_OK(producer->Begin());
    for (uint32_t i = 0; i < 16; ++i) {
      ASSERT_OK(producer->FillBuffer({a.get(), i * 256, 256}, &pattern, 4));
    }
    ASSERT_OK(producer->SignalEvent(*event, ExecutionStage::kTransfer));
    ASSERT_OK(producer->End());
    Ref<CommandBuffer> consumer = this->NewCommandBuffer();
    Event* events[] = {event.get()};
    ASSERT_OK(consumer->Begin());
    ASSERT_OK(
        consumer->WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
    ASSERT_OK(consumer->CopyBuffer({a.get(), 0, 4096}, *b, 0));
    ASSERT_OK(consumer->End());
    ASSERT_OK(IssueCommandBuffer(this->gpu_->context(), *producer, this->gpu_->stream()));
    ASSERT_OK(IssueCommandBuffer(this->gpu_->context(), *consumer, other_stream));
    ASSERT_OK(vendor.SynchronizeStream(other_stream));
    EXPECT_EQ(this->ReadU32(*b, 0, 1024), std::vector<uint32_t>(1024, pattern)) << round;
  }
  ASSERT_OK(vendor.DestroyStream(other_stream));
}

// ---- Nesting, reuse ------------------------------------------------------------------

TYPED_TEST_P(GpuCommandBufferTest, ExecuteCommandsOfEitherModeInline) {
  for (CommandBufferMode nested_mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
    Ref<Buffer> a = this->NewBuffer(64, 0);
    Ref<Buffer> b = this->NewBuffer(64, 0);
    const uint16_t pattern = 0xA1B2;
    Ref<CommandBuffer> nested = this->NewCommandBuffer(CommandBufferUsage::kReusable, nested_mode);
    ASSERT_OK(nested->Begin());
    ASSERT_OK(nested->FillBuffer({a.get(), 0, 32}, &pattern, 2));
    ASSERT_OK(
        nested->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
    ASSERT_OK(nested->CopyBuffer({a.get(), 0, 32}, *a, 32));
    ASSERT_OK(nested->End());

    Ref<CommandBuffer> cb = this->NewCommandBuffer();
    ASSERT_OK(cb->Begin());
    ASSERT_OK(cb->ExecuteCommands(*nested));
    ASSERT_OK(cb->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
    ASSERT_OK(cb->CopyBuffer({a.get(), 0, 64}, *b, 0));
    ASSERT_OK(cb->End());
    nested.reset();  // the parent keeps it alive
    ASSERT_OK(this->gpu_->Submit(*cb));
    std::vector<uint8_t> expected(64);
    for (size_t i = 0; i < 64; i += 2) std::memcpy(&expected[i], &pattern, 2);
    EXPECT_EQ(this->ReadAll(*b), expected) << static_cast<int>(nested_mode);
  }
}

TYPED_TEST_P(GpuCommandBufferTest, NestedIndirectDispatchAndArgumentsStayScoped) {
  using Spec = typename FakeGpu<typename TestFixture::V>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable,
                       this->gpu_->LoadKernels({Spec{"fill_u32", {1}, 1, {4, 1, 1}}}, &layouts));
  Ref<Buffer> parameters = this->NewBuffer(12, 0);
  ASSERT_OK(this->gpu_->WriteValues(*parameters, 0, std::vector<uint32_t>{2, 1, 1}));
  Ref<Buffer> inner_out = this->NewBuffer(32, 0);
  Ref<Buffer> outer_out = this->NewBuffer(32, 0);
  const BufferBinding inner_binding{0, inner_out.get(), 0, kWholeBuffer};
  const BufferBinding outer_binding{0, outer_out.get(), 0, kWholeBuffer};
  const uint32_t one = 1, two = 2;
  for (CommandBufferMode nested_mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
    Ref<CommandBuffer> nested = this->NewCommandBuffer(CommandBufferUsage::kReusable, nested_mode);
    ASSERT_OK(nested->Begin());
    ASSERT_OK(nested->PushDescriptorSet(*layouts[0], 0, {&inner_binding, 1}));
    ASSERT_OK(nested->PushConstants(*layouts[0], 0, {reinterpret_cast<const uint8_t*>(&two), 4}));
    ASSERT_OK(nested->DispatchIndirect(*executable, 0, {parameters.get(), 0, 12}));
    ASSERT_OK(nested->End());

    Ref<CommandBuffer> cb = this->NewCommandBuffer();
    ASSERT_OK(cb->Begin());
    ASSERT_OK(cb->PushDescriptorSet(*layouts[0], 0, {&outer_binding, 1}));
    ASSERT_OK(cb->PushConstants(*layouts[0], 0, {reinterpret_cast<const uint8_t*>(&one), 4}));
    ASSERT_OK(cb->ExecuteCommands(*nested));
    ASSERT_OK(cb->Dispatch(*executable, 0, {2, 1, 1}));  // still bound to outer_out and 1
    ASSERT_OK(cb->End());
    ASSERT_OK(this->gpu_->Submit(*cb));
    EXPECT_EQ(this->ReadU32(*inner_out, 0, 8), std::vector<uint32_t>(8, 2));
    EXPECT_EQ(this->ReadU32(*outer_out, 0, 8), std::vector<uint32_t>(8, 1));
    ASSERT_OK(this->gpu_->Write(*inner_out, 0, std::vector<uint8_t>(32, 0)));
    ASSERT_OK(this->gpu_->Write(*outer_out, 0, std::vector<uint8_t>(32, 0)));
  }
}

TYPED_TEST_P(GpuCommandBufferTest, ReusableBuffersRunAgainAndCanBeReRecorded) {
  Ref<Buffer> a = this->NewBuffer(16, 0);
  Ref<CommandBuffer> cb = this->NewCommandBuffer(CommandBufferUsage::kReusable);
  const uint32_t first = 1, second = 2;
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->FillBuffer({a.get(), 0, 16}, &first, 4));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  ASSERT_OK(this->gpu_->Write(*a, 0, std::vector<uint8_t>(16, 0)));
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*a, 0, 4), std::vector<uint32_t>(4, first));

  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->FillBuffer({a.get(), 8, 8}, &second, 4));
  ASSERT_OK(cb->End());
  ASSERT_OK(this->gpu_->Submit(*cb));
  EXPECT_EQ(this->ReadU32(*a, 0, 4), (std::vector<uint32_t>{first, first, second, second}));
}

TYPED_TEST_P(GpuCommandBufferTest, OneShotBuffersAreRecordedOnce) {
  Ref<CommandBuffer> cb = this->NewCommandBuffer(CommandBufferUsage::kOneShot);
  ASSERT_OK(cb->Begin());
  ASSERT_OK(cb->End());
  EXPECT_EQ(cb->Begin().code(), StatusCode::kFailedPrecondition);
}

// ---- Rejections ----------------------------------------------------------------------

TYPED_TEST_P(GpuCommandBufferTest, IssuingAnUnendedBufferFails) {
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  ASSERT_OK(cb->Begin());
  Status status = IssueCommandBuffer(this->gpu_->context(), *cb, this->gpu_->stream());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status;
}

TYPED_TEST_P(GpuCommandBufferTest, BuffersOfAnotherDeviceAreRejected) {
  ASSERT_OK_AND_ASSIGN(auto other, FakeGpu<typename TestFixture::V>::Create());
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> foreign, other->Allocate(16));
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  const uint8_t pattern = 1;
  ASSERT_OK(cb->Begin());
  // Refused when recorded, in both modes.
  Status status = cb->FillBuffer({foreign.get(), 0, 16}, &pattern, 1);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
  cb.reset();
  foreign.reset();
}

// Buffers and executables are recognised by their type tags (Buffer::TypeTag,
// Executable::TypeTag): those of another backend never reach the driver.
TYPED_TEST_P(GpuCommandBufferTest, BuffersAndExecutablesOfOtherBackendsAreRejected) {
  class ForeignExecutable final : public Executable {
   public:
    uint32_t entry_point_count() const override { return 1; }
    const EntryPointInfo& entry_point(uint32_t) const override { return entry_; }

   private:
    EntryPointInfo entry_{"foreign"};
  };
  ASSERT_OK_AND_ASSIGN(Ref<HeapBuffer> host,
                       HeapBuffer::Create(Allocator::System(), BufferParams{}, 16));
  Ref<Executable> foreign = Ref<Executable>::Adopt(new ForeignExecutable());
  const uint8_t pattern = 1;
  for (int command = 0; command < 2; ++command) {
    Ref<CommandBuffer> cb = this->NewCommandBuffer();
    ASSERT_OK(cb->Begin());
    Status status = command == 0 ? cb->FillBuffer({host.get(), 0, 16}, &pattern, 1)
                                 : cb->Dispatch(*foreign, 0, {1, 1, 1});
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()),
                HasSubstr(command == 0 ? "was not allocated by" : "was not loaded by"));
  }
}

// Collectives themselves are tested with real channels in collective_test.cc; here only
// that a channel the device did not create never reaches NCCL/RCCL.
TYPED_TEST_P(GpuCommandBufferTest, CollectivesOnAForeignChannelAreRejected) {
  class ForeignChannel final : public Channel {
   public:
    int32_t rank() const override { return 0; }
    int32_t count() const override { return 1; }
    Result<Ref<Channel>> Split(int32_t, int32_t) override { return UnimplementedError("no"); }
  };
  Ref<Channel> channel = Ref<Channel>::Adopt(new ForeignChannel());
  Ref<Buffer> a = this->NewBuffer(64);
  Ref<CommandBuffer> cb = this->NewCommandBuffer();
  CollectiveOp op;
  op.kind = CollectiveKind::kAllReduce;
  op.reduction = ReductionOp::kSum;
  op.element_type = ElementType::kFloat32;
  ASSERT_OK(cb->Begin());
  Status status = cb->Collective(*channel, op, 0, {a.get(), 0, 16}, {a.get(), 16, 16}, 4);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("channel"));
}

REGISTER_TYPED_TEST_SUITE_P(
    GpuCommandBufferTest, FillPatternsOfEveryLengthAtOffsetsAndSubspans,
    UpdateCapturesTheBytesAtRecordTime, CopiesWithOffsetsSubspansAndOddLengths,
    BarriersOrderDependentTransfers, ThousandsOfCommandsBetweenBarriers,
    DiscardAndDebugGroupsChangeNothing, EmptyCommandBufferIssuesNothing,
    DispatchWithBindingsInTwoSetsAndAPushConstant, DispatchArgumentsFollowTheLayoutAbi,
    SeveralEntryPointsChainedByBarriers, ExactlyMaxPushConstantsWorkAndOneMoreIsRejected,
    DispatchWithoutItsBindingsIsRejected, ZeroWorkgroupsLaunchNothing,
    DispatchIndirectReadsTheCountWhenItExecutes, IndirectCountOfZeroLaunchesNothing,
    SignalAndWaitEventsInsideOneCommandBuffer, EventsOrderCommandBuffersAcrossStreams,
    ExecuteCommandsOfEitherModeInline, NestedIndirectDispatchAndArgumentsStayScoped,
    ReusableBuffersRunAgainAndCanBeReRecorded, OneShotBuffersAreRecordedOnce,
    IssuingAnUnendedBufferFails, BuffersOfAnotherDeviceAreRejected,
    BuffersAndExecutablesOfOtherBackendsAreRejected, CollectivesOnAForeignChannelAreRejected);

// What each vendor's instantiation runs (generated by backends/gpu/CMakeLists.txt).
template <typename V>
using GpuCommandBufferTestTypes =
    ::testing::Types<Config<V, CommandBufferMode::kGraph>, Config<V, CommandBufferMode::kStream>>;
using GpuCommandBufferTestNames = ConfigNames;

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_GPU_COMMAND_BUFFER_TEST_SUITE_H_
