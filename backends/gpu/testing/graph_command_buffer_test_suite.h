// What only graph mode has: the node structure barriers produce, segments split at
// indirect dispatches, graph templates, re-recording, and the checks a graph command
// buffer makes without the validating shim. A type-parameterized suite over the vendor,
// instantiated by graph_command_buffer_cuda_test.cc and graph_command_buffer_hip_test.cc.
#ifndef GPUHAL_BACKENDS_GPU_TESTING_GRAPH_COMMAND_BUFFER_TEST_SUITE_H_
#define GPUHAL_BACKENDS_GPU_TESTING_GRAPH_COMMAND_BUFFER_TEST_SUITE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "backends/gpu/testing/command_test_harness.h"
#include "gpuhal/core/null_command_buffer.h"
#include "backends/gpu/graph_command_buffer.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu::testing {

template <typename V>
class GraphCommandBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto gpu = FakeGpu<V>::Create();
    ASSERT_OK(gpu) << gpu.status();
    gpu_ = std::move(*gpu);
    auto buffer = gpu_->Allocate(1 << 16);
    ASSERT_OK(buffer) << buffer.status();
    buffer_ = *buffer;
  }
  void TearDown() override {
    buffer_.reset();
    gpu_.reset();
  }

  // Without the validating shim, so that the graph buffer's own checks run.
  Ref<GraphCommandBuffer<V>> NewGraph(CommandBufferUsage usage = CommandBufferUsage::kOneShot) {
    CommandBufferParams params;
    params.usage = usage;
    auto graph = GraphCommandBuffer<V>::Create(gpu_->context(), params);
    EXPECT_OK(graph) << graph.status();
    return graph.ok() ? *graph : nullptr;
  }
  Status Fill(CommandBuffer& cb, uint32_t slot) {
    return cb.FillBuffer({buffer_.get(), slot * 4, 4}, &slot, 4);
  }
  static Status Barrier(CommandBuffer& cb) {
    return cb.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, {});
  }

  std::unique_ptr<FakeGpu<V>> gpu_;
  Ref<Buffer> buffer_;
};
TYPED_TEST_SUITE_P(GraphCommandBufferTest);

TYPED_TEST_P(GraphCommandBufferTest, BarriersJoinConcurrentNodesWithOneNode) {
  Ref<GraphCommandBuffer<TypeParam>> graph = this->NewGraph();
  ASSERT_OK(graph->Begin());
  for (uint32_t i = 0; i < 3; ++i) ASSERT_OK(this->Fill(*graph, i));
  EXPECT_EQ(graph->pending_node_count(), 3u);
  ASSERT_OK(this->Barrier(*graph));
  EXPECT_EQ(graph->node_count(), 4u);  // three fills and the join
  EXPECT_EQ(graph->pending_node_count(), 0u);

  ASSERT_OK(this->Fill(*graph, 3));
  ASSERT_OK(this->Barrier(*graph));
  EXPECT_EQ(graph->node_count(), 5u);  // a lone node is the barrier itself
  ASSERT_OK(this->Barrier(*graph));
  EXPECT_EQ(graph->node_count(), 5u);  // nothing new to join
  ASSERT_OK(graph->End());
  EXPECT_EQ(graph->segment_count(), 1u);
  ASSERT_OK(this->gpu_->Submit(*graph));
  auto values = this->gpu_->template ReadValues<uint32_t>(*this->buffer_, 0, 4);
  ASSERT_OK(values.status());
  EXPECT_EQ(*values, (std::vector<uint32_t>{0, 1, 2, 3}));
}

// The reference kept at most 32 nodes between barriers.
TYPED_TEST_P(GraphCommandBufferTest, NoCapOnNodesBetweenBarriers) {
  constexpr uint32_t kNodes = 4000;
  Ref<GraphCommandBuffer<TypeParam>> graph = this->NewGraph();
  ASSERT_OK(graph->Begin());
  for (uint32_t i = 0; i < kNodes; ++i) ASSERT_OK(this->Fill(*graph, i));
  EXPECT_EQ(graph->pending_node_count(), kNodes);
  ASSERT_OK(this->Barrier(*graph));
  for (uint32_t i = 0; i < kNodes; ++i) ASSERT_OK(this->Fill(*graph, kNodes - 1 - i));
  ASSERT_OK(graph->End());
  EXPECT_EQ(graph->node_count(), 2 * kNodes + 1);
  ASSERT_OK(this->gpu_->Submit(*graph));
  auto values = this->gpu_->template ReadValues<uint32_t>(*this->buffer_, 0, kNodes);
  ASSERT_OK(values.status());
  for (uint32_t i = 0; i < kNodes; ++i) ASSERT_EQ((*values)[i], i);
}

TYPED_TEST_P(GraphCommandBufferTest, IndirectDispatchSplitsTheRecordingIntoSegments) {
  using Spec = typename FakeGpu<TypeParam>::KernelSpec;
  std::vector<Ref<PipelineLayout>> layouts;
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable,
                       this->gpu_->LoadKernels({Spec{"record_grid", {1}, 0}}, &layouts));
  const BufferBinding binding{0, this->buffer_.get(), 1024, kWholeBuffer};
  Ref<GraphCommandBuffer<TypeParam>> graph = this->NewGraph();
  ASSERT_OK(graph->Begin());
  ASSERT_OK(graph->PushDescriptorSet(*layouts[0], 0, {&binding, 1}));
  ASSERT_OK(graph->DispatchIndirect(*executable, 0, {this->buffer_.get(), 0, 12}));  // first
  ASSERT_OK(this->Fill(*graph, 100));
  ASSERT_OK(graph->DispatchIndirect(*executable, 0, {this->buffer_.get(), 0, 12}));
  ASSERT_OK(graph->DispatchIndirect(*executable, 0, {this->buffer_.get(), 0, 12}));
  ASSERT_OK(this->Fill(*graph, 101));
  ASSERT_OK(graph->End());
  // indirect | graph | indirect | indirect | graph: no empty graphs.
  EXPECT_EQ(graph->segment_count(), 5u);

  EXPECT_EQ(graph->Begin().code(), StatusCode::kFailedPrecondition);  // one-shot
  Ref<GraphCommandBuffer<TypeParam>> other = this->NewGraph();
  ASSERT_OK(other->Begin());
  EXPECT_EQ(other->DispatchIndirect(*executable, 0, {this->buffer_.get(), 0, 8}).code(),
            StatusCode::kInvalidArgument);
}

TYPED_TEST_P(GraphCommandBufferTest, ReRecordingReleasesThePreviousRecording) {
  Ref<GraphCommandBuffer<TypeParam>> graph = this->NewGraph(CommandBufferUsage::kReusable);
  const int32_t unused = this->buffer_->ref_count_for_testing();
  ASSERT_OK(graph->Begin());
  for (uint32_t i = 0; i < 100; ++i) ASSERT_OK(this->Fill(*graph, i));
  ASSERT_OK(graph->End());
  EXPECT_GT(this->buffer_->ref_count_for_testing(), unused);
  const size_t pooled_blocks = this->gpu_->block_pool().allocated_block_count();

  ASSERT_OK(graph->Begin());
  EXPECT_EQ(this->buffer_->ref_count_for_testing(), unused);
  EXPECT_EQ(graph->node_count(), 0u);
  EXPECT_EQ(graph->segment_count(), 0u);
  for (uint32_t i = 0; i < 100; ++i) ASSERT_OK(this->Fill(*graph, i));
  ASSERT_OK(graph->End());
  // The second recording reuses the blocks the first returned to the pool.
  EXPECT_EQ(this->gpu_->block_pool().allocated_block_count(), pooled_blocks);
  ASSERT_OK(this->gpu_->Submit(*graph));
}

TYPED_TEST_P(GraphCommandBufferTest, OneShotGraphsCannotBeNested) {
  Ref<GraphCommandBuffer<TypeParam>> nested = this->NewGraph(CommandBufferUsage::kOneShot);
  ASSERT_OK(nested->Begin());
  ASSERT_OK(this->Fill(*nested, 0));
  ASSERT_OK(nested->End());
  Ref<GraphCommandBuffer<TypeParam>> parent = this->NewGraph();
  ASSERT_OK(parent->Begin());
  Status status = parent->ExecuteCommands(*nested);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("one-shot"));
  EXPECT_EQ(parent->ExecuteCommands(*parent).code(), StatusCode::kInvalidArgument);

  Ref<GraphCommandBuffer<TypeParam>> unended = this->NewGraph(CommandBufferUsage::kReusable);
  ASSERT_OK(unended->Begin());
  EXPECT_EQ(parent->ExecuteCommands(*unended).code(), StatusCode::kFailedPrecondition);
}

TYPED_TEST_P(GraphCommandBufferTest, NestedGraphsBecomeChildNodes) {
  Ref<GraphCommandBuffer<TypeParam>> nested = this->NewGraph(CommandBufferUsage::kReusable);
  ASSERT_OK(nested->Begin());
  for (uint32_t i = 0; i < 8; ++i) ASSERT_OK(this->Fill(*nested, i));
  ASSERT_OK(nested->End());
  Ref<GraphCommandBuffer<TypeParam>> parent = this->NewGraph();
  ASSERT_OK(parent->Begin());
  ASSERT_OK(parent->ExecuteCommands(*nested));
  ASSERT_OK(parent->ExecuteCommands(*nested));
  ASSERT_OK(parent->End());
  EXPECT_EQ(parent->node_count(), 2u);
  EXPECT_EQ(parent->segment_count(), 1u);
  ASSERT_OK(this->gpu_->Submit(*parent));
  auto values = this->gpu_->template ReadValues<uint32_t>(*this->buffer_, 0, 8);
  ASSERT_OK(values.status());
  EXPECT_EQ(*values, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TYPED_TEST_P(GraphCommandBufferTest, CommandsOutsideBeginEndAreRejected) {
  Ref<GraphCommandBuffer<TypeParam>> graph = this->NewGraph();
  EXPECT_EQ(this->Fill(*graph, 0).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph->End().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph->Issue(this->gpu_->stream()).code(), StatusCode::kFailedPrecondition);
  ASSERT_OK(graph->Begin());
  EXPECT_EQ(graph->Begin().code(), StatusCode::kFailedPrecondition);
  ASSERT_OK(graph->End());
  EXPECT_EQ(this->Fill(*graph, 0).code(), StatusCode::kFailedPrecondition);
}

TYPED_TEST_P(GraphCommandBufferTest, SubmittingToAnotherDeviceIsRejected) {
  Ref<GraphCommandBuffer<TypeParam>> graph = this->NewGraph();
  ASSERT_OK(graph->Begin());
  ASSERT_OK(graph->End());
  ASSERT_OK_AND_ASSIGN(auto other, FakeGpu<TypeParam>::Create());
  Status status = IssueCommandBuffer(other->context(), *graph, other->stream());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
}

TYPED_TEST_P(GraphCommandBufferTest, DebugGroupLabelsAreKept) {
  Ref<GraphCommandBuffer<TypeParam>> graph = this->NewGraph();
  ASSERT_OK(graph->Begin());
  EXPECT_EQ(graph->current_debug_group(), "");
  ASSERT_OK(graph->BeginDebugGroup("outer", 0));
  std::string label = "inner";
  ASSERT_OK(graph->BeginDebugGroup(label, 0));
  label = "changed";
  EXPECT_EQ(graph->current_debug_group(), "inner");
  ASSERT_OK(graph->EndDebugGroup());
  EXPECT_EQ(graph->current_debug_group(), "outer");
  ASSERT_OK(graph->EndDebugGroup());
  EXPECT_EQ(graph->EndDebugGroup().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph->node_count(), 0u);
}

TYPED_TEST_P(GraphCommandBufferTest, ForeignObjectsAreRejected) {
  class ForeignEvent final : public Event {};
  Ref<Event> event = Ref<Event>::Adopt(new ForeignEvent());
  Ref<GraphCommandBuffer<TypeParam>> graph = this->NewGraph();
  ASSERT_OK(graph->Begin());
  EXPECT_EQ(graph->SignalEvent(*event, ExecutionStage::kAll).code(), StatusCode::kInvalidArgument);
  Event* events[] = {event.get()};
  EXPECT_EQ(graph->WaitEvents(events, ExecutionStage::kAll, ExecutionStage::kAll, {}, {}).code(),
            StatusCode::kInvalidArgument);
  class ForeignCommandBuffer final : public NullCommandBuffer {
   public:
    ForeignCommandBuffer() : NullCommandBuffer({CommandBufferUsage::kReusable}) {}
  };
  Ref<CommandBuffer> foreign = Ref<CommandBuffer>::Adopt(new ForeignCommandBuffer());
  EXPECT_EQ(graph->ExecuteCommands(*foreign).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(IssueCommandBuffer(this->gpu_->context(), *foreign, this->gpu_->stream()).code(),
            StatusCode::kInvalidArgument);

  // Events and executables of another device of the same vendor.
  ASSERT_OK_AND_ASSIGN(auto other, FakeGpu<TypeParam>::Create());
  {
    ASSERT_OK_AND_ASSIGN(Ref<Event> other_event, CreateGpuEvent(other->context()));
    EXPECT_EQ(graph->SignalEvent(*other_event, ExecutionStage::kAll).code(),
              StatusCode::kInvalidArgument);
    using Spec = typename FakeGpu<TypeParam>::KernelSpec;
    std::vector<Ref<PipelineLayout>> layouts;
    ASSERT_OK_AND_ASSIGN(Ref<Executable> other_executable,
                         other->LoadKernels({Spec{"record_grid", {1}, 0}}, &layouts));
    const BufferBinding binding{0, this->buffer_.get(), 0, kWholeBuffer};
    ASSERT_OK(graph->PushDescriptorSet(*layouts[0], 0, {&binding, 1}));
    Status status = graph->Dispatch(*other_executable, 0, {1, 1, 1});
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
  }
}

REGISTER_TYPED_TEST_SUITE_P(GraphCommandBufferTest, BarriersJoinConcurrentNodesWithOneNode,
                            NoCapOnNodesBetweenBarriers,
                            IndirectDispatchSplitsTheRecordingIntoSegments,
                            ReRecordingReleasesThePreviousRecording, OneShotGraphsCannotBeNested,
                            NestedGraphsBecomeChildNodes, CommandsOutsideBeginEndAreRejected,
                            SubmittingToAnotherDeviceIsRejected, DebugGroupLabelsAreKept,
                            ForeignObjectsAreRejected);

GPUHAL_VENDOR_TYPED_SUITE(GraphCommandBufferTest);

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_GRAPH_COMMAND_BUFFER_TEST_SUITE_H_
