// A stream command buffer used directly: every command is issued on the stream when it
// is called. A type-parameterized suite over the vendor, instantiated by
// stream_command_buffer_cuda_test.cc and stream_command_buffer_hip_test.cc.
#ifndef GPUHAL_BACKENDS_GPU_TESTING_STREAM_COMMAND_BUFFER_TEST_SUITE_H_
#define GPUHAL_BACKENDS_GPU_TESTING_STREAM_COMMAND_BUFFER_TEST_SUITE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "backends/gpu/testing/command_test_harness.h"
#include "backends/gpu/gpu_event.h"
#include "backends/gpu/graph_command_buffer.h"
#include "backends/gpu/stream_command_buffer.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu::testing {

template <typename V>
class StreamCommandBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto gpu = FakeGpu<V>::Create(CommandBufferMode::kStream);
    ASSERT_OK(gpu) << gpu.status();
    gpu_ = std::move(*gpu);
  }
  std::unique_ptr<StreamCommandBuffer<V>> OnStream(typename V::Stream stream) {
    return std::make_unique<StreamCommandBuffer<V>>(gpu_->vendor(), stream, CommandBufferParams{});
  }
  Ref<Buffer> NewBuffer(size_t length) {
    auto buffer = gpu_->Allocate(length);
    EXPECT_OK(buffer) << buffer.status();
    if (buffer.ok()) {
      EXPECT_OK(gpu_->Write(**buffer, 0, std::vector<uint8_t>(length, 0)));
    }
    return buffer.ok() ? *buffer : nullptr;
  }

  std::unique_ptr<FakeGpu<V>> gpu_;
};
TYPED_TEST_SUITE_P(StreamCommandBufferTest);

TYPED_TEST_P(StreamCommandBufferTest, CommandsRunInCallOrderOnTheStream) {
  Ref<Buffer> a = this->NewBuffer(64);
  Ref<Buffer> b = this->NewBuffer(64);
  auto stream_cb = this->OnStream(this->gpu_->stream());
  const uint32_t words[] = {1, 2, 3, 4};
  const uint8_t byte = 0x7F;
  ASSERT_OK(stream_cb->FillBuffer({a.get(), 0, 64}, &byte, 1));
  ASSERT_OK(stream_cb->ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, {}));
  ASSERT_OK(stream_cb->UpdateBuffer(words, {a.get(), 16, sizeof(words)}));
  ASSERT_OK(stream_cb->CopyBuffer({a.get(), 8, 32}, *b, 4));
  ASSERT_OK(this->gpu_->vendor().SynchronizeStream(this->gpu_->stream()));
  auto bytes = this->gpu_->Read(*b, 0, 64);
  ASSERT_OK(bytes.status());
  std::vector<uint8_t> expected(64, 0);
  std::fill(expected.begin() + 4, expected.begin() + 36, 0x7F);
  std::memcpy(&expected[4 + 8], words, sizeof(words));
  EXPECT_EQ(*bytes, expected);
}

TYPED_TEST_P(StreamCommandBufferTest, DispatchAndIndirectDispatch) {
  using Spec = typename FakeGpu<TypeParam>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(
      Ref<Executable> executable,
      this->gpu_->LoadKernels({Spec{"fill_u32", {1}, 1, {4, 1, 1}}, Spec{"record_grid", {1}, 0}},
                              &layouts));
  Ref<Buffer> out = this->NewBuffer(64);
  Ref<Buffer> grid = this->NewBuffer(16);
  Ref<Buffer> parameters = this->NewBuffer(12);
  const BufferBinding out_binding{0, out.get(), 0, kWholeBuffer};
  const BufferBinding grid_binding{0, grid.get(), 0, kWholeBuffer};
  const uint32_t value = 42;
  const uint32_t counts[] = {6, 5, 4};
  auto stream_cb = this->OnStream(this->gpu_->stream());
  ASSERT_OK(stream_cb->PushDescriptorSet(*layouts[0], 0, {&out_binding, 1}));
  ASSERT_OK(
      stream_cb->PushConstants(*layouts[0], 0, {reinterpret_cast<const uint8_t*>(&value), 4}));
  ASSERT_OK(stream_cb->Dispatch(*executable, 0, {4, 1, 1}));
  ASSERT_OK(stream_cb->UpdateBuffer(counts, {parameters.get(), 0, 12}));
  ASSERT_OK(stream_cb->PushDescriptorSet(*layouts[1], 0, {&grid_binding, 1}));
  ASSERT_OK(stream_cb->DispatchIndirect(*executable, 1, {parameters.get(), 0, 12}));
  ASSERT_OK(this->gpu_->vendor().SynchronizeStream(this->gpu_->stream()));
  auto filled = this->gpu_->template ReadValues<uint32_t>(*out, 0, 16);
  ASSERT_OK(filled.status());
  EXPECT_EQ(*filled, std::vector<uint32_t>(16, 42));
  auto recorded = this->gpu_->template ReadValues<uint32_t>(*grid, 0, 4);
  ASSERT_OK(recorded.status());
  EXPECT_EQ(*recorded, (std::vector<uint32_t>{6, 5, 4, 1}));
}

TYPED_TEST_P(StreamCommandBufferTest, EventsOrderTwoStreams) {
  ASSERT_OK_AND_ASSIGN(Ref<Event> event, CreateGpuEvent(this->gpu_->context()));
  ASSERT_OK_AND_ASSIGN(auto other_stream, this->gpu_->vendor().CreateStream());
  Ref<Buffer> a = this->NewBuffer(1 << 12);
  Ref<Buffer> b = this->NewBuffer(1 << 12);
  const uint32_t pattern = 0x600DF00D;
  auto producer = this->OnStream(this->gpu_->stream());
  auto consumer = this->OnStream(other_stream);
  ASSERT_OK(producer->FillBuffer({a.get(), 0, kWholeBuffer}, &pattern, 4));
  ASSERT_OK(producer->SignalEvent(*event, ExecutionStage::kTransfer));
  Event* events[] = {event.get()};
  ASSERT_OK(
      consumer->WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {}));
  ASSERT_OK(consumer->CopyBuffer({a.get(), 0, kWholeBuffer}, *b, 0));
  ASSERT_OK(consumer->ResetEvent(*event, ExecutionStage::kTransfer));
  ASSERT_OK(this->gpu_->vendor().SynchronizeStream(other_stream));
  auto values = this->gpu_->template ReadValues<uint32_t>(*b, 0, 1024);
  ASSERT_OK(values.status());
  EXPECT_EQ(*values, std::vector<uint32_t>(1024, pattern));
  ASSERT_OK(this->gpu_->vendor().DestroyStream(other_stream));
}

TYPED_TEST_P(StreamCommandBufferTest, ExecutesANestedGraphOnTheStream) {
  Ref<Buffer> a = this->NewBuffer(64);
  CommandBufferParams params;
  params.usage = CommandBufferUsage::kReusable;
  ASSERT_OK_AND_ASSIGN(auto graph,
                       GraphCommandBuffer<TypeParam>::Create(this->gpu_->context(), params));
  const uint16_t pattern = 0xBEEF;
  ASSERT_OK(graph->Begin());
  ASSERT_OK(graph->FillBuffer({a.get(), 0, 64}, &pattern, 2));
  ASSERT_OK(graph->End());
  auto stream_cb = this->OnStream(this->gpu_->stream());
  ASSERT_OK(stream_cb->ExecuteCommands(*graph));
  ASSERT_OK(this->gpu_->vendor().SynchronizeStream(this->gpu_->stream()));
  auto values = this->gpu_->template ReadValues<uint16_t>(*a, 0, 32);
  ASSERT_OK(values.status());
  EXPECT_EQ(*values, std::vector<uint16_t>(32, pattern));
}

TYPED_TEST_P(StreamCommandBufferTest, RejectsWhatItCannotIssue) {
  auto stream_cb = this->OnStream(this->gpu_->stream());
  class ForeignEvent final : public Event {};
  Ref<Event> event = Ref<Event>::Adopt(new ForeignEvent());
  EXPECT_EQ(stream_cb->SignalEvent(*event, ExecutionStage::kAll).code(),
            StatusCode::kInvalidArgument);
  Ref<Buffer> a = this->NewBuffer(16);
  const uint32_t pattern = 1;
  EXPECT_EQ(stream_cb->FillBuffer({a.get(), 0, 6}, &pattern, 4).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(stream_cb->FillBuffer({a.get(), 0, 4}, &pattern, 3).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(stream_cb->FillBuffer({a.get(), 8, 16}, &pattern, 4).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(stream_cb->CopyBuffer({a.get(), 0, 16}, *a, 8).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(stream_cb->UpdateBuffer(nullptr, {a.get(), 0, 4}).code(), StatusCode::kInvalidArgument);
}

REGISTER_TYPED_TEST_SUITE_P(StreamCommandBufferTest, CommandsRunInCallOrderOnTheStream,
                            DispatchAndIndirectDispatch, EventsOrderTwoStreams,
                            ExecutesANestedGraphOnTheStream, RejectsWhatItCannotIssue);

GPUHAL_VENDOR_TYPED_SUITE(StreamCommandBufferTest);

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_STREAM_COMMAND_BUFFER_TEST_SUITE_H_
