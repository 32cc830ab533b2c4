#include "gpuhal/core/deferred_command_buffer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gpuhal/core/testing/command_buffer_test_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

using ::testing::ElementsAre;

class DeferredCommandBufferTest : public testing::CommandBufferTest {
 protected:
  Ref<DeferredCommandBuffer> MakeDeferred(
      CommandBufferUsage usage = CommandBufferUsage::kReusable) {
    CommandBufferParams params;
    params.usage = usage;
    auto deferred = DeferredCommandBuffer::Create(allocator_, *pool_, params);
    EXPECT_OK(deferred) << deferred.status();
    return *deferred;
  }
  // A recording of three commands: SignalEvent, Dispatch, ResetEvent. Null on failure.
  Ref<DeferredCommandBuffer> SignalDispatchReset() {
    auto deferred = MakeDeferred();
    const bool recorded = deferred->Begin().ok() &&
                          deferred->SignalEvent(*event1_, ExecutionStage::kAll).ok() &&
                          deferred->Dispatch(*executable_, 0, {1, 1, 1}).ok() &&
                          deferred->ResetEvent(*event1_, ExecutionStage::kAll).ok() &&
                          deferred->End().ok();
    EXPECT_TRUE(recorded);
    return recorded ? deferred : nullptr;
  }
};

TEST_F(DeferredCommandBufferTest, ReplaysEveryCommandTypeInOrder) {
  auto nested = MakeDeferred();
  recorder_->SetName(nested.get(), "nested");
  ASSERT_OK(nested->Begin());
  ASSERT_OK(nested->End());

  auto deferred = MakeDeferred();
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->BeginDebugGroup("frame", 0xFF00FF00));
  const MemoryBarrier memory[] = {{AccessScope::kTransferWrite, AccessScope::kDispatchRead}};
  const BufferBarrier buffers[] = {
      {AccessScope::kTransferWrite, AccessScope::kTransferRead, {a_.get(), 0, 16}}};
  ASSERT_OK(deferred
                  ->ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kDispatch, memory,
                                     buffers)
                  );
  ASSERT_OK(deferred->SignalEvent(*event1_, ExecutionStage::kDispatch));
  ASSERT_OK(deferred->ResetEvent(*event2_, ExecutionStage::kTransfer));
  Event* events[] = {event1_.get(), event2_.get()};
  ASSERT_OK(deferred
                  ->WaitEvents(events, ExecutionStage::kDispatch, ExecutionStage::kTransfer, {},
                               buffers)
                  );
  ASSERT_OK(deferred->DiscardBuffer({b_.get(), 32, kWholeBuffer}));
  const uint16_t pattern = 0xABCD;
  ASSERT_OK(deferred->FillBuffer({a_.get(), 16, 32}, &pattern, sizeof(pattern)));
  const uint8_t update[] = {1, 2, 3, 4};
  ASSERT_OK(deferred->UpdateBuffer(update, {b_.get(), 8, 4}));
  ASSERT_OK(deferred->CopyBuffer({a_.get(), 0, 64}, *b_, 128));
  const uint8_t constants[] = {9, 0, 0, 0, 7, 0, 0, 0};
  ASSERT_OK(deferred->PushConstants(*layout_, 0, constants));
  const BufferBinding bindings[] = {{1, a_.get(), 0, 64}, {0, b_.get(), 64, kWholeBuffer}};
  ASSERT_OK(deferred->PushDescriptorSet(*layout_, 0, bindings));
  ASSERT_OK(deferred->Dispatch(*executable_, 1, {4, 2, 1}));
  ASSERT_OK(deferred->DispatchIndirect(*executable_, 0, {indirect_.get(), 0, 12}));
  ASSERT_OK(deferred->ExecuteCommands(*nested));
  CollectiveOp op{CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kFloat32};
  ASSERT_OK(deferred->Collective(*channel_, op, 0, {a_.get(), 0, 64}, {b_.get(), 0, 64}, 16));
  ASSERT_OK(deferred->EndDebugGroup());
  ASSERT_OK(deferred->End());
  EXPECT_EQ(deferred->command_count(), 16u);

  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_THAT(
      recorder_->calls(),
      ElementsAre(
          "BeginDebugGroup(\"frame\", 0xff00ff00)",
          "ExecutionBarrier(0x8, 0x4, memory=[0x20->0x4], buffers=[0x20->0x10 a[0, +16)])",
          "SignalEvent(e1, 0x4)", "ResetEvent(e2, 0x8)",
          "WaitEvents([e1, e2], 0x4, 0x8, memory=[], buffers=[0x20->0x10 a[0, +16)])",
          "DiscardBuffer(b[32, whole))", "FillBuffer(a[16, +32), pattern=cdab)",
          "UpdateBuffer(b[8, +4), data=01020304)", "CopyBuffer(a[0, +64), b, 128)",
          "PushConstants(layout, 0, values=0900000007000000)",
          "PushDescriptorSet(layout, 0, [1:a[0, +64), 0:b[64, whole)])",
          "Dispatch(exe, 1, [4, 2, 1])", "DispatchIndirect(exe, 0, indirect[0, +12))",
          "ExecuteCommands(nested)",
          "Collective(channel, kind=0, reduction=1, element_type=7, param=0, a[0, +64), "
          "b[0, +64), count=16)",
          "EndDebugGroup()"));
}

TEST_F(DeferredCommandBufferTest, ReplayDoesNotBeginOrEndTheTarget) {
  auto deferred = MakeDeferred();
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->End());
  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_TRUE(recorder_->calls().empty());
}

TEST_F(DeferredCommandBufferTest, UpdateDataIsCapturedAtRecordTime) {
  auto deferred = MakeDeferred();
  std::vector<uint8_t> data = {0xAA, 0xBB, 0xCC, 0xDD};
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->UpdateBuffer(data.data(), {a_.get(), 0, 4}));
  ASSERT_OK(deferred->End());
  std::fill(data.begin(), data.end(), 0);
  data.clear();
  data.shrink_to_fit();
  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_THAT(recorder_->calls(), ElementsAre("UpdateBuffer(a[0, +4), data=aabbccdd)"));
}

TEST_F(DeferredCommandBufferTest, UpdateResolvesWholeBufferAtRecordTime) {
  auto small = MakeBuffer("small", 8);
  auto deferred = MakeDeferred();
  const uint8_t data[6] = {1, 2, 3, 4, 5, 6};
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->UpdateBuffer(data, {small.get(), 2, kWholeBuffer}));
  EXPECT_EQ(deferred->UpdateBuffer(data, {nullptr, 0, 4}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(deferred->UpdateBuffer(nullptr, {small.get(), 0, 4}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(deferred->UpdateBuffer(data, {small.get(), 4, 6}).code(), StatusCode::kOutOfRange);
  ASSERT_OK(deferred->End());
  EXPECT_EQ(deferred->command_count(), 1u);
  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_THAT(recorder_->calls(), ElementsAre("UpdateBuffer(small[2, +6), data=010203040506)"));
}

TEST_F(DeferredCommandBufferTest, SpanArgumentsAreCopiedAtRecordTime) {
  auto deferred = MakeDeferred();
  std::string label = "pass";
  std::vector<uint8_t> constants = {1, 0, 0, 0};
  std::vector<BufferBinding> bindings = {{0, a_.get(), 0, 16}};
  std::vector<MemoryBarrier> memory = {{AccessScope::kHostWrite, AccessScope::kHostRead}};
  std::vector<BufferBarrier> barriers = {
      {AccessScope::kTransferWrite, AccessScope::kTransferRead, {a_.get(), 0, 4}}};
  std::vector<Event*> events = {event1_.get()};
  uint8_t pattern = 0x11;
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->BeginDebugGroup(label, 1));
  ASSERT_OK(deferred->PushConstants(*layout_, 4, constants));
  ASSERT_OK(deferred->PushDescriptorSet(*layout_, 0, bindings));
  ASSERT_OK(deferred->ExecutionBarrier(ExecutionStage::kHost, ExecutionStage::kHost, memory, barriers)
          );
  ASSERT_OK(deferred->WaitEvents(events, ExecutionStage::kHost, ExecutionStage::kHost, {}, {}));
  ASSERT_OK(deferred->FillBuffer({a_.get(), 0, 4}, &pattern, 1));
  ASSERT_OK(deferred->EndDebugGroup());
  ASSERT_OK(deferred->End());

  label = "XXXXXXXXXXXXXXXXXXXXXXXXXX";
  constants = {9, 9, 9, 9};
  bindings[0] = {1, b_.get(), 8, 8};
  memory[0] = {};
  barriers[0].range.buffer = b_.get();
  events[0] = event2_.get();
  pattern = 0x22;

  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_THAT(recorder_->calls(),
              ElementsAre("BeginDebugGroup(\"pass\", 0x1)",
                          "PushConstants(layout, 4, values=01000000)",
                          "PushDescriptorSet(layout, 0, [0:a[0, +16)])",
                          "ExecutionBarrier(0x20, 0x20, memory=[0x80->0x40], "
                          "buffers=[0x20->0x10 a[0, +4)])",
                          "WaitEvents([e1], 0x20, 0x20, memory=[], buffers=[])",
                          "FillBuffer(a[0, +4), pattern=11)", "EndDebugGroup()"));
}

TEST_F(DeferredCommandBufferTest, ResourcesAreRetainedUntilReRecordOrDestruction) {
  auto deferred = MakeDeferred();
  auto scratch = MakeBuffer("scratch", 64);
  auto nested = MakeDeferred();
  ASSERT_OK(nested->Begin());
  ASSERT_OK(nested->End());
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->CopyBuffer({scratch.get(), 0, 16}, *scratch, 32));
  ASSERT_OK(deferred->SignalEvent(*event1_, ExecutionStage::kAll));
  ASSERT_OK(deferred->Dispatch(*executable_, 0, {1, 1, 1}));
  ASSERT_OK(deferred->ExecuteCommands(*nested));
  ASSERT_OK(deferred->End());
  EXPECT_EQ(scratch->ref_count_for_testing(), 2);  // retained once despite two uses
  EXPECT_EQ(event1_->ref_count_for_testing(), 2);
  EXPECT_EQ(executable_->ref_count_for_testing(), 2);

  HeapBuffer* raw_scratch = scratch.get();
  DeferredCommandBuffer* raw_nested = nested.get();
  scratch.reset();
  nested.reset();
  EXPECT_EQ(raw_scratch->ref_count_for_testing(), 1);
  recorder_->SetName(raw_scratch, "scratch");
  recorder_->SetName(raw_nested, "nested");
  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_EQ(recorder_->calls()[0], "CopyBuffer(scratch[0, +16), scratch, 32)");
  EXPECT_EQ(recorder_->calls()[3], "ExecuteCommands(nested)");

  // Re-recording drops the old references.
  ASSERT_OK(deferred->Begin());
  EXPECT_EQ(event1_->ref_count_for_testing(), 1);
  EXPECT_EQ(executable_->ref_count_for_testing(), 1);
  ASSERT_OK(deferred->SignalEvent(*event1_, ExecutionStage::kAll));
  ASSERT_OK(deferred->End());
  deferred.reset();
  EXPECT_EQ(event1_->ref_count_for_testing(), 1);
}

TEST_F(DeferredCommandBufferTest, ReusableBufferReplaysManyTimes) {
  auto deferred = MakeDeferred();
  const uint32_t pattern = 7;
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->FillBuffer({a_.get(), 0, 16}, &pattern, 4));
  ASSERT_OK(deferred->Dispatch(*executable_, 0, {2, 1, 1}));
  ASSERT_OK(deferred->End());
  ASSERT_OK(deferred->Replay(*recorder_));
  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_THAT(recorder_->calls(),
              ElementsAre("FillBuffer(a[0, +16), pattern=07000000)", "Dispatch(exe, 0, [2, 1, 1])",
                          "FillBuffer(a[0, +16), pattern=07000000)",
                          "Dispatch(exe, 0, [2, 1, 1])"));
}

TEST_F(DeferredCommandBufferTest, ReRecordReplacesCommandsAndReusesBlocks) {
  auto deferred = MakeDeferred();
  const uint8_t data[200] = {};
  ASSERT_OK(deferred->Begin());
  for (int i = 0; i < 20; ++i) ASSERT_OK(deferred->UpdateBuffer(data, {a_.get(), 0, 200}));
  ASSERT_OK(deferred->End());
  const size_t blocks = pool_->allocated_block_count();
  EXPECT_GT(blocks, 4u);

  ASSERT_OK(deferred->Begin());
  EXPECT_EQ(deferred->command_count(), 0u);
  EXPECT_EQ(pool_->free_block_count(), blocks);
  ASSERT_OK(deferred->Dispatch(*executable_, 1, {1, 2, 3}));
  ASSERT_OK(deferred->End());
  EXPECT_EQ(pool_->allocated_block_count(), blocks);  // no new blocks were needed
  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_THAT(recorder_->calls(), ElementsAre("Dispatch(exe, 1, [1, 2, 3])"));
}

TEST_F(DeferredCommandBufferTest, ManyCommandsKeepTheirOrderAcrossBlocks) {
  auto deferred = MakeDeferred();
  ASSERT_OK(deferred->Begin());
  for (uint32_t i = 0; i < 300; ++i) {
    ASSERT_OK(deferred->Dispatch(*executable_, 0, {i, 1, 1}));
  }
  ASSERT_OK(deferred->End());
  ASSERT_OK(deferred->Replay(*recorder_));
  ASSERT_EQ(recorder_->calls().size(), 300u);
  for (uint32_t i = 0; i < 300; ++i) {
    EXPECT_EQ(recorder_->calls()[i], "Dispatch(exe, 0, [" + std::to_string(i) + ", 1, 1])");
  }
}

TEST_F(DeferredCommandBufferTest, RecordingStateIsEnforced) {
  auto deferred = MakeDeferred();
  EXPECT_EQ(deferred->Dispatch(*executable_, 0, {1, 1, 1}).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(deferred->End().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(deferred->Replay(*recorder_).code(), StatusCode::kFailedPrecondition);
  ASSERT_OK(deferred->Begin());
  EXPECT_EQ(deferred->Begin().code(), StatusCode::kFailedPrecondition);
  Status replay = deferred->Replay(*recorder_);
  EXPECT_EQ(replay.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(replay.message().find("End()"), std::string_view::npos);
  EXPECT_EQ(deferred->ExecuteCommands(*deferred).code(), StatusCode::kInvalidArgument);
  ASSERT_OK(deferred->End());
  EXPECT_EQ(deferred->Replay(*deferred).code(), StatusCode::kInvalidArgument);
}

TEST_F(DeferredCommandBufferTest, ReplayStopsAtTheFirstFailureAndSaysWhere) {
  auto deferred = SignalDispatchReset();
  ASSERT_NE(deferred, nullptr);
  recorder_->FailCallAt(1, UnavailableError("device lost"));
  Status status = deferred->Replay(*recorder_);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "replaying command 1 (Dispatch): device lost");
  EXPECT_THAT(recorder_->calls(),
              ElementsAre("SignalEvent(e1, 0x3f)", "Dispatch(exe, 0, [1, 1, 1])"));
  // The failure was one-off: the next replay goes through.
  recorder_->ClearCalls();
  EXPECT_OK(deferred->Replay(*recorder_));
  EXPECT_EQ(recorder_->calls().size(), 3u);
}

TEST_F(DeferredCommandBufferTest, ReplaysOntoAnotherDeferredBuffer) {
  auto first = MakeDeferred();
  auto second = MakeDeferred();
  const uint8_t data[] = {5, 6};
  ASSERT_OK(first->Begin());
  ASSERT_OK(first->UpdateBuffer(data, {a_.get(), 0, 2}));
  ASSERT_OK(first->Dispatch(*executable_, 0, {1, 1, 1}));
  ASSERT_OK(first->End());
  ASSERT_OK(second->Begin());
  ASSERT_OK(second->BeginDebugGroup("outer", 0));
  ASSERT_OK(first->Replay(*second));
  ASSERT_OK(second->EndDebugGroup());
  ASSERT_OK(second->End());
  first.reset();
  ASSERT_OK(second->Replay(*recorder_));
  EXPECT_THAT(recorder_->calls(),
              ElementsAre("BeginDebugGroup(\"outer\", 0x0)", "UpdateBuffer(a[0, +2), data=0506)",
                          "Dispatch(exe, 0, [1, 1, 1])", "EndDebugGroup()"));
}

TEST_F(DeferredCommandBufferTest, ObservedReplayNamesEachCommandBeforeReplayingIt) {
  auto deferred = SignalDispatchReset();
  ASSERT_NE(deferred, nullptr);
  struct Seen {
    testing::RecordingCommandBuffer* recorder;
    std::vector<std::string> order;
  } seen{recorder_.get(), {}};
  auto before_each = [](void* user_data, size_t index) {
    auto& s = *static_cast<Seen*>(user_data);
    // Called before the command reaches the target: the target has seen `index` calls.
    s.order.push_back(std::to_string(index) + "@" + std::to_string(s.recorder->calls().size()));
  };
  ASSERT_OK(deferred->Replay(*recorder_, before_each, &seen));
  EXPECT_THAT(seen.order, ElementsAre("0@0", "1@1", "2@2"));
}

// PrepareOnce keeps one backend's prepared form per recording (see the header).
TEST_F(DeferredCommandBufferTest, PreparesOncePerRecordingAndForgetsOnReRecord) {
  static constexpr char kKind = 0;
  static constexpr char kOtherKind = 0;
  auto deferred = MakeDeferred();
  int prepared_count = 0;
  auto prepare = [&](Arena& arena) -> const void* {
    ++prepared_count;
    return arena.New<uint64_t>(uint64_t{42});
  };
  // Nothing to prepare before a recording has ended.
  EXPECT_EQ(deferred->PrepareOnce(&kKind, prepare), nullptr);
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->Dispatch(*executable_, 0, {1, 1, 1}));
  EXPECT_EQ(deferred->PrepareOnce(&kKind, prepare), nullptr);
  EXPECT_EQ(prepared_count, 0);
  ASSERT_OK(deferred->End());
  EXPECT_EQ(deferred->prepared(&kKind), nullptr);

  const void* form = deferred->PrepareOnce(&kKind, prepare);
  ASSERT_NE(form, nullptr);
  EXPECT_EQ(*static_cast<const uint64_t*>(form), 42u);
  EXPECT_EQ(deferred->PrepareOnce(&kKind, prepare), form);
  EXPECT_EQ(deferred->prepared(&kKind), form);
  EXPECT_EQ(prepared_count, 1);
  // One form per recording: another kind finds none and prepares none.
  EXPECT_EQ(deferred->prepared(&kOtherKind), nullptr);
  EXPECT_EQ(deferred->PrepareOnce(&kOtherKind, prepare), nullptr);
  EXPECT_EQ(prepared_count, 1);
  // The recording still replays as recorded.
  ASSERT_OK(deferred->Replay(*recorder_));
  EXPECT_THAT(recorder_->calls(), ElementsAre("Dispatch(exe, 0, [1, 1, 1])"));

  ASSERT_OK(deferred->Begin());
  EXPECT_EQ(deferred->prepared(&kKind), nullptr);
  ASSERT_OK(deferred->End());
  EXPECT_NE(deferred->PrepareOnce(&kKind, prepare), nullptr);
  EXPECT_EQ(prepared_count, 2);
}

TEST_F(DeferredCommandBufferTest, ARecordingThatCannotBePreparedIsNotTriedAgain) {
  static constexpr char kKind = 0;
  auto deferred = MakeDeferred();
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->End());
  int attempts = 0;
  auto refuse = [&](Arena&) -> const void* {
    ++attempts;
    return nullptr;
  };
  EXPECT_EQ(deferred->PrepareOnce(&kKind, refuse), nullptr);
  EXPECT_EQ(deferred->PrepareOnce(&kKind, refuse), nullptr);
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(deferred->prepared(&kKind), nullptr);
}

// Submissions of one reusable command buffer may be issued from several threads at once:
// one prepares, the others replay meanwhile (they get null) or use what was prepared.
TEST_F(DeferredCommandBufferTest, ConcurrentPreparersPrepareOnce) {
  static constexpr char kKind = 0;
  auto deferred = MakeDeferred();
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->Dispatch(*executable_, 0, {1, 1, 1}));
  ASSERT_OK(deferred->End());
  std::atomic<int> attempts{0};
  std::atomic<bool> go{false};
  std::vector<const void*> results(8, nullptr);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      results[t] = deferred->PrepareOnce(&kKind, [&](Arena& arena) -> const void* {
        attempts.fetch_add(1);
        return arena.New<uint32_t>(7u);
      });
    });
  }
  go.store(true);
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(attempts.load(), 1);
  const void* form = deferred->prepared(&kKind);
  ASSERT_NE(form, nullptr);
  for (const void* result : results) EXPECT_TRUE(result == nullptr || result == form);
}

TEST_F(DeferredCommandBufferTest, ExhaustionIsResourceExhausted) {
  auto deferred = MakeDeferred();
  ASSERT_OK(deferred->Begin());
  ASSERT_OK(deferred->Dispatch(*executable_, 0, {1, 1, 1}));
  allocator_.set_byte_limit(allocator_.live_bytes() + 64);
  std::vector<uint8_t> big(4096);
  Status status = deferred->UpdateBuffer(big.data(), {a_.get(), 0, 256});
  // The first block may still have room; keep recording until it does not.
  for (int i = 0; i < 64 && status.ok(); ++i) {
    status = deferred->UpdateBuffer(big.data(), {a_.get(), 0, 256});
  }
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  allocator_.set_byte_limit(0);
  ASSERT_OK(deferred->End());
}

}  // namespace
}  // namespace gpuhal
