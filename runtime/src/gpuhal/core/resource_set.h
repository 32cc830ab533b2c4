// Keeps ref-counted objects alive until the set is reset or destroyed: what a recorded
// command buffer or an in-flight submission uses to guarantee that every buffer, event,
// layout and executable it names outlives the work.
//
// Entries live in blocks from a BlockPool. A small two-way set-associative cache of recent
// inserts makes inserting the same object again (the same buffer in consecutive commands)
// one or two compares; two ways, so that two objects used alternately (a copy's source
// and target) never evict each other, whatever their addresses. Not thread-safe. The pool
// must outlive the set.
#ifndef GPUHAL_CORE_RESOURCE_SET_H_
#define GPUHAL_CORE_RESOURCE_SET_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "gpuhal/core/block_pool.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

class ResourceSet {
 public:
  explicit ResourceSet(BlockPool& pool) : pool_(pool) {}
  ResourceSet(const ResourceSet&) = delete;
  ResourceSet& operator=(const ResourceSet&) = delete;
  ~ResourceSet() { Reset(); }

  // Retains `resource` until Reset. Null is ignored. An object may be retained more than
  // once when it has left the recent-insert cache; each retain is released once.
  // RESOURCE_EXHAUSTED when no block can be had.
  Status Insert(const RefCounted* resource);
  Status InsertAll(std::span<const RefCounted* const> resources);

  // Releases everything retained and returns the blocks to the pool.
  void Reset();
  // Releases everything retained but keeps one block for what comes next (see
  // Arena::Clear).
  void Clear();

  // References held now (with the repeats the cache did not catch).
  size_t retained_count() const { return retained_count_; }

 private:
  static constexpr size_t kCacheSets = 16;

  // A block's data holds a count, then that many resource pointers.
  static size_t& ChunkCount(PoolBlock* block) {
    return *reinterpret_cast<size_t*>(block->data());
  }
  static const RefCounted** ChunkEntries(PoolBlock* block) {
    return reinterpret_cast<const RefCounted**>(block->data() + sizeof(size_t));
  }
  static size_t CacheSet(const RefCounted* resource) {
    const auto bits = reinterpret_cast<uintptr_t>(resource);
    return ((bits >> 4) ^ (bits >> 10)) % kCacheSets;
  }
  size_t ChunkCapacity() const;
  void ReleaseEntries();

  BlockPool& pool_;
  PoolBlock* blocks_ = nullptr;  // the block being filled first
  size_t retained_count_ = 0;
  // Per set: [0] the most recent insert, [1] the one before it.
  std::array<std::array<const RefCounted*, 2>, kCacheSets> recent_{};
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_RESOURCE_SET_H_
