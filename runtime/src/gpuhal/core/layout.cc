#include "gpuhal/layout.h"

#include <algorithm>

namespace gpuhal {

Result<Ref<DescriptorSetLayout>> DescriptorSetLayout::Create(
    Allocator& allocator, std::span<const DescriptorSetLayoutBinding> bindings) {
  if (bindings.size() > kMaxBindingsPerSet) {
    return InvalidArgumentError("descriptor set layout has ", bindings.size(),
                                " bindings; at most kMaxBindingsPerSet = ", kMaxBindingsPerSet,
                                " are supported");
  }
  Ref<DescriptorSetLayout> layout = MakeRef<DescriptorSetLayout>(allocator);
  if (!layout) {
    return ResourceExhaustedError("out of host memory creating a descriptor set layout");
  }
  layout->binding_count_ = static_cast<uint32_t>(bindings.size());
  std::copy(bindings.begin(), bindings.end(), layout->bindings_.begin());
  // Sorted once here so that argument slots are plain indices at dispatch time.
  auto sorted = layout->bindings_.begin();
  std::stable_sort(sorted, sorted + layout->binding_count_,
                   [](const auto& a, const auto& b) { return a.ordinal < b.ordinal; });
  for (uint32_t i = 1; i < layout->binding_count_; ++i) {
    if (layout->bindings_[i].ordinal == layout->bindings_[i - 1].ordinal) {
      return InvalidArgumentError("descriptor set layout binding ordinal ",
                                  layout->bindings_[i].ordinal,
                                  " appears more than once; ordinals must be unique");
    }
  }
  return layout;
}

Result<uint32_t> DescriptorSetLayout::SlotOfOrdinal(uint32_t ordinal) const {
  auto begin = bindings_.begin();
  auto end = begin + binding_count_;
  auto it = std::lower_bound(begin, end, ordinal,
                             [](const auto& binding, uint32_t o) { return binding.ordinal < o; });
  if (it != end && it->ordinal == ordinal) return static_cast<uint32_t>(it - begin);
  std::string ordinals;
  for (auto b = begin; b != end; ++b) {
    if (!ordinals.empty()) ordinals += ", ";
    ordinals += std::to_string(b->ordinal);
  }
  return NotFoundError("descriptor set layout has no binding with ordinal ", ordinal,
                       " (its ordinals: ", ordinals.empty() ? "none" : ordinals, ")");
}

Result<Ref<PipelineLayout>> PipelineLayout::Create(
    Allocator& allocator, std::span<DescriptorSetLayout* const> set_layouts,
    uint32_t push_constant_count) {
  if (set_layouts.size() > kMaxDescriptorSets) {
    return InvalidArgumentError("pipeline layout has ", set_layouts.size(),
                                " descriptor sets; at most kMaxDescriptorSets = ",
                                kMaxDescriptorSets, " are supported");
  }
  if (push_constant_count > kMaxPushConstants) {
    return InvalidArgumentError("pipeline layout has ", push_constant_count,
                                " push constants; at most kMaxPushConstants = ",
                                kMaxPushConstants, " are supported");
  }
  for (size_t set = 0; set < set_layouts.size(); ++set) {
    if (!set_layouts[set]) {
      return InvalidArgumentError("pipeline layout set layout ", set, " is null");
    }
  }
  Ref<PipelineLayout> layout = MakeRef<PipelineLayout>(allocator);
  if (!layout) return ResourceExhaustedError("out of host memory creating a pipeline layout");
  uint32_t next_argument = 0;
  for (size_t set = 0; set < set_layouts.size(); ++set) {
    layout->set_layouts_[set] = Ref<DescriptorSetLayout>(set_layouts[set]);
    layout->set_base_arguments_[set] = next_argument;
    next_argument += set_layouts[set]->binding_count();
  }
  layout->set_count_ = static_cast<uint32_t>(set_layouts.size());
  layout->push_constant_base_argument_ = next_argument;
  layout->push_constant_count_ = push_constant_count;
  return layout;
}

}  // namespace gpuhal
