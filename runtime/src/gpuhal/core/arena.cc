#include "gpuhal/core/arena.h"

#include <utility>

#include <cstdint>

namespace gpuhal {
namespace {

std::byte* AlignUp(std::byte* pointer, size_t alignment) {
  const auto address = reinterpret_cast<uintptr_t>(pointer);
  return pointer + ((alignment - address % alignment) % alignment);
}

}  // namespace

void* Arena::Allocate(size_t size, size_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) return nullptr;
  // Zero-byte requests still get a distinct, valid address.
  if (size == 0) size = 1;
  if (cursor_) {
    std::byte* start = AlignUp(cursor_, alignment);
    if (start <= limit_ && size <= static_cast<size_t>(limit_ - start)) {
      cursor_ = start + size;
      bytes_allocated_ += size;
      return start;
    }
  }
  const size_t block_size = pool_.block_size();
  // Worst-case padding in a fresh block: data() is aligned to PoolBlock::kAlignment.
  const size_t padding = alignment > PoolBlock::kAlignment ? alignment - PoolBlock::kAlignment : 0;
  if (size > block_size || padding > block_size - size) {
    // Chained behind the current block so that the current block keeps its free space.
    PoolBlock* block = pool_.AcquireOversizedBlock(size, alignment);
    if (!block) return nullptr;
    if (blocks_) {
      block->next = blocks_->next;
      blocks_->next = block;
    } else {
      block->next = nullptr;
      blocks_ = block;
    }
    ++block_count_;
    bytes_allocated_ += size;
    return block->data();
  }
  PoolBlock* block = pool_.AcquireBlock();
  if (!block) return nullptr;
  block->next = blocks_;
  blocks_ = block;
  ++block_count_;
  std::byte* start = AlignUp(block->data(), alignment);
  cursor_ = start + size;
  limit_ = block->data() + block->capacity;
  bytes_allocated_ += size;
  return start;
}

void Arena::Clear() {
  if (!blocks_ || blocks_->oversized_allocation) {
    Reset();
    return;
  }
  pool_.ReleaseBlocks(std::exchange(blocks_->next, nullptr));
  cursor_ = blocks_->data();
  limit_ = blocks_->data() + blocks_->capacity;
  bytes_allocated_ = 0;
  block_count_ = 1;
}

void Arena::Reset() {
  pool_.ReleaseBlocks(blocks_);
  blocks_ = nullptr;
  cursor_ = limit_ = nullptr;
  bytes_allocated_ = 0;
  block_count_ = 0;
}

}  // namespace gpuhal
