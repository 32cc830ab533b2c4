#include "gpuhal/core/resource_set.h"

#include <new>
#include <utility>

namespace gpuhal {

size_t ResourceSet::ChunkCapacity() const {
  return (pool_.block_size() - sizeof(size_t)) / sizeof(const RefCounted*);
}

Status ResourceSet::Insert(const RefCounted* resource) {
  if (!resource) return OkStatus();
  std::array<const RefCounted*, 2>& ways = recent_[CacheSet(resource)];
  if (ways[0] == resource || ways[1] == resource) return OkStatus();
  if (!blocks_ || ChunkCount(blocks_) == ChunkCapacity()) {
    PoolBlock* block = pool_.AcquireBlock();
    if (!block) {
      return ResourceExhaustedError("out of host memory retaining a resource (",
                                    retained_count_, " retained so far)");
    }
    block->next = blocks_;
    blocks_ = block;
    new (block->data()) size_t(0);
  }
  resource->AddRef();
  ChunkEntries(blocks_)[ChunkCount(blocks_)++] = resource;
  ways[1] = ways[0];
  ways[0] = resource;
  ++retained_count_;
  return OkStatus();
}

Status ResourceSet::InsertAll(std::span<const RefCounted* const> resources) {
  for (const RefCounted* resource : resources) GPUHAL_RETURN_IF_ERROR(Insert(resource));
  return OkStatus();
}

void ResourceSet::ReleaseEntries() {
  // A small set (a queue submission retains a handful) clears only the cache sets its
  // entries used: the whole cache is four cache lines, long cold by the time a
  // submission is retired.
  const bool clear_used_sets = retained_count_ <= kCacheSets / 4;
  for (PoolBlock* block = blocks_; block; block = block->next) {
    const RefCounted** entries = ChunkEntries(block);
    for (size_t i = 0, count = ChunkCount(block); i < count; ++i) {
      if (clear_used_sets) recent_[CacheSet(entries[i])] = {nullptr, nullptr};
      entries[i]->Release();
    }
  }
  if (!clear_used_sets) recent_.fill({nullptr, nullptr});
  retained_count_ = 0;
}

void ResourceSet::Reset() {
  ReleaseEntries();
  pool_.ReleaseBlocks(blocks_);
  blocks_ = nullptr;
}

void ResourceSet::Clear() {
  ReleaseEntries();
  if (!blocks_) return;
  pool_.ReleaseBlocks(std::exchange(blocks_->next, nullptr));
  ChunkCount(blocks_) = 0;
}

}  // namespace gpuhal
