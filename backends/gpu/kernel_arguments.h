// The dispatch argument state a command buffer keeps between PushDescriptorSet /
// PushConstants and Dispatch, and how it becomes a kernel's parameter array.
//
// Kernel argument ABI (gpuhal/layout.h): the bindings of set 0 in ordinal order, then set
// 1, ..., then each 32-bit push constant as a parameter of its own. Binding parameters are
// 64-bit device addresses. PipelineLayout computed every argument index when it was
// created, so packing is a copy per argument: no sorting, no lookups by ordinal.
//
// Vendor-neutral: the state holds plain device addresses, and the vendor's launch call
// receives an array of void* pointing at the packed values.
#ifndef GPUHAL_BACKENDS_GPU_KERNEL_ARGUMENTS_H_
#define GPUHAL_BACKENDS_GPU_KERNEL_ARGUMENTS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "backends/gpu/vendor.h"
#include "gpuhal/buffer.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/layout.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// The most parameters a kernel of any valid pipeline layout takes.
inline constexpr uint32_t kMaxKernelArguments =
    kMaxDescriptorSets * kMaxBindingsPerSet + kMaxPushConstants;

// One slot per parameter: wide enough for a device address; a push constant uses the low
// 4 bytes (the parameter pointer points at the slot's start, so the kernel reads exactly
// its 32 bits).
using KernelArgumentSlot = uint64_t;

// Where a dispatch's parameters are packed: `values[i]` holds parameter i and
// `pointers[i]` points at it, as cuLaunchKernel / hipModuleLaunchKernel expect.
struct KernelArgumentStorage {
  std::span<KernelArgumentSlot> values;
  std::span<void*> pointers;
};

// Enough storage for any dispatch, for callers that launch at once (the launch call
// copies the parameters, so a stack array suffices).
struct InlineKernelArguments {
  std::array<KernelArgumentSlot, kMaxKernelArguments> values;
  std::array<void*, kMaxKernelArguments> pointers;
  KernelArgumentStorage storage() { return {values, pointers}; }
};

// Bound buffers and push-constant values, indexed by (set, argument slot within the set)
// and by constant index, so that the state does not depend on the layout it was pushed
// with: a dispatch reads the slots its entry point's layout names.
class KernelArgumentState {
 public:
  KernelArgumentState() = default;
  // Copies the bound slots only: the others hold no value (see bindings_).
  KernelArgumentState(const KernelArgumentState& other) { CopyFrom(other); }
  KernelArgumentState& operator=(const KernelArgumentState& other) {
    if (this != &other) CopyFrom(other);
    return *this;
  }

  // Stores `values` as push constants [offset/4, (offset + size)/4). The validating shim
  // has checked the range already; this never writes out of range regardless.
  Status PushConstants(const PipelineLayout& layout, size_t offset,
                       std::span<const uint8_t> values) {
    if (offset % 4 != 0 || values.size() % 4 != 0) {
      return InvalidArgumentError("PushConstants offset ", offset, " and size ", values.size(),
                                  " must be multiples of 4 bytes");
    }
    const size_t first = offset / 4;
    const size_t count = values.size() / 4;
    const size_t limit = layout.push_constant_count();
    if (first > limit || count > limit - first) {
      return OutOfRangeError("PushConstants writes constants [", first, ", ", first + count,
                             ") but the pipeline layout has ", limit, " push constants");
    }
    // An empty push is valid anywhere up to the end, where data() may be null and
    // push_constants_[first] one past the array: neither may reach memcpy.
    if (values.empty()) return OkStatus();
    std::memcpy(&push_constants_[first], values.data(), values.size());
    return OkStatus();
  }

  // Binds each binding's buffer at its ordinal's slot of `set`. `address_of(Buffer&)`
  // returns the buffer's device address, its own offset inside its allocation included.
  // All or nothing: every binding is resolved before any slot changes, so a refused push
  // leaves the earlier bindings in place.
  template <typename AddressOf>
  Status PushDescriptorSet(const PipelineLayout& layout, uint32_t set,
                           std::span<const BufferBinding> bindings, AddressOf&& address_of) {
    if (set >= layout.set_count()) {
      return OutOfRangeError("PushDescriptorSet set ", set, " but the pipeline layout has ",
                             layout.set_count(), " descriptor sets");
    }
    const DescriptorSetLayout& set_layout = layout.set_layout(set);
    if (bindings.size() > kMaxBindingsPerSet) {
      return InvalidArgumentError("PushDescriptorSet set ", set, " pushes ", bindings.size(),
                                  " bindings; a set has at most ", kMaxBindingsPerSet);
    }
    std::array<uint32_t, kMaxBindingsPerSet> slots;
    std::array<KernelArgumentSlot, kMaxBindingsPerSet> addresses;
    for (size_t i = 0; i < bindings.size(); ++i) {
      const BufferBinding& binding = bindings[i];
      if (!binding.buffer) {
        return InvalidArgumentError("PushDescriptorSet set ", set, " binding ordinal ",
                                    binding.ordinal, " has no buffer");
      }
      Result<uint32_t> slot = set_layout.SlotOfOrdinal(binding.ordinal);
      if (!slot.ok()) return slot.status().WithContext(StrCat("PushDescriptorSet set ", set));
      Result<DeviceAddress> address = address_of(*binding.buffer);
      if (!address.ok()) {
        return address.status().WithContext(
            StrCat("PushDescriptorSet set ", set, " binding ordinal ", binding.ordinal));
      }
      slots[i] = *slot;
      addresses[i] = *address + binding.offset;
    }
    for (size_t i = 0; i < bindings.size(); ++i) {
      bindings_[set][slots[i]] = addresses[i];
      bound_slots_[set] |= uint32_t{1} << slots[i];
    }
    return OkStatus();
  }

  // Packs the parameters of a kernel compiled against `layout` into `storage`, which
  // must hold layout.argument_count() slots. FAILED_PRECONDITION naming the first
  // binding the layout has but no PushDescriptorSet bound: the kernel would read address 0.
  Status Pack(const PipelineLayout& layout, std::string_view entry_point_name,
              KernelArgumentStorage storage) const {
    const uint32_t argument_count = layout.argument_count();
    if (argument_count > storage.values.size() || argument_count > storage.pointers.size()) {
      return InternalError("kernel argument storage holds ", storage.values.size(),
                           " parameters; '", entry_point_name, "' takes ", argument_count);
    }
    const uint32_t set_count =
        layout.set_count() < kMaxDescriptorSets ? layout.set_count() : kMaxDescriptorSets;
    for (uint32_t set = 0; set < set_count; ++set) {
      const uint32_t binding_count = layout.set_layout(set).binding_count();
      const uint32_t wanted =
          binding_count >= 32 ? ~uint32_t{0} : (uint32_t{1} << binding_count) - 1;
      if ((bound_slots_[set] & wanted) != wanted) {
        const uint32_t slot = static_cast<uint32_t>(__builtin_ctz(~bound_slots_[set] & wanted));
        return FailedPreconditionError(
            "dispatch of '", entry_point_name, "': descriptor set ", set, " binding ordinal ",
            layout.set_layout(set).bindings()[slot].ordinal,
            " has no buffer; push it with PushDescriptorSet before dispatching");
      }
      std::memcpy(&storage.values[layout.set_base_argument(set)], bindings_[set].data(),
                  binding_count * sizeof(KernelArgumentSlot));
    }
    const uint32_t constant_base = layout.push_constant_base_argument();
    for (uint32_t i = 0; i < layout.push_constant_count(); ++i) {
      storage.values[constant_base + i] = 0;
      std::memcpy(&storage.values[constant_base + i], &push_constants_[i], sizeof(uint32_t));
    }
    for (uint32_t i = 0; i < argument_count; ++i) storage.pointers[i] = &storage.values[i];
    return OkStatus();
  }

 private:
  void CopyFrom(const KernelArgumentState& other) {
    bound_slots_ = other.bound_slots_;
    push_constants_ = other.push_constants_;
    for (uint32_t set = 0; set < kMaxDescriptorSets; ++set) {
      for (uint32_t bits = bound_slots_[set]; bits != 0; bits &= bits - 1) {
        const uint32_t slot = static_cast<uint32_t>(__builtin_ctz(bits));
        bindings_[set][slot] = other.bindings_[set][slot];
      }
    }
  }

  // Only the slots bound_slots_ marks hold a value, and only those are read. Left
  // uninitialized: every stream-mode submission makes a state for its replay, and
  // clearing 1 KiB (16 cache lines) it mostly never reads was work on each of them.
  std::array<std::array<KernelArgumentSlot, kMaxBindingsPerSet>, kMaxDescriptorSets> bindings_;
  std::array<uint32_t, kMaxDescriptorSets> bound_slots_{};  // bit i: slot i was pushed
  std::array<uint32_t, kMaxPushConstants> push_constants_{};
  static_assert(kMaxBindingsPerSet <= 32, "bound_slots_ holds one bit per binding slot");
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_KERNEL_ARGUMENTS_H_
