// Generation-checked slots: a handle is (generation << 32 | slot + 1), so a destroyed or
// reused slot is detected on lookup instead of being dereferenced.
#ifndef GPUHAL_FAKES_ENGINE_HANDLE_TABLE_H_
#define GPUHAL_FAKES_ENGINE_HANDLE_TABLE_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace gpuhal::fake {

template <typename T>
class HandleTable {
 public:
  // Returns the raw handle of a new object.
  uint64_t Insert(std::unique_ptr<T> object) {
    uint32_t slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back({});
    }
    slots_[slot].object = std::move(object);
    return MakeHandle(slot, slots_[slot].generation);
  }

  T* Find(uint64_t handle) const {
    uint32_t slot = static_cast<uint32_t>(handle) - 1;
    uint32_t generation = static_cast<uint32_t>(handle >> 32);
    if (static_cast<uint32_t>(handle) == 0 || slot >= slots_.size()) return nullptr;
    const Slot& s = slots_[slot];
    return s.generation == generation ? s.object.get() : nullptr;
  }

  // Destroys the object; later lookups of `handle` fail.
  bool Erase(uint64_t handle) {
    if (Find(handle) == nullptr) return false;
    uint32_t slot = static_cast<uint32_t>(handle) - 1;
    slots_[slot].object.reset();
    ++slots_[slot].generation;
    free_slots_.push_back(slot);
    return true;
  }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Slot& s : slots_)
      if (s.object) fn(*s.object);
  }

 private:
  static uint64_t MakeHandle(uint32_t slot, uint32_t generation) {
    return (uint64_t{generation} << 32) | (uint64_t{slot} + 1);
  }
  struct Slot {
    std::unique_ptr<T> object;
    uint32_t generation = 1;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_HANDLE_TABLE_H_
