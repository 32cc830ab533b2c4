#include "gpuhal/core/block_pool.h"

#include <algorithm>
#include <cstdint>
#include <new>
#include <utility>

namespace gpuhal {

Result<Ref<BlockPool>> BlockPool::Create(Allocator& allocator, size_t block_size) {
  if (block_size < kMinBlockSize) {
    return InvalidArgumentError("block pool block size ", block_size,
                                " is below the minimum of ", kMinBlockSize, " bytes");
  }
  Ref<BlockPool> pool = MakeRef<BlockPool>(allocator, allocator, block_size);
  if (!pool) return ResourceExhaustedError("out of host memory creating a block pool");
  return pool;
}

BlockPool::~BlockPool() { Trim(); }

PoolBlock* BlockPool::AcquireBlock() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_list_) {
      PoolBlock* block = free_list_;
      free_list_ = block->next;
      block->next = nullptr;
      --free_block_count_;
      return block;
    }
  }
  // Allocated outside the lock: the allocator may be slow or take locks of its own.
  void* memory = allocator_.Allocate(PoolBlock::HeaderSize() + block_size_, PoolBlock::kAlignment);
  if (!memory) return nullptr;
  auto* block = new (memory) PoolBlock{nullptr, block_size_, nullptr};
  std::lock_guard<std::mutex> lock(mutex_);
  ++allocated_block_count_;
  return block;
}

PoolBlock* BlockPool::AcquireOversizedBlock(size_t capacity, size_t alignment) {
  alignment = std::max(alignment, PoolBlock::kAlignment);
  // The header is padded to a multiple of `alignment` so that data() lands on it.
  const size_t header = (PoolBlock::HeaderSize() + alignment - 1) / alignment * alignment;
  if (capacity > SIZE_MAX - header) return nullptr;
  void* memory = allocator_.Allocate(header + capacity, alignment);
  if (!memory) return nullptr;
  auto* base = static_cast<std::byte*>(memory);
  return new (base + header - PoolBlock::HeaderSize()) PoolBlock{nullptr, capacity, memory};
}

void BlockPool::ReleaseBlocks(PoolBlock* chain) {
  PoolBlock* to_pool = nullptr;
  PoolBlock* to_pool_tail = nullptr;
  size_t pooled = 0;
  while (chain) {
    PoolBlock* next = chain->next;
    if (chain->oversized_allocation) {
      allocator_.Free(chain->oversized_allocation);
    } else {
      chain->next = to_pool;
      if (!to_pool) to_pool_tail = chain;
      to_pool = chain;
      ++pooled;
    }
    chain = next;
  }
  if (!to_pool) return;
  std::lock_guard<std::mutex> lock(mutex_);
  to_pool_tail->next = free_list_;
  free_list_ = to_pool;
  free_block_count_ += pooled;
}

void BlockPool::Trim() {
  PoolBlock* chain;
  size_t freed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    chain = std::exchange(free_list_, nullptr);
    freed = std::exchange(free_block_count_, 0);
    allocated_block_count_ -= freed;
  }
  while (chain) {
    PoolBlock* next = chain->next;
    allocator_.Free(chain);
    chain = next;
  }
}

size_t BlockPool::free_block_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return free_block_count_;
}

size_t BlockPool::allocated_block_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return allocated_block_count_;
}

}  // namespace gpuhal
