// The handle objects a front end has handed out and not yet destroyed. Looking a handle up
// here before touching it turns a destroyed handle, or one from another fake platform,
// into the vendor's invalid-handle error rather than a use-after-free; whatever the
// application never destroyed is freed with the front end.
//
// Vendor-neutral; it lives beside the CUDA front end only because every front end uses it.
#ifndef GPUHAL_FAKES_GPU_OWNED_HANDLES_H_
#define GPUHAL_FAKES_GPU_OWNED_HANDLES_H_

#include <memory>
#include <mutex>
#include <unordered_map>

namespace gpuhal::fake {

template <typename T>
class OwnedHandles {
 public:
  T* Add(std::unique_ptr<T> handle) {
    T* raw = handle.get();
    std::lock_guard lock(mu_);
    handles_.emplace(raw, std::move(handle));
    return raw;
  }
  bool Contains(const T* handle) const {
    if (handle == nullptr) return false;
    std::lock_guard lock(mu_);
    return handles_.count(handle) != 0;
  }
  // Null when `handle` is not (or no longer) one of these.
  std::unique_ptr<T> Remove(const T* handle) {
    std::lock_guard lock(mu_);
    auto it = handles_.find(handle);
    if (it == handles_.end()) return nullptr;
    std::unique_ptr<T> owned = std::move(it->second);
    handles_.erase(it);
    return owned;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<const T*, std::unique_ptr<T>> handles_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_GPU_OWNED_HANDLES_H_
