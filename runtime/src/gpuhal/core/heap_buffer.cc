#include "gpuhal/core/heap_buffer.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace gpuhal {

Result<Ref<HeapBuffer>> HeapBuffer::Create(Allocator& allocator, const BufferParams& params,
                                           size_t byte_length) {
  size_t alignment = params.min_alignment == 0 ? kDefaultAlignment : params.min_alignment;
  if (!std::has_single_bit(alignment)) {
    return InvalidArgumentError("buffer min_alignment ", params.min_alignment,
                                " is not a power of two");
  }
  // A zero-length buffer still gets a distinct address.
  auto* data = static_cast<std::byte*>(allocator.Allocate(std::max<size_t>(byte_length, 1),
                                                          alignment));
  if (!data) {
    return ResourceExhaustedError("out of host memory allocating a ", byte_length,
                                  "-byte heap buffer");
  }
  std::memset(data, 0, byte_length);
  HeapBuffer* buffer = NewRefCounted<HeapBuffer>(allocator, allocator, params, byte_length, data);
  if (!buffer) {
    allocator.Free(data);
    return ResourceExhaustedError("out of host memory allocating a heap buffer object");
  }
  return Ref<HeapBuffer>::Adopt(buffer);
}

HeapBuffer::HeapBuffer(Allocator& allocator, const BufferParams& params, size_t byte_length,
                       std::byte* data)
    : Buffer(allocator, params.type, params.usage, params.queue_affinity, byte_length),
      data_(data) {}

HeapBuffer::~HeapBuffer() { host_allocator().Free(data_); }

Result<std::byte*> HeapBuffer::MapAllocationRange(MappingAccess access, size_t offset,
                                                  size_t length) {
  ++open_mappings_;
  return data_ + offset;
}

void HeapBuffer::UnmapAllocationRange(size_t offset, size_t length, std::byte* data) {
  --open_mappings_;
}

}  // namespace gpuhal
