// A buffer in host memory from the injected Allocator. The simulated paths and tests use
// it where a real driver would hand out device memory.
#ifndef GPUHAL_CORE_HEAP_BUFFER_H_
#define GPUHAL_CORE_HEAP_BUFFER_H_

#include <atomic>
#include <cstddef>
#include <span>

#include "gpuhal/allocator.h"
#include "gpuhal/buffer.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

class HeapBuffer final : public Buffer {
 public:
  // Zero-filled host memory of `byte_length` bytes, aligned to params.min_alignment (or
  // kDefaultAlignment when 0). Any memory type is accepted and reported as asked, so that
  // tests can build device-local buffers; Map still refuses types that are not host
  // visible, as it would on a real device. INVALID_ARGUMENT for an alignment that is not
  // a power of two; RESOURCE_EXHAUSTED when `allocator` refuses.
  static Result<Ref<HeapBuffer>> Create(Allocator& allocator, const BufferParams& params,
                                        size_t byte_length);

  static constexpr size_t kDefaultAlignment = 64;

  // The whole allocation, whatever its memory type: for simulated devices and tests that
  // play the device's part.
  std::span<std::byte> contents() const { return {data_, byte_length()}; }

  // How many mappings are open, so tests can see that MappedMemory unmaps.
  int open_mapping_count() const { return open_mappings_.load(std::memory_order_relaxed); }

 protected:
  Result<std::byte*> MapAllocationRange(MappingAccess access, size_t offset,
                                        size_t length) override;
  void UnmapAllocationRange(size_t offset, size_t length, std::byte* data) override;

 private:
  template <typename T, typename... Args>
  friend T* NewRefCounted(Allocator& allocator, Args&&... args);

  HeapBuffer(Allocator& allocator, const BufferParams& params, size_t byte_length,
             std::byte* data);
  ~HeapBuffer() override;

  std::byte* data_;
  std::atomic<int> open_mappings_{0};
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_HEAP_BUFFER_H_
