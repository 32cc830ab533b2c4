// Executables: a verified container of kernels (entry points) for one or more targets.
//
// The container is a FlatBuffer checked with its verifier before any field is read. It
// holds, per entry point, the name, block size, dynamic shared memory and the pipeline
// layout shape; and one code blob per target: "ptx" or "cubin" for CUDA, "hsaco" for HIP,
// and "fake" naming host implementations registered with the simulated GPU.
#ifndef GPUHAL_EXECUTABLE_H_
#define GPUHAL_EXECUTABLE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "gpuhal/layout.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

struct ExecutableParams {
  // The container bytes; only read during LoadExecutable.
  std::span<const uint8_t> container;
  // One layout per entry point, in the container's order. Each must match the shape the
  // container declares for its entry point (set count, bindings per set, push constants);
  // a mismatch is INVALID_ARGUMENT naming the entry point.
  std::span<PipelineLayout* const> pipeline_layouts;
};

struct EntryPointInfo {
  std::string_view name;  // owned by the executable
  std::array<uint32_t, 3> block_size{1, 1, 1};
  uint32_t shared_memory_bytes = 0;
  const PipelineLayout* layout = nullptr;  // retained by the executable
};

class Executable : public RefCounted {
 public:
  virtual uint32_t entry_point_count() const = 0;
  // Precondition: ordinal < entry_point_count().
  virtual const EntryPointInfo& entry_point(uint32_t ordinal) const = 0;

  // NOT_FOUND naming the entry point and listing the available ones.
  Result<uint32_t> LookupEntryPoint(std::string_view name) const;

  // Lets a backend recognise its own executables in one compare (see
  // CommandBuffer::TypeTag); every dispatch resolves its executable. Null by default.
  virtual const void* TypeTag() const { return nullptr; }

 protected:
  Executable() = default;
};

}  // namespace gpuhal

#endif  // GPUHAL_EXECUTABLE_H_
