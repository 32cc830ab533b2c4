// The objects command buffer tests name: buffers, layouts, an executable, a channel,
// events, and a RecordingCommandBuffer that knows them all by name. Everything comes
// from a CountingAllocator that must be empty when the test ends.
#ifndef GPUHAL_CORE_TESTING_COMMAND_BUFFER_TEST_FIXTURE_H_
#define GPUHAL_CORE_TESTING_COMMAND_BUFFER_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/heap_buffer.h"
#include "gpuhal/core/testing/recording_command_buffer.h"
#include "gpuhal/core/testing/test_objects.h"
#include "gpuhal/layout.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::testing {

class CommandBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = BlockPool::Create(allocator_, 512);  // small, so recordings span blocks
    ASSERT_OK(pool);
    pool_ = *pool;
    a_ = MakeBuffer("a", 256);
    b_ = MakeBuffer("b", 256);
    indirect_ = MakeBuffer("indirect", 16);
    const DescriptorSetLayoutBinding set0[] = {{0}, {1}};
    const DescriptorSetLayoutBinding set1[] = {{4}};
    auto layout0 = DescriptorSetLayout::Create(allocator_, set0);
    auto layout1 = DescriptorSetLayout::Create(allocator_, set1);
    ASSERT_TRUE(layout0.ok() && layout1.ok());
    DescriptorSetLayout* sets[] = {layout0->get(), layout1->get()};
    auto layout = PipelineLayout::Create(allocator_, sets, 2);  // 8 bytes of push constants
    ASSERT_OK(layout);
    layout_ = *layout;
    executable_ = MakeRef<TestExecutable>(
        allocator_, std::initializer_list<std::string_view>{"main", "tail"}, layout_.get());
    channel_ = MakeRef<TestChannel>(allocator_, 1, 4);
    event1_ = MakeRef<TestEvent>(allocator_);
    event2_ = MakeRef<TestEvent>(allocator_);
    CommandBufferParams reusable;
    reusable.usage = CommandBufferUsage::kReusable;
    recorder_ = MakeRecorder(reusable);
  }

  void TearDown() override {
    recorder_.reset();
    a_.reset();
    b_.reset();
    indirect_.reset();
    layout_.reset();
    executable_.reset();
    channel_.reset();
    event1_.reset();
    event2_.reset();
    pool_.reset();
    EXPECT_EQ(allocator_.live_bytes(), 0u);
  }

  Ref<HeapBuffer> MakeBuffer(std::string name, size_t length,
                             BufferUsage usage = BufferUsage::kDefault) {
    BufferParams params;
    params.usage = usage;
    auto buffer = HeapBuffer::Create(allocator_, params, length);
    EXPECT_OK(buffer);
    names_.emplace_back(buffer->get(), std::move(name));
    if (recorder_) recorder_->SetName(buffer->get(), names_.back().second);
    return *buffer;
  }

  Ref<RecordingCommandBuffer> MakeRecorder(const CommandBufferParams& params) {
    auto recorder = MakeRef<RecordingCommandBuffer>(allocator_, params);
    for (auto& [object, name] : names_) recorder->SetName(object, name);
    recorder->SetName(layout_.get(), "layout");
    recorder->SetName(executable_.get(), "exe");
    recorder->SetName(channel_.get(), "channel");
    recorder->SetName(event1_.get(), "e1");
    recorder->SetName(event2_.get(), "e2");
    return recorder;
  }

  CountingAllocator allocator_;
  std::vector<std::pair<const void*, std::string>> names_;
  Ref<BlockPool> pool_;
  Ref<HeapBuffer> a_, b_, indirect_;
  Ref<PipelineLayout> layout_;
  Ref<TestExecutable> executable_;
  Ref<TestChannel> channel_;
  Ref<TestEvent> event1_, event2_;
  Ref<RecordingCommandBuffer> recorder_;
};

}  // namespace gpuhal::testing

#endif  // GPUHAL_CORE_TESTING_COMMAND_BUFFER_TEST_FIXTURE_H_
