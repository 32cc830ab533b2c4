#include "backends/gpu/kernel_arguments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <numeric>
#include <vector>

#include "gpuhal/allocator.h"
#include "gpuhal/core/heap_buffer.h"
#include "gpuhal/layout.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu {
namespace {

using ::testing::HasSubstr;

class KernelArgumentsTest : public ::testing::Test {
 protected:
  Ref<PipelineLayout> Layout(const std::vector<std::vector<uint32_t>>& ordinals_per_set,
                             uint32_t push_constants) {
    std::vector<Ref<DescriptorSetLayout>> sets;
    std::vector<DescriptorSetLayout*> raw;
    for (const auto& ordinals : ordinals_per_set) {
      std::vector<DescriptorSetLayoutBinding> bindings;
      for (uint32_t ordinal : ordinals) bindings.push_back({ordinal});
      auto set = DescriptorSetLayout::Create(allocator_, bindings);
      EXPECT_OK(set) << set.status();
      raw.push_back(set->get());
      sets.push_back(*set);
    }
    auto layout = PipelineLayout::Create(allocator_, raw, push_constants);
    EXPECT_OK(layout) << layout.status();
    return layout.ok() ? *layout : nullptr;
  }
  Ref<Buffer> NewBuffer(DeviceAddress address) {
    auto buffer = HeapBuffer::Create(allocator_, {}, 256);
    EXPECT_OK(buffer);
    addresses_[buffer->get()] = address;
    return *buffer;
  }
  // Stands in for DeviceAddressOf: each test buffer has a made-up device address.
  auto AddressOf() {
    return [this](Buffer& buffer) -> Result<DeviceAddress> {
      auto it = addresses_.find(&buffer);
      if (it == addresses_.end()) return InvalidArgumentError("not a device buffer");
      return it->second;
    };
  }
  static std::span<const uint8_t> AsBytes(const std::vector<uint32_t>& values) {
    return {reinterpret_cast<const uint8_t*>(values.data()), values.size() * 4};
  }

  CountingAllocator allocator_;
  std::map<const Buffer*, DeviceAddress> addresses_;
  KernelArgumentState state_;
  InlineKernelArguments storage_;
};

TEST_F(KernelArgumentsTest, PacksSetsInOrdinalOrderThenEachPushConstant) {
  // Set 0 declares ordinals 5 and 2: argument 0 is ordinal 2, argument 1 is ordinal 5.
  Ref<PipelineLayout> layout = Layout({{5, 2}, {0, 1, 7}}, 3);
  ASSERT_EQ(layout->argument_count(), 8u);
  Ref<Buffer> a = NewBuffer(0x1000), b = NewBuffer(0x2000), c = NewBuffer(0x3000);
  const BufferBinding set0[] = {{5, a.get(), 16, kWholeBuffer}, {2, b.get(), 0, kWholeBuffer}};
  const BufferBinding set1[] = {
      {7, c.get(), 8, kWholeBuffer}, {0, a.get(), 0, kWholeBuffer}, {1, b.get(), 4, 4}};
  ASSERT_OK(state_.PushDescriptorSet(*layout, 1, set1, AddressOf()));
  ASSERT_OK(state_.PushDescriptorSet(*layout, 0, set0, AddressOf()));
  ASSERT_OK(state_.PushConstants(*layout, 0, AsBytes({10, 11, 12})));
  ASSERT_OK(state_.Pack(*layout, "kernel", storage_.storage()));

  const std::vector<uint64_t> expected = {0x2000, 0x1010, 0x1000, 0x2004, 0x3008};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(storage_.values[i], expected[i]) << i;
    EXPECT_EQ(storage_.pointers[i], &storage_.values[i]) << i;
  }
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(*static_cast<const uint32_t*>(storage_.pointers[5 + i]), 10 + i);
  }
}

TEST_F(KernelArgumentsTest, ExactlyMaxPushConstantsFitAndOneMoreDoesNot) {
  Ref<PipelineLayout> layout = Layout({}, kMaxPushConstants);
  std::vector<uint32_t> all(kMaxPushConstants);
  std::iota(all.begin(), all.end(), 1);
  EXPECT_OK(state_.PushConstants(*layout, 0, AsBytes(all)));
  EXPECT_EQ(state_.PushConstants(*layout, 4, AsBytes(all)).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(state_.PushConstants(*layout, kMaxPushConstants * 4, AsBytes({1})).code(),
            StatusCode::kOutOfRange);
  EXPECT_OK(state_.PushConstants(*layout, (kMaxPushConstants - 1) * 4, AsBytes({99})));
  ASSERT_OK(state_.Pack(*layout, "k", storage_.storage()));
  EXPECT_EQ(*static_cast<const uint32_t*>(storage_.pointers[kMaxPushConstants - 1]), 99u);
  EXPECT_EQ(*static_cast<const uint32_t*>(storage_.pointers[0]), 1u);
}

// Found by the command-buffer fuzzer under UBSan: an empty vector's null data() went to
// memcpy.
TEST_F(KernelArgumentsTest, EmptyPushConstantsAreANoOpUpToTheEnd) {
  Ref<PipelineLayout> layout = Layout({}, kMaxPushConstants);
  std::vector<uint32_t> all(kMaxPushConstants);
  std::iota(all.begin(), all.end(), 1u);
  ASSERT_OK(state_.PushConstants(*layout, 0, AsBytes(all)));
  const std::span<const uint8_t> empty;
  ASSERT_EQ(empty.data(), nullptr);
  EXPECT_OK(state_.PushConstants(*layout, 0, empty));
  EXPECT_OK(state_.PushConstants(*layout, 8, empty));
  EXPECT_OK(state_.PushConstants(*layout, kMaxPushConstants * 4, empty));
  EXPECT_EQ(state_.PushConstants(*layout, (kMaxPushConstants + 1) * 4, empty).code(),
            StatusCode::kOutOfRange);
  ASSERT_OK(state_.Pack(*layout, "k", storage_.storage()));
  for (uint32_t i = 0; i < kMaxPushConstants; ++i) {
    EXPECT_EQ(*static_cast<const uint32_t*>(storage_.pointers[i]), i + 1);
  }
}

TEST_F(KernelArgumentsTest, PushConstantsBeyondTheLayoutAreRejected) {
  Ref<PipelineLayout> layout = Layout({}, 2);
  EXPECT_EQ(state_.PushConstants(*layout, 8, AsBytes({1})).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(state_.PushConstants(*layout, 4, AsBytes({1, 2})).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(state_.PushConstants(*layout, 2, AsBytes({1})).code(), StatusCode::kInvalidArgument);
  const uint8_t three_bytes[3] = {};
  EXPECT_EQ(state_.PushConstants(*layout, 0, three_bytes).code(), StatusCode::kInvalidArgument);
  // An enormous offset must not wrap around into range.
  EXPECT_EQ(state_.PushConstants(*layout, SIZE_MAX - 3, AsBytes({1})).code(),
            StatusCode::kOutOfRange);
}

TEST_F(KernelArgumentsTest, DescriptorSetIndexAndOrdinalsAreChecked) {
  Ref<PipelineLayout> layout = Layout({{0}}, 0);
  Ref<Buffer> a = NewBuffer(0x1000);
  const BufferBinding binding{0, a.get(), 0, kWholeBuffer};
  EXPECT_EQ(state_.PushDescriptorSet(*layout, 1, {&binding, 1}, AddressOf()).code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(
      state_.PushDescriptorSet(*layout, kMaxDescriptorSets, {&binding, 1}, AddressOf()).code(),
      StatusCode::kOutOfRange);
  const BufferBinding unknown{3, a.get(), 0, kWholeBuffer};
  EXPECT_EQ(state_.PushDescriptorSet(*layout, 0, {&unknown, 1}, AddressOf()).code(),
            StatusCode::kNotFound);
  const BufferBinding null_buffer{0, nullptr, 0, kWholeBuffer};
  EXPECT_EQ(state_.PushDescriptorSet(*layout, 0, {&null_buffer, 1}, AddressOf()).code(),
            StatusCode::kInvalidArgument);
  Ref<Buffer> foreign = HeapBuffer::Create(allocator_, {}, 16).value();
  const BufferBinding foreign_binding{0, foreign.get(), 0, kWholeBuffer};
  Status status = state_.PushDescriptorSet(*layout, 0, {&foreign_binding, 1}, AddressOf());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("set 0 binding ordinal 0"));
}

TEST_F(KernelArgumentsTest, UnboundBindingsAreNamed) {
  Ref<PipelineLayout> layout = Layout({{0}, {4, 9}}, 0);
  Ref<Buffer> a = NewBuffer(0x1000);
  const BufferBinding set0{0, a.get(), 0, kWholeBuffer};
  const BufferBinding set1{4, a.get(), 0, kWholeBuffer};
  ASSERT_OK(state_.PushDescriptorSet(*layout, 0, {&set0, 1}, AddressOf()));
  ASSERT_OK(state_.PushDescriptorSet(*layout, 1, {&set1, 1}, AddressOf()));
  Status status = state_.Pack(*layout, "my_kernel", storage_.storage());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("'my_kernel'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("set 1 binding ordinal 9"));
}

TEST_F(KernelArgumentsTest, StorageTooSmallIsAnInternalError) {
  Ref<PipelineLayout> layout = Layout({}, 4);
  KernelArgumentSlot values[2];
  void* pointers[2];
  EXPECT_EQ(state_.Pack(*layout, "k", {values, pointers}).code(), StatusCode::kInternal);
}

TEST_F(KernelArgumentsTest, TheLargestLayoutFitsInlineStorage) {
  std::vector<std::vector<uint32_t>> sets(kMaxDescriptorSets);
  for (auto& set : sets) {
    for (uint32_t i = 0; i < kMaxBindingsPerSet; ++i) set.push_back(i);
  }
  Ref<PipelineLayout> layout = Layout(sets, kMaxPushConstants);
  ASSERT_EQ(layout->argument_count(), kMaxKernelArguments);
  Ref<Buffer> a = NewBuffer(0x40000);
  for (uint32_t set = 0; set < kMaxDescriptorSets; ++set) {
    std::vector<BufferBinding> bindings;
    for (uint32_t i = 0; i < kMaxBindingsPerSet; ++i) bindings.push_back({i, a.get(), i * 8});
    ASSERT_OK(state_.PushDescriptorSet(*layout, set, bindings, AddressOf()));
  }
  ASSERT_OK(state_.Pack(*layout, "k", storage_.storage()));
  EXPECT_EQ(storage_.values[kMaxBindingsPerSet * 3 + 5], 0x40000u + 5 * 8);
}

}  // namespace
}  // namespace gpuhal::gpu
