// Device memory: buffers, their memory types and usages, subspans and host mapping.
#ifndef GPUHAL_BUFFER_H_
#define GPUHAL_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "gpuhal/allocator.h"
#include "gpuhal/bitmask.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

// Which queues may use an object: bit i is queue i.
using QueueAffinity = uint64_t;
inline constexpr QueueAffinity kAnyQueue = ~QueueAffinity{0};

enum class MemoryType : uint32_t {
  kNone = 0,
  kDeviceLocal = 1u << 0,    // fastest for the device; not mappable unless host visible
  kHostVisible = 1u << 1,    // the host can map it
  kHostCoherent = 1u << 2,   // host writes are visible without explicit flushes
  kHostCached = 1u << 3,
  kHostLocal = kHostVisible | kHostCoherent,  // pinned host memory the device can reach
};
GPUHAL_BITMASK_OPERATORS(MemoryType)

enum class BufferUsage : uint32_t {
  kNone = 0,
  kTransferSource = 1u << 0,
  kTransferTarget = 1u << 1,
  kDispatchStorage = 1u << 2,
  kDispatchIndirectParameters = 1u << 3,
  kMapping = 1u << 4,
  kCollective = 1u << 5,
  kTransfer = kTransferSource | kTransferTarget,
  kDefault = kTransfer | kDispatchStorage | kDispatchIndirectParameters,
};
GPUHAL_BITMASK_OPERATORS(BufferUsage)

struct BufferParams {
  MemoryType type = MemoryType::kDeviceLocal;
  BufferUsage usage = BufferUsage::kDefault;
  QueueAffinity queue_affinity = kAnyQueue;
  // 0 means the device's natural alignment; otherwise a power of two.
  size_t min_alignment = 0;
};

enum class MappingAccess : uint8_t {
  kRead = 1u << 0,
  kWrite = 1u << 1,
  kReadWrite = kRead | kWrite,
};
GPUHAL_BITMASK_OPERATORS(MappingAccess)

// Length meaning "from the offset to the end of the buffer".
inline constexpr size_t kWholeBuffer = std::numeric_limits<size_t>::max();

class Buffer;
class MappedMemory;

// A byte range of a buffer, as commands name their operands.
struct BufferRange {
  Buffer* buffer = nullptr;
  size_t offset = 0;
  size_t length = kWholeBuffer;
};

// A buffer is a byte range of an *allocated buffer*: either the allocation itself or a
// subspan of one, which keeps the allocation alive. Offsets given to commands are
// relative to the buffer, and every backend adds byte_offset() once.
class Buffer : public RefCounted {
 public:
  size_t byte_length() const { return byte_length_; }
  // Offset of this buffer inside allocated_buffer(); 0 for an allocation.
  size_t byte_offset() const { return byte_offset_; }
  Buffer& allocated_buffer() { return *allocated_buffer_; }
  const Buffer& allocated_buffer() const { return *allocated_buffer_; }
  MemoryType memory_type() const { return memory_type_; }
  BufferUsage allowed_usage() const { return allowed_usage_; }
  QueueAffinity queue_affinity() const { return queue_affinity_; }

  // A view of [offset, offset + length) that shares this buffer's memory.
  // OUT_OF_RANGE when the range does not fit; kWholeBuffer takes the rest.
  Result<Ref<Buffer>> Subspan(size_t offset, size_t length);

  // Maps [offset, offset + length) for host access. FAILED_PRECONDITION unless the
  // memory is host visible and the buffer allows kMapping; OUT_OF_RANGE when the range
  // does not fit. The mapping holds a reference and unmaps when destroyed.
  Result<MappedMemory> Map(MappingAccess access, size_t offset = 0, size_t length = kWholeBuffer);

  // Resolves kWholeBuffer and checks that [offset, offset + length) lies inside this
  // buffer. Returns the resolved length; OUT_OF_RANGE naming `what` otherwise.
  Result<size_t> ResolveRange(size_t offset, size_t length, const char* what) const;

  // Lets a backend recognise its own allocations in one compare, as
  // CommandBuffer::TypeTag does for command buffers: a final class that declares
  // `static constexpr char kTypeTag = 0;` returns &kTypeTag. Null by default.
  virtual const void* TypeTag() const { return nullptr; }

 protected:
  // For allocations: allocated_buffer() is the buffer itself.
  Buffer(Allocator& host_allocator, MemoryType memory_type, BufferUsage allowed_usage,
         QueueAffinity queue_affinity, size_t byte_length);
  // For views of `allocated_buffer`.
  Buffer(Buffer& allocated_buffer, size_t byte_offset, size_t byte_length);
  ~Buffer() override;

  // Implemented by allocations: a host pointer to [offset, offset + length) of the
  // allocation, offsets already absolute. Called only on host-visible allocations.
  virtual Result<std::byte*> MapAllocationRange(MappingAccess access, size_t offset,
                                                size_t length);
  virtual void UnmapAllocationRange(size_t offset, size_t length, std::byte* data);

  Allocator& host_allocator() const { return host_allocator_; }

 private:
  friend class MappedMemory;
  friend class BufferView;

  Allocator& host_allocator_;
  Buffer* allocated_buffer_;  // `this`, or a retained allocation
  size_t byte_offset_;
  size_t byte_length_;
  MemoryType memory_type_;
  BufferUsage allowed_usage_;
  QueueAffinity queue_affinity_;
};

// A host mapping of a buffer range; unmaps on destruction. Move-only.
class MappedMemory {
 public:
  MappedMemory() = default;
  MappedMemory(MappedMemory&& other) noexcept;
  MappedMemory& operator=(MappedMemory&& other) noexcept;
  MappedMemory(const MappedMemory&) = delete;
  MappedMemory& operator=(const MappedMemory&) = delete;
  ~MappedMemory();

  std::span<std::byte> data() const { return data_; }
  template <typename T>
  std::span<T> As() const {
    return {reinterpret_cast<T*>(data_.data()), data_.size() / sizeof(T)};
  }
  void Unmap();

 private:
  friend class Buffer;
  MappedMemory(Ref<Buffer> allocation, size_t allocation_offset, std::span<std::byte> data)
      : allocation_(std::move(allocation)), allocation_offset_(allocation_offset), data_(data) {}

  Ref<Buffer> allocation_;
  size_t allocation_offset_ = 0;
  std::span<std::byte> data_;
};

}  // namespace gpuhal

#endif  // GPUHAL_BUFFER_H_
