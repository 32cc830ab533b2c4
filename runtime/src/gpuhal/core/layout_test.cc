#include "gpuhal/layout.h"

#include <gtest/gtest.h>

#include <vector>
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

class LayoutTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(allocator_.live_bytes(), 0u); }

  Ref<DescriptorSetLayout> MakeSet(uint32_t binding_count) {
    std::vector<DescriptorSetLayoutBinding> bindings(binding_count);
    for (uint32_t i = 0; i < binding_count; ++i) bindings[i].ordinal = i;
    auto layout = DescriptorSetLayout::Create(allocator_, bindings);
    EXPECT_OK(layout) << layout.status();
    return layout.ok() ? *layout : nullptr;
  }

  CountingAllocator allocator_;
};

TEST_F(LayoutTest, BindingsAreSortedByOrdinal) {
  const DescriptorSetLayoutBinding bindings[] = {
      {7, DescriptorType::kUniformBuffer, DescriptorFlags::kReadOnly},
      {2, DescriptorType::kStorageBuffer, DescriptorFlags::kNone},
      {4, DescriptorType::kStorageBuffer, DescriptorFlags::kReadOnly},
  };
  auto layout = DescriptorSetLayout::Create(allocator_, bindings);
  ASSERT_OK(layout) << layout.status();
  ASSERT_EQ((*layout)->binding_count(), 3u);
  auto sorted = (*layout)->bindings();
  EXPECT_EQ(sorted[0].ordinal, 2u);
  EXPECT_EQ(sorted[1].ordinal, 4u);
  EXPECT_EQ(sorted[2].ordinal, 7u);
  EXPECT_EQ(sorted[2].type, DescriptorType::kUniformBuffer);
  EXPECT_EQ(*(*layout)->SlotOfOrdinal(2), 0u);
  EXPECT_EQ(*(*layout)->SlotOfOrdinal(4), 1u);
  EXPECT_EQ(*(*layout)->SlotOfOrdinal(7), 2u);
}

TEST_F(LayoutTest, SlotOfMissingOrdinalIsNotFoundListingOrdinals) {
  const DescriptorSetLayoutBinding bindings[] = {{0}, {1}, {3}};
  auto layout = DescriptorSetLayout::Create(allocator_, bindings);
  ASSERT_OK(layout);
  auto slot = (*layout)->SlotOfOrdinal(2);
  EXPECT_EQ(slot.status().code(), StatusCode::kNotFound);
  EXPECT_NE(slot.status().message().find("ordinal 2"), std::string_view::npos);
  EXPECT_NE(slot.status().message().find("0, 1, 3"), std::string_view::npos);
}

TEST_F(LayoutTest, DuplicateOrdinalIsInvalidArgument) {
  const DescriptorSetLayoutBinding bindings[] = {{5}, {1}, {5}};
  auto layout = DescriptorSetLayout::Create(allocator_, bindings);
  EXPECT_EQ(layout.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(layout.status().message().find("ordinal 5"), std::string_view::npos);
}

TEST_F(LayoutTest, BindingLimitIsExact) {
  EXPECT_EQ(MakeSet(kMaxBindingsPerSet)->binding_count(), kMaxBindingsPerSet);
  std::vector<DescriptorSetLayoutBinding> bindings(kMaxBindingsPerSet + 1);
  for (uint32_t i = 0; i < bindings.size(); ++i) bindings[i].ordinal = i;
  auto layout = DescriptorSetLayout::Create(allocator_, bindings);
  EXPECT_EQ(layout.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(layout.status().message().find("33"), std::string_view::npos);
}

TEST_F(LayoutTest, EmptySetIsAllowed) {
  auto layout = DescriptorSetLayout::Create(allocator_, {});
  ASSERT_OK(layout);
  EXPECT_EQ((*layout)->binding_count(), 0u);
  EXPECT_EQ((*layout)->SlotOfOrdinal(0).status().code(), StatusCode::kNotFound);
}

TEST_F(LayoutTest, ArgumentOffsetsAreComputedAtCreation) {
  auto a = MakeSet(3);
  auto b = MakeSet(0);
  auto c = MakeSet(2);
  DescriptorSetLayout* sets[] = {a.get(), b.get(), c.get()};
  auto layout = PipelineLayout::Create(allocator_, sets, 4);
  ASSERT_OK(layout) << layout.status();
  EXPECT_EQ((*layout)->set_count(), 3u);
  EXPECT_EQ((*layout)->set_base_argument(0), 0u);
  EXPECT_EQ((*layout)->set_base_argument(1), 3u);
  EXPECT_EQ((*layout)->set_base_argument(2), 3u);
  EXPECT_EQ((*layout)->push_constant_base_argument(), 5u);
  EXPECT_EQ((*layout)->push_constant_count(), 4u);
  EXPECT_EQ((*layout)->argument_count(), 9u);
  EXPECT_EQ(&(*layout)->set_layout(2), c.get());
}

TEST_F(LayoutTest, PipelineLayoutRetainsSetLayouts) {
  auto set = MakeSet(2);
  DescriptorSetLayout* sets[] = {set.get()};
  auto layout = PipelineLayout::Create(allocator_, sets, 0);
  ASSERT_OK(layout);
  EXPECT_EQ(set->ref_count_for_testing(), 2);
  set.reset();
  EXPECT_EQ((*layout)->set_layout(0).binding_count(), 2u);
}

TEST_F(LayoutTest, SetLimitIsExact) {
  auto set = MakeSet(1);
  std::vector<DescriptorSetLayout*> sets(kMaxDescriptorSets, set.get());
  auto at_limit = PipelineLayout::Create(allocator_, sets, 0);
  ASSERT_OK(at_limit) << at_limit.status();
  EXPECT_EQ((*at_limit)->set_count(), kMaxDescriptorSets);
  sets.push_back(set.get());
  auto over = PipelineLayout::Create(allocator_, sets, 0);
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("5 descriptor sets"), std::string_view::npos);
}

TEST_F(LayoutTest, PushConstantLimitIsExact) {
  auto at_limit = PipelineLayout::Create(allocator_, {}, kMaxPushConstants);
  ASSERT_OK(at_limit) << at_limit.status();
  EXPECT_EQ((*at_limit)->push_constant_count(), kMaxPushConstants);
  EXPECT_EQ((*at_limit)->push_constant_base_argument(), 0u);
  auto over = PipelineLayout::Create(allocator_, {}, kMaxPushConstants + 1);
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("65 push constants"), std::string_view::npos);
}

TEST_F(LayoutTest, NullSetLayoutIsInvalidArgument) {
  auto set = MakeSet(1);
  DescriptorSetLayout* sets[] = {set.get(), nullptr};
  auto layout = PipelineLayout::Create(allocator_, sets, 0);
  EXPECT_EQ(layout.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(layout.status().message().find("set layout 1 is null"), std::string_view::npos);
}

}  // namespace
}  // namespace gpuhal
