// Descriptor set layouts and pipeline layouts: the shape of a dispatch's arguments.
//
// Kernel argument ABI: a dispatch's kernel parameters are the bindings of set 0 in
// ordinal order, then set 1, ..., then each 32-bit push constant as a parameter of its
// own. A pipeline layout computes every argument index once, at creation, so recording a
// dispatch does no sorting.
#ifndef GPUHAL_LAYOUT_H_
#define GPUHAL_LAYOUT_H_

#include <array>
#include <cstdint>
#include <span>

#include "gpuhal/allocator.h"
#include "gpuhal/bitmask.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

inline constexpr uint32_t kMaxDescriptorSets = 4;
inline constexpr uint32_t kMaxBindingsPerSet = 32;
inline constexpr uint32_t kMaxPushConstants = 64;  // 32-bit values

enum class DescriptorType : uint8_t {
  kStorageBuffer,
  kUniformBuffer,
};

enum class DescriptorFlags : uint8_t {
  kNone = 0,
  kReadOnly = 1u << 0,
};
GPUHAL_BITMASK_OPERATORS(DescriptorFlags)

struct DescriptorSetLayoutBinding {
  uint32_t ordinal = 0;  // the binding number shaders and PushDescriptorSet use
  DescriptorType type = DescriptorType::kStorageBuffer;
  DescriptorFlags flags = DescriptorFlags::kNone;
};

class DescriptorSetLayout final : public RefCounted {
 public:
  // INVALID_ARGUMENT for more than kMaxBindingsPerSet bindings or a repeated ordinal.
  static Result<Ref<DescriptorSetLayout>> Create(
      Allocator& allocator, std::span<const DescriptorSetLayoutBinding> bindings);

  uint32_t binding_count() const { return binding_count_; }
  // Sorted by ordinal: index i is the i-th kernel argument of this set.
  std::span<const DescriptorSetLayoutBinding> bindings() const {
    return {bindings_.data(), binding_count_};
  }
  // The argument slot of `ordinal` within this set; NOT_FOUND if the set lacks it.
  Result<uint32_t> SlotOfOrdinal(uint32_t ordinal) const;

 private:
  template <typename T, typename... Args>
  friend T* NewRefCounted(Allocator& allocator, Args&&... args);
  DescriptorSetLayout() = default;
  uint32_t binding_count_ = 0;
  std::array<DescriptorSetLayoutBinding, kMaxBindingsPerSet> bindings_{};
};

class PipelineLayout final : public RefCounted {
 public:
  // INVALID_ARGUMENT for more than kMaxDescriptorSets sets, a null set layout, or more
  // than kMaxPushConstants push constants.
  static Result<Ref<PipelineLayout>> Create(Allocator& allocator,
                                            std::span<DescriptorSetLayout* const> set_layouts,
                                            uint32_t push_constant_count);

  uint32_t set_count() const { return set_count_; }
  // Precondition: set < set_count().
  const DescriptorSetLayout& set_layout(uint32_t set) const { return *set_layouts_[set]; }
  // Kernel argument index of the first binding of `set`. Precondition: set < set_count().
  uint32_t set_base_argument(uint32_t set) const { return set_base_arguments_[set]; }
  uint32_t push_constant_count() const { return push_constant_count_; }
  uint32_t push_constant_base_argument() const { return push_constant_base_argument_; }
  // Bindings of every set plus push constants.
  uint32_t argument_count() const { return push_constant_base_argument_ + push_constant_count_; }

 private:
  template <typename T, typename... Args>
  friend T* NewRefCounted(Allocator& allocator, Args&&... args);
  PipelineLayout() = default;
  uint32_t set_count_ = 0;
  std::array<Ref<DescriptorSetLayout>, kMaxDescriptorSets> set_layouts_{};
  std::array<uint32_t, kMaxDescriptorSets> set_base_arguments_{};
  uint32_t push_constant_count_ = 0;
  uint32_t push_constant_base_argument_ = 0;
};

}  // namespace gpuhal

#endif  // GPUHAL_LAYOUT_H_
