#include "gpuhal/buffer.h"

#include <utility>

namespace gpuhal {

// A subspan: shares the memory of the allocation it names and keeps it alive.
class BufferView final : public Buffer {
 public:
  BufferView(Buffer& allocation, size_t byte_offset, size_t byte_length)
      : Buffer(allocation, byte_offset, byte_length) {}
};

Buffer::Buffer(Allocator& host_allocator, MemoryType memory_type, BufferUsage allowed_usage,
               QueueAffinity queue_affinity, size_t byte_length)
    : host_allocator_(host_allocator),
      allocated_buffer_(this),
      byte_offset_(0),
      byte_length_(byte_length),
      memory_type_(memory_type),
      allowed_usage_(allowed_usage),
      queue_affinity_(queue_affinity) {}

// Views always point at the allocation itself, never at another view, so that a subspan
// of a subspan adds its offsets once and a chain of views holds one reference.
Buffer::Buffer(Buffer& allocated_buffer, size_t byte_offset, size_t byte_length)
    : host_allocator_(allocated_buffer.host_allocator_),
      allocated_buffer_(allocated_buffer.allocated_buffer_),
      byte_offset_(allocated_buffer.byte_offset_ + byte_offset),
      byte_length_(byte_length),
      memory_type_(allocated_buffer.memory_type_),
      allowed_usage_(allocated_buffer.allowed_usage_),
      queue_affinity_(allocated_buffer.queue_affinity_) {
  allocated_buffer_->AddRef();
}

Buffer::~Buffer() {
  if (allocated_buffer_ != this) allocated_buffer_->Release();
}

Result<size_t> Buffer::ResolveRange(size_t offset, size_t length, const char* what) const {
  if (offset > byte_length_) {
    if (length == kWholeBuffer) {
      return OutOfRangeError(what, " offset ", offset, " exceeds buffer length ", byte_length_);
    }
    return OutOfRangeError(what, " range [offset ", offset, ", length ", length,
                           ") exceeds buffer length ", byte_length_);
  }
  const size_t available = byte_length_ - offset;
  if (length == kWholeBuffer) return available;
  // Compared against what is left rather than offset + length, which could wrap.
  if (length > available) {
    return OutOfRangeError(what, " range [offset ", offset, ", length ", length,
                           ") exceeds buffer length ", byte_length_);
  }
  return length;
}

Result<Ref<Buffer>> Buffer::Subspan(size_t offset, size_t length) {
  GPUHAL_ASSIGN_OR_RETURN(const size_t resolved, ResolveRange(offset, length, "subspan"));
  BufferView* view = NewRefCounted<BufferView>(host_allocator_, *this, offset, resolved);
  if (!view) {
    return ResourceExhaustedError("out of host memory allocating a buffer subspan view");
  }
  return Ref<Buffer>::Adopt(view);
}

Result<MappedMemory> Buffer::Map(MappingAccess access, size_t offset, size_t length) {
  if (!AnySet(memory_type_, MemoryType::kHostVisible)) {
    return FailedPreconditionError(
        "cannot map a buffer whose memory type (0x", std::hex,
        static_cast<uint32_t>(memory_type_), std::dec,
        ") is not host visible; allocate it with MemoryType::kHostVisible");
  }
  if (!AllSet(allowed_usage_, BufferUsage::kMapping)) {
    return FailedPreconditionError(
        "cannot map a buffer whose allowed usage (0x", std::hex,
        static_cast<uint32_t>(allowed_usage_), std::dec,
        ") lacks BufferUsage::kMapping");
  }
  GPUHAL_ASSIGN_OR_RETURN(const size_t resolved, ResolveRange(offset, length, "mapping"));
  const size_t allocation_offset = byte_offset_ + offset;
  GPUHAL_ASSIGN_OR_RETURN(std::byte * data, allocated_buffer_->MapAllocationRange(
                                                access, allocation_offset, resolved));
  return MappedMemory(Ref<Buffer>(allocated_buffer_), allocation_offset,
                      std::span<std::byte>(data, resolved));
}

Result<std::byte*> Buffer::MapAllocationRange(MappingAccess access, size_t offset,
                                              size_t length) {
  return UnimplementedError("this buffer implementation does not support host mapping");
}

void Buffer::UnmapAllocationRange(size_t offset, size_t length, std::byte* data) {}

MappedMemory::MappedMemory(MappedMemory&& other) noexcept
    : allocation_(std::move(other.allocation_)),
      allocation_offset_(std::exchange(other.allocation_offset_, 0)),
      data_(std::exchange(other.data_, {})) {}

MappedMemory& MappedMemory::operator=(MappedMemory&& other) noexcept {
  if (this != &other) {
    Unmap();
    allocation_ = std::move(other.allocation_);
    allocation_offset_ = std::exchange(other.allocation_offset_, 0);
    data_ = std::exchange(other.data_, {});
  }
  return *this;
}

MappedMemory::~MappedMemory() { Unmap(); }

void MappedMemory::Unmap() {
  if (!allocation_) return;
  allocation_->UnmapAllocationRange(allocation_offset_, data_.size(), data_.data());
  allocation_.reset();
  allocation_offset_ = 0;
  data_ = {};
}

}  // namespace gpuhal
