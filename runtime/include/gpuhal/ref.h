// Intrusive, thread-safe reference counting for every HAL object.
//
// Objects start with one reference, owned by the Ref returned from their factory. An
// object created through an Allocator (see MakeRef) is returned to that allocator when
// its last reference goes away.
#ifndef GPUHAL_REF_H_
#define GPUHAL_REF_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "gpuhal/allocator.h"

namespace gpuhal {

class RefCounted {
 public:
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;

  void AddRef() const { ref_count_.fetch_add(1, std::memory_order_relaxed); }
  void Release() const {
    if (ref_count_.fetch_sub(1, std::memory_order_acq_rel) == 1) Destroy();
  }
  // For tests and debugging only: the count may change at any moment.
  int32_t ref_count_for_testing() const { return ref_count_.load(std::memory_order_relaxed); }

 protected:
  RefCounted() = default;
  virtual ~RefCounted() = default;

 private:
  template <typename T, typename... Args>
  friend T* NewRefCounted(Allocator& allocator, Args&&... args);

  void Destroy() const;

  mutable std::atomic<int32_t> ref_count_{1};
  // Where this object's memory came from; null means plain operator new.
  Allocator* allocator_ = nullptr;
};

// A smart pointer holding one reference.
template <typename T>
class Ref {
 public:
  Ref() = default;
  Ref(std::nullptr_t) {}
  // Takes a new reference to `ptr`.
  explicit Ref(T* ptr) : ptr_(ptr) {
    if (ptr_) ptr_->AddRef();
  }
  // Takes over the reference the caller already owns.
  static Ref Adopt(T* ptr) {
    Ref ref;
    ref.ptr_ = ptr;
    return ref;
  }

  Ref(const Ref& other) : Ref(other.ptr_) {}
  Ref(Ref&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U*, T*>>>
  Ref(const Ref<U>& other) : Ref(other.get()) {}
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U*, T*>>>
  Ref(Ref<U>&& other) noexcept : ptr_(other.release()) {}

  Ref& operator=(Ref other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }
  ~Ref() {
    if (ptr_) ptr_->Release();
  }

  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }
  // Gives up ownership of the reference without releasing it.
  [[nodiscard]] T* release() { return std::exchange(ptr_, nullptr); }
  void reset() { Ref().swap(*this); }
  void swap(Ref& other) noexcept { std::swap(ptr_, other.ptr_); }

  friend bool operator==(const Ref& a, const Ref& b) { return a.ptr_ == b.ptr_; }
  friend bool operator==(const Ref& a, std::nullptr_t) { return a.ptr_ == nullptr; }

 private:
  T* ptr_ = nullptr;
};

// Constructs a T in memory from `allocator`; returns null when the allocator is
// exhausted. The object returns its memory to `allocator` when released.
template <typename T, typename... Args>
T* NewRefCounted(Allocator& allocator, Args&&... args) {
  static_assert(std::is_base_of_v<RefCounted, T>);
  void* memory = allocator.Allocate(sizeof(T), alignof(T));
  if (!memory) return nullptr;
  T* object = new (memory) T(std::forward<Args>(args)...);
  static_cast<RefCounted*>(object)->allocator_ = &allocator;
  return object;
}

// As NewRefCounted, wrapped in a Ref (null on exhaustion).
template <typename T, typename... Args>
Ref<T> MakeRef(Allocator& allocator, Args&&... args) {
  return Ref<T>::Adopt(NewRefCounted<T>(allocator, std::forward<Args>(args)...));
}

}  // namespace gpuhal

#endif  // GPUHAL_REF_H_
