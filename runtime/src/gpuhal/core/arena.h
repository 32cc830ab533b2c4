// A bump allocator over blocks from a BlockPool. Recording a command buffer allocates
// many small, same-lifetime pieces (commands, copied spans, labels); an arena makes each
// a pointer bump and frees them all at once.
//
// Not thread-safe: an arena has one owner. The pool must outlive the arena.
#ifndef GPUHAL_CORE_ARENA_H_
#define GPUHAL_CORE_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "gpuhal/core/block_pool.h"

namespace gpuhal {

class Arena {
 public:
  explicit Arena(BlockPool& pool) : pool_(pool) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() { Reset(); }

  // `size` bytes aligned to `alignment` (a power of two), valid until Reset; null when
  // the pool's allocator is exhausted. A request that cannot fit in a pooled block gets
  // an oversized block of its own.
  void* Allocate(size_t size, size_t alignment = alignof(std::max_align_t));

  // Uninitialized storage for `count` objects of T; null on exhaustion or overflow.
  template <typename T>
  T* AllocateArray(size_t count) {
    static_assert(std::is_trivially_destructible_v<T>, "the arena never runs destructors");
    if (count > SIZE_MAX / sizeof(T)) return nullptr;
    return static_cast<T*>(Allocate(count * sizeof(T), alignof(T)));
  }

  // Constructs a T in the arena; its destructor never runs. Null on exhaustion.
  template <typename T, typename... Args>
  T* New(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "the arena never runs destructors");
    void* memory = Allocate(sizeof(T), alignof(T));
    return memory ? new (memory) T(std::forward<Args>(args)...) : nullptr;
  }

  // A copy of `values` that lives as long as the arena. An empty span copies to an empty
  // span; `ok` is false only on exhaustion.
  template <typename T>
  std::span<T> Copy(std::span<const T> values, bool& ok) {
    static_assert(std::is_trivially_copyable_v<T>);
    ok = true;
    if (values.empty()) return {};
    T* copy = AllocateArray<T>(values.size());
    if (!copy) {
      ok = false;
      return {};
    }
    std::memcpy(static_cast<void*>(copy), values.data(), values.size_bytes());
    return {copy, values.size()};
  }
  std::string_view Copy(std::string_view text, bool& ok) {
    std::span<char> copy = Copy(std::span<const char>(text.data(), text.size()), ok);
    return {copy.data(), copy.size()};
  }

  // Returns every block to the pool; everything allocated is gone.
  void Reset();
  // Everything allocated is gone, but the current block (a pooled one) stays for what
  // comes next: an owner that empties its arena after every short use (a queue
  // submission) then does not take the pool's lock, which the threads that release
  // their blocks also take, each time.
  void Clear();

  // Bytes handed out by Allocate since the last Reset, alignment padding excluded.
  size_t bytes_allocated() const { return bytes_allocated_; }
  // Blocks held now, oversized ones included.
  size_t block_count() const { return block_count_; }

 private:
  BlockPool& pool_;
  PoolBlock* blocks_ = nullptr;  // the block being bumped first, then older ones
  std::byte* cursor_ = nullptr;
  std::byte* limit_ = nullptr;
  size_t bytes_allocated_ = 0;
  size_t block_count_ = 0;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_ARENA_H_
