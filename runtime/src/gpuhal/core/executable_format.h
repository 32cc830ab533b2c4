// Reading the executable container (schema: executable_format.fbs) into a plain,
// vendor-neutral description that a backend turns into a native executable.
//
// Error codes:
//   DATA_LOSS        the bytes are truncated or structurally corrupt: they fail the
//                    FlatBuffers verifier, so no field is trustworthy.
//   INVALID_ARGUMENT everything else: an empty or misaligned buffer, bytes that are not a
//                    gpuhal container at all (wrong file identifier), or a well-formed
//                    container whose contents break a rule (duplicate names, limits, ...).
// Every message names the entry point or target (index and name), the field and the limit.
#ifndef GPUHAL_CORE_EXECUTABLE_FORMAT_H_
#define GPUHAL_CORE_EXECUTABLE_FORMAT_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpuhal/layout.h"
#include "gpuhal/status.h"

namespace gpuhal {

// Containers are size-prefixed FlatBuffers: a 32-bit byte count of the rest, then the
// root offset, then this identifier at offset 8. The size prefix is what lets every
// truncation be detected, even a cut that only removes trailing padding.
inline constexpr std::string_view kExecutableContainerIdentifier = "GHX1";
// Block sizes whose product exceeds this are rejected: it is the smallest per-block thread
// limit of the targets gpuhal supports, so a container valid here is loadable everywhere.
inline constexpr uint64_t kMaxThreadsPerBlock = 1024;

struct BindingShape {
  uint32_t ordinal = 0;
  DescriptorType type = DescriptorType::kStorageBuffer;
  friend bool operator==(const BindingShape&, const BindingShape&) = default;
};

struct DescriptorSetShape {
  // In declaration order; ordinals are unique but need not be sorted.
  std::vector<BindingShape> bindings;
  friend bool operator==(const DescriptorSetShape&, const DescriptorSetShape&) = default;
};

// The pipeline layout an entry point's kernel was compiled against.
struct LayoutShape {
  std::vector<DescriptorSetShape> sets;
  uint32_t push_constant_count = 0;

  // The common case: set i holds storage_buffers_per_set[i] storage buffers with ordinals
  // 0..n-1.
  static LayoutShape StorageBuffers(std::span<const uint32_t> storage_buffers_per_set,
                                    uint32_t push_constant_count);

  friend bool operator==(const LayoutShape&, const LayoutShape&) = default;
};

struct ParsedEntryPoint {
  std::string name;
  std::array<uint32_t, 3> block_size{1, 1, 1};
  uint32_t shared_memory_bytes = 0;
  LayoutShape layout;
};

struct ParsedTarget {
  std::string name;
  // Points into the bytes given to ParseExecutableContainer: valid only while they are.
  // Not copied because code blobs can be megabytes and are usually handed straight to the
  // vendor loader. Not NUL-terminated; a loader that needs a C string must copy.
  std::span<const uint8_t> code;
  // symbols[i] implements entry point i.
  std::vector<std::string> symbols;
};

struct ParsedExecutable {
  std::vector<ParsedEntryPoint> entry_points;
  std::vector<ParsedTarget> targets;

  // NOT_FOUND naming `name` and listing the targets the container does have.
  Result<const ParsedTarget*> FindTarget(std::string_view name) const;
};

// Verifies `bytes` (before reading any field), then checks the contents; see the error
// codes above. `bytes` must be 4-byte aligned (any std::vector or heap allocation is) and
// must outlive the returned ParsedTarget::code spans.
Result<ParsedExecutable> ParseExecutableContainer(std::span<const uint8_t> bytes);

// INVALID_ARGUMENT naming the entry point and the first difference between the shape it
// declares and `layout`: set count, binding count of a set, the ordinals and descriptor
// types of a set's bindings (compared by ordinal, so declaration order does not matter),
// or push constant count.
Status CheckLayoutMatches(const ParsedEntryPoint& entry_point, const PipelineLayout& layout);

}  // namespace gpuhal

#endif  // GPUHAL_CORE_EXECUTABLE_FORMAT_H_
