// A thread-safe pool of fixed-size host memory blocks, shared by the arenas and resource
// sets of many command buffers so that re-recording reuses memory instead of going back
// to the Allocator for every command.
#ifndef GPUHAL_CORE_BLOCK_POOL_H_
#define GPUHAL_CORE_BLOCK_POOL_H_

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "gpuhal/allocator.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

// One block: a header followed by `capacity` usable bytes aligned to kAlignment.
// Owners chain blocks through `next` while they hold them.
struct PoolBlock {
  static constexpr size_t kAlignment = alignof(std::max_align_t);

  PoolBlock* next = nullptr;
  size_t capacity = 0;
  // For blocks larger than the pool's block size, which go straight back to the
  // allocator instead of the free list: where their allocation begins. Null for pooled
  // blocks.
  void* oversized_allocation = nullptr;

  std::byte* data() { return reinterpret_cast<std::byte*>(this) + HeaderSize(); }
  static constexpr size_t HeaderSize() {
    return (sizeof(PoolBlock) + kAlignment - 1) / kAlignment * kAlignment;
  }
};

class BlockPool final : public RefCounted {
 public:
  static constexpr size_t kMinBlockSize = 256;
  static constexpr size_t kDefaultBlockSize = 32 * 1024;

  // Blocks have `block_size` usable bytes. INVALID_ARGUMENT below kMinBlockSize.
  static Result<Ref<BlockPool>> Create(Allocator& allocator,
                                       size_t block_size = kDefaultBlockSize);

  size_t block_size() const { return block_size_; }
  Allocator& allocator() const { return allocator_; }

  // A block of block_size() usable bytes, from the free list when it has one; null when
  // the allocator is exhausted.
  PoolBlock* AcquireBlock();
  // A one-off block of at least `capacity` usable bytes whose data() is aligned to
  // `alignment` (a power of two); null on exhaustion. ReleaseBlocks frees it.
  PoolBlock* AcquireOversizedBlock(size_t capacity, size_t alignment);
  // Returns a chain of blocks linked through `next` (pooled blocks go to the free list,
  // oversized ones to the allocator).
  void ReleaseBlocks(PoolBlock* chain);

  // Frees every block on the free list.
  void Trim();

  size_t free_block_count() const;
  // Pooled blocks currently allocated from the allocator, free or in use.
  size_t allocated_block_count() const;

 private:
  template <typename T, typename... Args>
  friend T* NewRefCounted(Allocator& allocator, Args&&... args);

  BlockPool(Allocator& allocator, size_t block_size)
      : allocator_(allocator), block_size_(block_size) {}
  ~BlockPool() override;

  Allocator& allocator_;
  const size_t block_size_;
  mutable std::mutex mutex_;
  PoolBlock* free_list_ = nullptr;
  size_t free_block_count_ = 0;
  size_t allocated_block_count_ = 0;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_BLOCK_POOL_H_
